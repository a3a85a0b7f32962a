// The playground page: builds the controls, runs virtual time from the page's own animation loop,
// and redraws the views. Every control is a native <button>, <input> or <select> with a label.

import { explainTransition } from '../../src/trace/explain.js';
import { traceDocument } from '../../src/trace/json.js';
import { PcapWriter } from '../../src/trace/pcap.js';
import { fill, GUIDE_TEXT, type Lang, UI, type UiKey, ZH_TRANSITIONS } from './i18n.js';
import { findGuide, GUIDES, type Guide } from './model/guides.js';
import { type ActionResult, type DropKind, Playground } from './model/playground.js';
import { cloneSettings, formatUrlState, parseUrlState, type Settings, SIDES, SPEEDS } from './model/settings.js';
import { esc, flightMarks, ladder, ladderFile, receivedText, seqHtml, ssHtml, timersHtml } from './views/render.js';
import { stateDiagramSvg } from './views/state-diagram.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const url = parseUrlState(location.search);
let lang: Lang = url.lang === 'zh' || (url.lang === undefined && navigator.language.startsWith('zh')) ? 'zh' : 'en';
let settings: Settings = cloneSettings(url.settings);
let pg = new Playground(settings);
let playing = false;
let lastWall: number | undefined;
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

/** The guided scenario in progress: which step comes next, and whether one is running. */
interface GuideRun {
  guide: Guide;
  next: number;
  running: boolean;
  autoplay: boolean;
  /** Wall time before which autoplay waits between steps. */
  holdUntil: number;
  /** Virtual ms the running step may still take. */
  limitLeft?: number | undefined;
}
let run: GuideRun | undefined;

// ---------------------------------------------------------------------------------------------------
// Words

function t(key: UiKey): string {
  return UI[lang][key];
}

function applyLang(): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
  document.title = t('title');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as UiKey);
  }
  $('lang-toggle').textContent = lang === 'zh' ? 'English' : '中文';
  $('lang-toggle').setAttribute('lang', lang === 'zh' ? 'en' : 'zh-Hans');
  $('lang-toggle').setAttribute('aria-label', lang === 'zh' ? 'Switch to English' : '切换到中文');
  const sel = $<HTMLSelectElement>('guide-select');
  const current = sel.value;
  sel.replaceChildren(new Option(t('free'), ''));
  for (const g of GUIDES) sel.append(new Option(GUIDE_TEXT[lang][g.id]?.title ?? g.id, g.id));
  sel.value = current;
  renderGuide();
  render(true);
}

function status(text: string): void {
  $('status').textContent = text;
}

function report(r: ActionResult | undefined): void {
  if (r && !r.ok) status(`${t('error')}: ${r.code} — ${r.message}`);
}

// ---------------------------------------------------------------------------------------------------
// Actions

function reset(next: Settings = settings): void {
  settings = cloneSettings(next);
  pg = new Playground(settings);
  playing = false;
  syncInputs();
  render(true);
}

function act(fn: () => ActionResult | undefined): void {
  status('');
  report(fn());
  render(true);
}

function setPlaying(on: boolean): void {
  playing = on;
  lastWall = undefined;
  const b = $('play');
  b.dataset.i18n = on ? 'pause' : 'play';
  b.textContent = t(on ? 'pause' : 'play');
  b.setAttribute('aria-pressed', on ? 'true' : 'false');
}

/** Starts a guide with its own settings, or with `over` (a shared link's). */
function startGuide(id: string, autoplay: boolean, over?: Settings): void {
  const g = findGuide(id);
  if (!g) {
    run = undefined;
    renderGuide();
    return;
  }
  const s = cloneSettings(over ?? g.settings);
  if (autoplay) s.speed = g.autoplaySpeed;
  reset(s);
  run = { guide: g, next: 0, running: false, autoplay, holdUntil: 0 };
  document.body.dataset.guideDone = '0';
  renderGuide();
  if (autoplay) setPlaying(true);
}

