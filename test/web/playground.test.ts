// The playground in Debian's Chromium (playwright-core): the four-way close done by clicking the
// controls, with both sides' states and the seq/ack labels checked after each step; the lost final
// ACK with its retransmitted FIN and the restarted 2MSL countdown; a pcap export read by tshark;
// ?scenario=close&autoplay=1 from tools/playground.ts; one guided step by keyboard alone. Every page
// must log no console error and request nothing but its own files. Screenshots go to os.tmpdir().

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { buildWeb } from '../../tools/build-web.js';
import { servePlayground } from '../../tools/playground.js';
import { PNG_SIGNATURE } from '../harness/chromium.js';
import { requireSystem } from '../tun/netns.js';
import { openPlayground, type PlaygroundPage } from './browser.js';

let dir = '';
let shots = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finack-web-e2e-'));
  shots = mkdtempSync(join(tmpdir(), 'finack-web-shots-'));
  await buildWeb({ outDir: join(dir, 'site') });
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fileUrl(query = ''): { url: string; allow: string } {
  const base = pathToFileURL(join(dir, 'site')).href;
  return { url: `${base}/index.html${query}`, allow: `${base}/` };
}

async function states(page: Page): Promise<string> {
  return `${await page.textContent('#state-client')} / ${await page.textContent('#state-server')}`;
}

async function advance(page: Page, ms: number): Promise<void> {
  await page.fill('#step-ms', String(ms));
  await page.click('#advance');
}

/** The ladder's segment titles: "client → server: FIN,ACK seq=1 ack=1 len=1 ...; sent at ...". */
async function segments(page: Page): Promise<string[]> {
  return page.$$eval('#ladder-svg g[data-seg] > title', (els) => els.map((e) => e.textContent ?? ''));
}

async function shot(page: Page, name: string): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const b = readFileSync(file);
  assert.ok(statSync(file).size > 1000, `${name}.png is an image`);
  assert.deepEqual([...b.subarray(0, 8)], [...PNG_SIGNATURE]);
}

function clean(p: PlaygroundPage): void {
  assert.deepEqual(p.consoleErrors, []);
  assert.deepEqual(p.foreign, []);
}

test('four-way close by clicking: both states and the seq/ack labels at each step', async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  const { url, allow } = fileUrl();
  const p = await openPlayground(url, allow);
  try {
    const { page } = p;
    assert.equal(await states(page), 'CLOSED / LISTEN');
    await page.click('#client-connect');
    assert.equal(await states(page), 'SYN-SENT / LISTEN');
    await advance(page, 200); // t = 200: handshake done (50 ms each way)
    assert.equal(await states(page), 'ESTABLISHED / ESTABLISHED');
    await shot(page, '1-established');

    await page.click('#client-end');
    assert.equal(await states(page), 'FIN-WAIT-1 / ESTABLISHED');
    assert.equal(await page.textContent('#seq-client [data-field="snd-nxt"]'), '2'); // the FIN took seq 1
    await advance(page, 25);
    // In flight: drawn moving across the gap.
    assert.match((await page.textContent('#flight .packet-label')) ?? '', /FIN,ACK seq=1 ack=1/);
    await advance(page, 25); // t = 250
    assert.equal(await states(page), 'FIN-WAIT-1 / CLOSE-WAIT');
    await advance(page, 50); // t = 300
    assert.equal(await states(page), 'FIN-WAIT-2 / CLOSE-WAIT');
    await shot(page, '2-fin-wait-2');

    await page.click('#server-close');
    assert.equal(await states(page), 'FIN-WAIT-2 / LAST-ACK');
    await advance(page, 50); // t = 350
    assert.equal(await states(page), 'TIME-WAIT / LAST-ACK');
    const tw = page.locator('#timers-client li[data-timer="time-wait"]');
    assert.equal(await tw.getAttribute('data-remaining'), '2000'); // 2×MSL, MSL 1 s
    await advance(page, 50); // t = 400
    assert.equal(await states(page), 'TIME-WAIT / CLOSED');
    assert.equal(await tw.getAttribute('data-remaining'), '1950');
    await shot(page, '3-time-wait');

    // The seed's letters: FIN seq=u=1; ACK ack=u+1; FIN seq=w=1 ack=u+1; last ACK seq=u+1 ack=w+1.
    const segs = await segments(page);
    const labels = segs.map((s) => s.replace(/ len=.*$/, ''));
    assert.deepEqual(labels.slice(3), [
      'client → server: FIN,ACK seq=1 ack=1',
      'server → client: ACK seq=1 ack=2',
      'server → client: FIN,ACK seq=1 ack=2',
      'client → server: ACK seq=2 ack=2',
    ]);

    await advance(page, 2000); // t = 2400, past 350 + 2000
    assert.equal(await states(page), 'CLOSED / CLOSED');
    assert.equal(
      await page.textContent('#history-client'),
      'CLOSED → SYN-SENT → ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED',
    );
    assert.equal(
      await page.textContent('#history-server'),
      'CLOSED → LISTEN → SYN-RECEIVED → ESTABLISHED → CLOSE-WAIT → LAST-ACK → CLOSED',
    );
    // The state diagram lights the last transition taken.
    assert.equal(await page.getAttribute('#diagram-client .edge.lit', 'data-edge'), 'tw>closed-bottom');
    clean(p);
  } finally {
    await p.close();
  }
});

