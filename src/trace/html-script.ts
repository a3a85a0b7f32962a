// The inline script of the HTML ladder page (html.ts). Plain ES2020, no dependencies, no network. It
// reads the page's data from <script type="application/json" id="finack-data">, and only ever puts
// text into the page with textContent, so nothing from a trace is parsed as markup.
//
// Behaviour: pointing at (or focusing) a segment, state change or remark shows it in #details; a click,
// Enter or Space keeps it there. #numbers toggles relative/absolute sequence numbers in the labels,
// titles and details. #prev / #next (and the ArrowLeft / ArrowRight, p / n keys; Home, End; Escape
// leaves) step through the events in trace order: later ones fade, the current one is highlighted and
// shown in #details, #step counts.
//
// Kept free of backticks and dollar-brace so it can sit in a template literal as it is.

export const HTML_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('finack-data').textContent);
  var details = document.getElementById('details');
  var stepText = document.getElementById('step');
  var numbers = document.getElementById('numbers');
  var root = document.documentElement;
  var absolute = !!data.absolute;
  var selected = null;
  var step = -1;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function ms(t) {
    var neg = t < 0;
    var a = Math.round(Math.abs(t) * 1000) / 1000;
    var s = String(Math.trunc(a)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var frac = (a - Math.trunc(a)).toFixed(3).slice(1).replace(/\.?0+$/, '');
    return (neg ? '-' : '') + s + frac + ' ms';
  }
  function row(dl, name, value) {
    dl.appendChild(el('dt', name));
    dl.appendChild(el('dd', value));
  }
  function num(rel, abs) {
    return absolute ? abs + ' (relative ' + rel + ')' : rel + ' (absolute ' + abs + ')';
  }
  function options(o) {
    var out = [];
    if (o.mss !== undefined) out.push('MSS ' + o.mss);
    if (o.wscale !== undefined) out.push('window scale ' + o.wscale + ' (×' + Math.pow(2, o.wscale) + ')');
    if (o.sackPermitted) out.push('SACK permitted');
    if (o.sack && o.sack.length) {
      out.push('SACK ' + o.sack.map(function (b) { return b[0] + '–' + b[1]; }).join(', '));
    }
    if (o.ts) out.push('timestamps TSval ' + o.ts.val + ', TSecr ' + o.ts.ecr);
    return out.length ? out.join('; ') : 'none';
  }
  function fate(s) {
    if (s.stray) return 'arrived at ' + ms(s.t) + '; its sending is not in the trace';
    if (s.lost !== undefined) return 'sent at ' + ms(s.t) + ', lost on the way (' + s.lost + ')';
    if (s.arrival !== undefined) {
      var f = 'sent at ' + ms(s.t) + ', arrived at ' + ms(s.arrival) + ' (' + ms(s.arrival - s.t) + ' on the way)';
      return s.discarded ? f + '; discarded by the receiver (' + s.discarded + ')' : f;
    }
    return 'sent at ' + ms(s.t) + '; its arrival is not in the trace';
  }
  function kinds(s) {
    var k = [];
    if (s.retransmit) k.push('retransmission');
    if (s.probe) k.push('keepalive probe');
    if (s.duplicate) k.push('duplicate');
    return k;
  }
  function segTitle(s) {
    var k = kinds(s);
    return s.from + ' → ' + s.to + ': ' + (absolute ? s.labelAbs : s.labelRel) +
      (k.length ? ' (' + k.join(', ') + ')' : '') + '; ' + fate(s);
  }

  function showSegment(s) {
    details.textContent = '';
    details.appendChild(el('h2', s.from + ' → ' + s.to + ': ' + (s.flags.join(',') || 'no flags')));
    var k = kinds(s);
    if (k.length) details.appendChild(el('p', k.join(', '), 'fk-kind'));
    var dl = el('dl');
    row(dl, 'When', fate(s));
    row(dl, 'Flags', s.flags.join(', ') || 'none');
    row(dl, 'Seq', num(s.relSeq, s.seq));
    row(dl, 'Ack', s.flags.indexOf('ACK') >= 0 ? num(s.relAck, s.ack) : 'no ACK bit (' + s.ack + ')');
    row(dl, 'Len', s.len + ' (SEG.LEN: ' + s.payload + ' payload bytes' + (s.flags.indexOf('SYN') >= 0 ? ' + SYN' : '') +
      (s.flags.indexOf('FIN') >= 0 ? ' + FIN' : '') + ')');
    row(dl, 'Window', s.win + ' (as sent, before scaling)');
    if (s.urp) row(dl, 'Urgent pointer', s.urp);
    row(dl, 'Options', options(s.options));
    if (s.conn) row(dl, 'Connection', s.conn);
    details.appendChild(dl);
  }
  function showState(st) {
    details.textContent = '';
    details.appendChild(el('h2', st.endpoint + ': ' + st.from + ' → ' + st.to));
    var x = st.explain;
    details.appendChild(el('p', x.title, 'fk-explain-title'));
    details.appendChild(el('p', x.text));
    if (x.reasons && x.reasons.length) {
      details.appendChild(el('p', 'Why wait:', 'fk-sub'));
      var ul = el('ul');
      x.reasons.forEach(function (r) { ul.appendChild(el('li', r)); });
      details.appendChild(ul);
    }
    var p = el('p', '', 'fk-rfc');
    p.appendChild(el('span', 'RFC 9293: '));
    p.appendChild(document.createTextNode(x.rfc.map(function (r) { return '§' + r.section + ' ' + r.title; }).join('; ')));
    details.appendChild(p);
    var dl = el('dl');
    row(dl, 'When', ms(st.t));
    row(dl, 'Cause', st.cause || 'not given');
    details.appendChild(dl);
    var a = el('a', 'All state changes, explained');
    a.setAttribute('href', '#state-' + st.id);
    details.appendChild(a);
  }
  function showMark(m) {
    details.textContent = '';
    details.appendChild(el('h2', m.endpoint + ': ' + m.text));
    var dl = el('dl');
    row(dl, 'When', ms(m.t));
    row(dl, 'What', m.detail);
    details.appendChild(dl);
  }
  function showNothing() {
    details.textContent = '';
    details.appendChild(el('p', 'Point at a segment, a state or a remark (or tab to it) to see everything about it here. Click to keep it.', 'fk-hint'));
  }
  function itemOf(node) {
    if (node.hasAttribute('data-seg')) return { kind: 'seg', id: Number(node.getAttribute('data-seg')) };
    if (node.hasAttribute('data-state')) return { kind: 'state', id: Number(node.getAttribute('data-state')) };
    return { kind: 'mark', id: Number(node.getAttribute('data-mark')) };
  }
  function show(item) {
    if (!item) return showNothing();
    if (item.kind === 'seg') showSegment(data.segments[item.id]);
    else if (item.kind === 'state') showState(data.states[item.id]);
    else showMark(data.marks[item.id]);
  }
  function nodeOf(item) {
    return document.querySelector('[data-' + item.kind + '="' + item.id + '"]');
  }
  function select(item) {
    var old = document.querySelectorAll('.fk-selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('fk-selected');
    selected = item;
    if (item) {
      var n = nodeOf(item);
      if (n) n.classList.add('fk-selected');
    }
    show(item);
  }
  function resting() {
    if (selected) return selected;
    if (step >= 0) return data.steps[step];
    return null;
  }

  var hooks = document.querySelectorAll('[data-seg], [data-state], [data-mark]');
  for (var h = 0; h < hooks.length; h++) {
    (function (node) {
      node.addEventListener('mouseenter', function () { show(itemOf(node)); });
      node.addEventListener('mouseleave', function () { show(resting()); });
      node.addEventListener('focus', function () { select(itemOf(node)); });
      node.addEventListener('click', function () { select(itemOf(node)); });
      node.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          select(itemOf(node));
        }
      });
    })(hooks[h]);
  }

  function renumber() {
    var labels = document.querySelectorAll('text[data-rel]');
    for (var i = 0; i < labels.length; i++) {
      labels[i].textContent = labels[i].getAttribute(absolute ? 'data-abs' : 'data-rel');
    }
    data.segments.forEach(function (s) {
      var n = nodeOf({ kind: 'seg', id: s.id });
      var t = n && n.querySelector('title');
      if (t) t.textContent = segTitle(s);
    });
    numbers.setAttribute('aria-pressed', absolute ? 'true' : 'false');
    numbers.textContent = absolute ? 'Numbers: absolute' : 'Numbers: relative';
    show(resting());
  }
  numbers.addEventListener('click', function () {
    absolute = !absolute;
    renumber();
  });

  function goTo(i) {
    var n = data.steps.length;
    step = Math.max(-1, Math.min(n - 1, i));
    selected = null;
    var old = document.querySelectorAll('.fk-selected');
    for (var k = 0; k < old.length; k++) old[k].classList.remove('fk-selected');
    var all = document.querySelectorAll('[data-step]');
    for (var j = 0; j < all.length; j++) {
      var s = Number(all[j].getAttribute('data-step'));
      all[j].classList.toggle('fk-later', step >= 0 && s > step);
      all[j].classList.toggle('fk-current', s === step);
    }
    root.classList.toggle('fk-stepping', step >= 0);
    stepText.textContent = step >= 0 ? 'Step ' + (step + 1) + ' of ' + n : 'Step 0 of ' + n + ' (all shown)';
    if (step >= 0) {
      var cur = nodeOf(data.steps[step]);
      if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      show(data.steps[step]);
    } else showNothing();
  }
  document.getElementById('prev').addEventListener('click', function () { goTo(step - 1); });
  document.getElementById('next').addEventListener('click', function () { goTo(step + 1); });
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    var k = ev.key;
    if (k === 'ArrowRight' || k === 'n') goTo(step + 1);
    else if (k === 'ArrowLeft' || k === 'p') goTo(step - 1);
    else if (k === 'Home') goTo(0);
    else if (k === 'End') goTo(data.steps.length - 1);
    else if (k === 'Escape') goTo(-1);
    else return;
    ev.preventDefault();
  });

  if (absolute) renumber();
  goTo(-1);
})();
`;