/** Performs the next step's action and lets time run until the step has shown what it shows. */
function doStep(): void {
  if (!run || run.running || run.next >= run.guide.steps.length) return;
  const step = run.guide.steps[run.next]!;
  status('');
  report(step.action?.(pg));
  run.running = true;
  setPlaying(true);
  renderGuide();
  render(true);
}

function finishStep(): void {
  if (!run) return;
  run.running = false;
  run.next++;
  if (run.next >= run.guide.steps.length) {
    document.body.dataset.guideDone = '1';
    setPlaying(false);
    status(t('finished'));
  } else if (run.autoplay) {
    run.holdUntil = performance.now() + 400;
  } else setPlaying(false);
  renderGuide();
}

// ---------------------------------------------------------------------------------------------------
// The loop: virtual time advances by (wall time × speed) per frame while playing.

function frame(wall: number): void {
  if (playing) {
    const dt = lastWall === undefined ? 0 : Math.min(100, wall - lastWall);
    lastWall = wall;
    const budget = dt * settings.speed;
    if (run?.running) {
      const step = run.guide.steps[run.next]!;
      run.limitLeft ??= step.limit;
      const use = Math.min(budget, run.limitLeft);
      const done = pg.runUntil(() => step.until(pg), use);
      run.limitLeft -= use;
      if (done || run.limitLeft <= 0) {
        run.limitLeft = undefined;
        finishStep();
      }
    } else if (run?.autoplay && run.next < run.guide.steps.length) {
      if (wall >= run.holdUntil) doStep();
    } else if (budget > 0) pg.advance(budget);
    render(false);
  }
  requestAnimationFrame(frame);
}

declare global {
  interface Window {
    /** For the tests and the curious: the playground's world. */
    finack?: { playground: () => Playground };
  }
}

// ---------------------------------------------------------------------------------------------------
// Rendering

let ladderKey = '';
let ladderModel: ReturnType<typeof ladder>['model'] | undefined;

function render(force: boolean): void {
  $('now').textContent = `${Math.round(pg.now).toLocaleString('en-US')} ms`;
  for (const side of SIDES) {
    const state = pg.state(side);
    const label = $(`state-${side}`);
    if (label.textContent !== state) label.textContent = state;
    $(`history-${side}`).textContent = pg.history(side).join(' → ') || state;
    const last = pg.lastTransition(side);
    $(`diagram-${side}`).innerHTML = stateDiagramSvg({
      state,
      ...(last ? { last: { from: last.from, to: last.to } } : {}),
      label: `${t('diagram')}: ${t(side)} ${state}`,
    });
    const ex = $(`explain-${side}`);
    if (last) {
      const e = explainTransition(last.from, last.to, last.cause);
      const zh = ZH_TRANSITIONS[`${last.from}>${last.to}`];
      ex.innerHTML =
        `<strong>${esc(`${last.from} → ${last.to}`)}</strong> <span class="muted">(${esc(last.cause)}, t=${last.t} ms)</span>` +
        `<br>${esc(lang === 'zh' && zh ? zh : e.text)}` +
        (e.rfc.length > 0
          ? `<br><span class="muted">RFC 9293 ${e.rfc.map((r) => `§${r.section} ${esc(r.title)}`).join('; ')}</span>`
          : '');
    } else ex.textContent = '';
    $(`timers-${side}`).innerHTML = timersHtml(pg, side, lang);
    $(`seq-${side}`).innerHTML = seqHtml(pg, side, lang);
    $(`received-${side}`).textContent = receivedText(pg.received(side));
    const errs = pg.errors(side);
    $(`errors-${side}`).textContent = errs.length > 0 ? errs.join(', ') : '';
  }
  $('ss').innerHTML = ssHtml(pg, lang);
  const key = `${pg.events.length}|${pg.notes.length}`;
  const box = $('ladder');
  if (force || key !== ladderKey || ladderModel === undefined) {
    const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 40;
    const l = ladder(pg);
    ladderModel = l.model;
    ladderKey = key;
    $('ladder-svg').innerHTML = l.svg;
    if (stick) box.scrollTop = box.scrollHeight;
  }
  drawFlight();
  $('cut').textContent = t(pg.partitioned ? 'heal' : 'cut');
}