test('lost final ACK: the FIN is retransmitted, ACKed again, 2MSL restarts; the pcap reads in tshark', async (t) => {
  if (!requireSystem(t, ['chromium', 'tshark'])) return;
  const { url, allow } = fileUrl();
  const p = await openPlayground(url, allow);
  try {
    const { page } = p;
    await page.click('#client-connect');
    await advance(page, 200);
    await page.click('#client-drop-final-ack');
    await page.click('#client-close');
    await advance(page, 100); // t = 300: client FIN-WAIT-2
    await page.click('#server-close');
    await advance(page, 50); // t = 350: the final ACK leaves and is dropped
    assert.equal(await states(page), 'TIME-WAIT / LAST-ACK');
    const tw = page.locator('#timers-client li[data-timer="time-wait"]');
    assert.equal(await tw.getAttribute('data-restarts'), '0');
    assert.equal(await page.locator('#timers-server li[data-timer="retransmit"]').count(), 1);
    assert.equal(await page.locator('#ladder-svg g.fk-lost').count(), 1);
    await shot(page, '4-final-ack-lost');

    // RTO 1 s: the FIN goes again at 1,300 and reaches the client at 1,350.
    await advance(page, 1050); // t = 1400
    assert.equal(await states(page), 'TIME-WAIT / CLOSED');
    const segs = await segments(page);
    assert.equal(segs.filter((s) => /^server → client: FIN,ACK seq=1 ack=2 .*\(retransmission\)/.test(s)).length, 1);
    assert.equal(await tw.getAttribute('data-restarts'), '1');
    // Restarted at 1,350: 2,000 - 50 left, more than the 2,000 - 1,050 left before the restart.
    assert.equal(await tw.getAttribute('data-remaining'), '1950');
    assert.match((await tw.textContent()) ?? '', /restarted ×1/);
    await shot(page, '5-2msl-restarted');

    const download = page.waitForEvent('download');
    await page.click('#export-pcap');
    const file = join(dir, 'lost-final-ack.pcap');
    await (await download).saveAs(file);
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.flags.str'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const lines = out.trim().split('\n');
    // handshake (3), client FIN, server ACK, server FIN, final ACK (lost, as the sender's capture has
    // it), the FIN again, its ACK
    assert.equal(lines.length, 9);
    const fins = lines.filter((l) => /F$/.test(l.trim()));
    assert.equal(fins.filter((l) => l.startsWith('198.51.100.1')).length, 2);
    assert.equal(fins.filter((l) => l.startsWith('192.0.2.1')).length, 1);
    clean(p);
  } finally {
    await p.close();
  }
});

test('?scenario=close&autoplay=1 from tools/playground.ts ends with every state in the page', async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  const server = await servePlayground({ dir: join(dir, 'site') });
  const p = await openPlayground(`${server.url}index.html?scenario=close&autoplay=1`, server.url);
  try {
    const { page } = p;
    await page.waitForSelector('body[data-guide-done="1"]', { timeout: 30_000 });
    assert.equal(await states(page), 'CLOSED / CLOSED');
    const history = `${await page.textContent('#history-client')} | ${await page.textContent('#history-server')}`;
    const ladder = (await page.$$eval('#ladder-svg text', (els) => els.map((e) => e.textContent).join(' '))) ?? '';
    for (const s of [
      'SYN-SENT',
      'SYN-RECEIVED',
      'ESTABLISHED',
      'FIN-WAIT-1',
      'FIN-WAIT-2',
      'CLOSE-WAIT',
      'LAST-ACK',
      'TIME-WAIT',
      'CLOSED',
    ]) {
      assert.ok(history.includes(s), `${s} in the state history`);
      assert.ok(ladder.includes(s), `${s} in the ladder`);
    }
    assert.ok(p.own.some((u) => u.endsWith('/app.js')));
    await shot(page, '6-autoplay-done');
    clean(p);
  } finally {
    await p.close();
    await server.close();
  }
});