/** Marks the segments in flight on the ladder: the arrow dimmed, a packet moving along it. */
function drawFlight(): void {
  const svg = $('ladder-svg').querySelector('svg');
  if (!svg || !ladderModel) return;
  svg.querySelector('#flight')?.remove();
  for (const el of svg.querySelectorAll('.inflight')) el.classList.remove('inflight');
  const marks = flightMarks(ladderModel, pg.inFlight(), pg.now, reducedMotion.matches);
  if (marks.length === 0) return;
  const ns = 'http://www.w3.org/2000/svg';
  const g = document.createElementNS(ns, 'g');
  g.id = 'flight';
  for (const m of marks) {
    svg.querySelector(`[data-seg="${m.seg}"]`)?.classList.add('inflight');
    const dot = document.createElementNS(ns, 'rect');
    dot.setAttribute('x', String(m.x - 9));
    dot.setAttribute('y', String(m.y - 6));
    dot.setAttribute('width', '18');
    dot.setAttribute('height', '12');
    dot.setAttribute('class', 'packet');
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${t('inFlight')}: ${m.label}`;
    dot.append(title);
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', String(m.x + 12));
    label.setAttribute('y', String(m.y - 8));
    label.setAttribute('class', 'packet-label');
    label.textContent = `${t('inFlight')}: ${m.label}`;
    g.append(dot, label);
  }
  svg.append(g);
}

function renderGuide(): void {
  const box = $('guide-body');
  if (!run) {
    box.innerHTML = '';
    $<HTMLButtonElement>('guide-do').disabled = true;
    return;
  }
  const text = GUIDE_TEXT[lang][run.guide.id];
  const steps = run.guide.steps;
  const parts: string[] = [`<p class="guide-intro">${esc(text?.intro ?? '')}</p>`];
  const shown = Math.min(run.next, steps.length - 1);
  const done = run.next >= steps.length;
  // The step to do (or the last one done, with what to look at).
  const idx = done ? steps.length - 1 : run.next;
  const st = text?.steps[steps[idx]!.id];
  parts.push(
    `<p id="guide-step" data-step="${steps[idx]!.id}"><strong>${esc(fill(t('stepOf'), { n: idx + 1, m: steps.length }))}</strong></p>`,
  );
  if (st) {
    parts.push(`<p class="step-text">${esc(st.text)}</p>`);
    parts.push(`<p class="step-action"><code>${esc(st.action)}</code></p>`);
  }
  // What to look at: for the step just done.
  const lookIdx = run.running ? -1 : run.next - 1;
  if (lookIdx >= 0 && lookIdx >= shown - 1) {
    const lk = text?.steps[steps[lookIdx]!.id];
    if (lk) parts.push(`<p class="step-look" id="guide-look"><strong>${esc(t('look'))}:</strong> ${esc(lk.look)}</p>`);
  }
  if (done) parts.push(`<p class="finished"><strong>${esc(t('finished'))}</strong></p>`);
  box.innerHTML = parts.join('');
  $<HTMLButtonElement>('guide-do').disabled = done || run.running;
}

// ---------------------------------------------------------------------------------------------------
// Export and sharing

function download(name: string, type: string, data: BlobPart): void {
  const href = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

function pcapBytes(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c.slice()));
  for (const p of pg.wire) w.write(p.t, p.bytes);
  w.close();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function shareUrl(): string {
  const q = formatUrlState({
    settings,
    ...(run ? { scenario: run.guide.id } : {}),
    autoplay: false,
    lang,
  });
  return `${location.href.split(/[?#]/)[0]}${q}`;
}

// ---------------------------------------------------------------------------------------------------
// Inputs

function numberInput(id: string, apply: (v: number) => ActionResult | undefined): void {
  const el = $<HTMLInputElement>(id);
  el.addEventListener('change', () => {
    const v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v)) {
      status(`${t('error')}: ${el.labels?.[0]?.textContent ?? id}`);
      return;
    }
    act(() => apply(v));
  });
}

function syncInputs(): void {
  const s = settings;
  const set = (id: string, v: number | boolean): void => {
    const el = $<HTMLInputElement>(id);
    if (typeof v === 'boolean') el.checked = v;
    else el.value = String(v);
  };
  for (const [p, d] of [
    ['c2s', s.c2s],
    ['s2c', s.s2c],
  ] as const) {
    set(`${p}-latency`, d.latency);
    set(`${p}-jitter`, d.jitter);
    set(`${p}-loss`, d.loss);
  }
  set('msl', s.msl);
  set('timestamps', s.timestamps);
  set('client-port', s.clientPort);
  set('seed', s.seed);
  set('ka-client', s.keepalive.client);
  set('ka-server', s.keepalive.server);
  set('ka-idle', s.keepalive.idle);
  set('ka-interval', s.keepalive.interval);
  set('ka-count', s.keepalive.count);
  const sp = $<HTMLSelectElement>('speed');
  if (![...sp.options].some((o) => Number(o.value) === s.speed)) sp.append(new Option(`${s.speed}×`, String(s.speed)));
  sp.value = String(s.speed);
  setPlaying(playing);
}

function wire(): void {
  const sp = $<HTMLSelectElement>('speed');
  for (const v of SPEEDS) sp.append(new Option(`${v}×`, String(v)));
  sp.addEventListener('change', () => {
    settings.speed = Number(sp.value);
    pg.settings.speed = settings.speed;
  });
  $('play').addEventListener('click', () => setPlaying(!playing));
  $('advance').addEventListener('click', () => {
    const ms = Number($<HTMLInputElement>('step-ms').value);
    if (!(ms > 0)) return status(`${t('error')}: ${t('stepBy')}`);
    act(() => {
      pg.advance(ms);
      return undefined;
    });
  });
  $('next-event').addEventListener('click', () =>
    act(() => {
      pg.nextEvent();
      return undefined;
    }),
  );
  $('reset').addEventListener('click', () => {
    if (run) startGuide(run.guide.id, false);
    else reset();
  });
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    applyLang();
  });
  $('client-connect').addEventListener('click', () => act(() => pg.connect()));
  for (const side of SIDES) {
    $(`${side}-write`).addEventListener('click', () => {
      const text = $<HTMLInputElement>(`${side}-data`).value;
      act(() => pg.send(side, text === '' ? `hello from ${side}\n` : text));
    });
    $(`${side}-end`).addEventListener('click', () => act(() => pg.end(side)));
    $(`${side}-close`).addEventListener('click', () => act(() => pg.close(side)));
    $(`${side}-abort`).addEventListener('click', () => act(() => pg.abort(side)));
    for (const kind of ['any', 'fin', 'final-ack'] as DropKind[]) {
      $(`${side}-drop-${kind}`).addEventListener('click', () => act(() => pg.dropNext(side, kind)));
    }
  }
  $('cut').addEventListener('click', () => act(() => pg.setPartition(!pg.partitioned)));
  $('old-dup').addEventListener('click', () => act(() => pg.injectOldDuplicate()));
  for (const dir of ['c2s', 's2c'] as const) {
    numberInput(`${dir}-latency`, (v) => syncSettings(pg.setDirection(dir, { latency: v })));
    numberInput(`${dir}-jitter`, (v) => syncSettings(pg.setDirection(dir, { jitter: v })));
    numberInput(`${dir}-loss`, (v) => syncSettings(pg.setDirection(dir, { loss: v })));
  }
  const resetWith = (change: (s: Settings) => void) => () => {
    const s = cloneSettings(settings);
    change(s);
    reset(s);
    return undefined;
  };
  numberInput('msl', (v) => (v >= 0 && Number.isInteger(v) ? resetWith((s) => (s.msl = v))() : badValue('msl')));
  numberInput('client-port', (v) =>
    v >= 0 && v <= 65535 && Number.isInteger(v) ? resetWith((s) => (s.clientPort = v))() : badValue('clientPort'),
  );
  numberInput('seed', (v) => (v >= 0 && Number.isInteger(v) ? resetWith((s) => (s.seed = v))() : badValue('seed')));
  $<HTMLInputElement>('timestamps').addEventListener('change', (e) =>
    resetWith((s) => (s.timestamps = (e.target as HTMLInputElement).checked))(),
  );
  const ka = (k: Partial<Settings['keepalive']>): ActionResult => syncSettings(pg.setKeepalive(k));
  $<HTMLInputElement>('ka-client').addEventListener('change', (e) =>
    act(() => ka({ client: (e.target as HTMLInputElement).checked })),
  );
  $<HTMLInputElement>('ka-server').addEventListener('change', (e) =>
    act(() => ka({ server: (e.target as HTMLInputElement).checked })),
  );
  numberInput('ka-idle', (v) => (v >= 1 ? ka({ idle: v }) : badValue('kaIdle')));
  numberInput('ka-interval', (v) => (v >= 1 ? ka({ interval: v }) : badValue('kaInterval')));
  numberInput('ka-count', (v) => (v >= 1 && Number.isInteger(v) ? ka({ count: v }) : badValue('kaCount')));
  $('guide-select').addEventListener('change', (e) => startGuide((e.target as HTMLSelectElement).value, false));
  $('guide-do').addEventListener('click', doStep);
  $('guide-restart').addEventListener('click', () => run && startGuide(run.guide.id, false));
  $('export-json').addEventListener('click', () =>
    download(
      'finack-playground.json',
      'application/json',
      JSON.stringify(traceDocument(run?.guide.id ?? 'playground', settings.msl, pg.events, { settings }), null, 2),
    ),
  );
  $('export-pcap').addEventListener('click', () =>
    download('finack-playground.pcap', 'application/vnd.tcpdump.pcap', pcapBytes() as BlobPart),
  );
  $('export-svg').addEventListener('click', () => download('finack-ladder.svg', 'image/svg+xml', ladderFile(pg)));
  $('share').addEventListener('click', () => {
    const u = shareUrl();
    const out = $<HTMLInputElement>('share-url');
    out.value = u;
    out.select();
    history.replaceState(null, '', u);
    navigator.clipboard?.writeText(u).catch(() => {});
  });
}

function badValue(key: UiKey): ActionResult {
  return { ok: false, code: 'ERR_INVALID_ARG_VALUE', message: t(key) };
}

/** Keeps the page's copy of the settings in step with the playground's after a live change. */
function syncSettings(r: ActionResult): ActionResult {
  settings = cloneSettings({ ...pg.settings, speed: settings.speed });
  if (!r.ok) syncInputs();
  return r;
}

// ---------------------------------------------------------------------------------------------------

wire();
syncInputs();
window.finack = { playground: () => pg };
applyLang();
if (url.scenario !== undefined && findGuide(url.scenario)) {
  $<HTMLSelectElement>('guide-select').value = url.scenario;
  // A shared link carries the settings in effect: they win over the guide's own.
  const shared = [...new URLSearchParams(location.search).keys()].some(
    (k) => !['scenario', 'autoplay', 'lang'].includes(k),
  );
  startGuide(url.scenario, url.autoplay, shared ? url.settings : undefined);
}
document.body.dataset.ready = '1';
requestAnimationFrame(frame);