test("keyboard only: Tab to the guide's button, Enter does the step", async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  const { url, allow } = fileUrl('?scenario=close');
  const p = await openPlayground(url, allow);
  try {
    const { page } = p;
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate<boolean>("document.activeElement?.id === 'guide-do'");
    }
    assert.ok(reached, 'the step button is reachable by Tab');
    // Focus is visible: the outline of :focus-visible.
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    assert.equal(outline, 'solid');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#guide-step[data-step="client-fin"]');
    assert.equal(await states(page), 'ESTABLISHED / ESTABLISHED');
    assert.match((await page.textContent('#guide-look')) ?? '', /ESTABLISHED/);
    // The language toggle: the same step in Chinese.
    await page.focus('#lang-toggle');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
    assert.match((await page.textContent('#guide-body')) ?? '', /四次挥手|半关闭|FIN/);
    await shot(page, '7-keyboard-zh');
    clean(p);
  } finally {
    await p.close();
  }
});

test('exports: the trace as JSON, the ladder as SVG, a share link that restores the settings', async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  const { url, allow } = fileUrl('?scenario=time-wait&autoplay=1');
  const p = await openPlayground(url, allow);
  try {
    const { page } = p;
    await page.waitForSelector('body[data-guide-done="1"]', { timeout: 30_000 });
    const grab = async (button: string): Promise<string> => {
      const download = page.waitForEvent('download');
      await page.click(button);
      const d = await download;
      const file = join(dir, d.suggestedFilename());
      await d.saveAs(file);
      return readFileSync(file, 'utf8');
    };
    const doc = JSON.parse(await grab('#export-json')) as {
      scenario: string;
      mslMs: number;
      events: { endpoint: string; type: string; to?: string }[];
    };
    assert.equal(doc.scenario, 'time-wait');
    assert.equal(doc.mslMs, 1000);
    const clientStates = doc.events.filter((e) => e.type === 'state' && e.endpoint === 'client').map((e) => e.to);
    assert.deepEqual(clientStates, ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
    const svg = await grab('#export-svg');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /TIME-WAIT/);
    assert.match(svg, /\(retransmission\)/);

    await page
      .locator('details', { has: page.locator('#c2s-loss') })
      .locator('summary')
      .click();
    await page.fill('#c2s-loss', '0.25');
    await page.dispatchEvent('#c2s-loss', 'change');
    await page.click('#share');
    const link = await page.inputValue('#share-url');
    assert.match(link, /[?&]scenario=time-wait(&|$)/);
    assert.match(link, /[?&]closs=0\.25(&|$)/);
    // The link, opened, brings back the scenario and the setting.
    await page.goto(link);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.inputValue('#guide-select'), 'time-wait');
    assert.equal(await page.inputValue('#c2s-loss'), '0.25');
    clean(p);
  } finally {
    await p.close();
  }
});

test('200% zoom: nothing wider than the window but the ladder, which scrolls in its own box', async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  const { url, allow } = fileUrl('?scenario=close&autoplay=1');
  // A 1280 px window at 200% zoom lays out like a 640 px one.
  const p = await openPlayground(url, allow, { width: 640, height: 900, reducedMotion: true });
  try {
    const { page } = p;
    await page.waitForSelector('body[data-guide-done="1"]', { timeout: 30_000 });
    const [scroll, client] = await page.evaluate<[number, number]>(
      '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
    );
    assert.ok(scroll <= client, `page ${scroll} px wide in a ${client} px window`);
    assert.equal(await page.evaluate<string>("getComputedStyle(document.getElementById('ladder')).overflowX"), 'auto');
    await shot(page, '8-narrow');
    clean(p);
  } finally {
    await p.close();
  }
});

test('segments in flight move across the gap, or, with reduced motion, are marked without moving', async (t) => {
  if (!requireSystem(t, ['chromium'])) return;
  for (const reducedMotion of [false, true]) {
    const { url, allow } = fileUrl();
    const p = await openPlayground(url, allow, { reducedMotion });
    try {
      const { page } = p;
      await page.click('#client-connect');
      await advance(page, 10);
      const x1 = Number(await page.getAttribute('#flight .packet', 'x'));
      await advance(page, 20);
      const x2 = Number(await page.getAttribute('#flight .packet', 'x'));
      if (reducedMotion) assert.equal(x2, x1);
      else assert.ok(x2 > x1, `the SYN moved right: ${x1} -> ${x2}`);
      await advance(page, 30); // arrived
      assert.equal(await page.locator('#flight .packet').count(), 1); // now the SYN,ACK
      clean(p);
    } finally {
      await p.close();
    }
  }
});
