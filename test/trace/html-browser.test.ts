// The HTML ladder page (src/trace/html.ts) in a real browser: Debian's headless Chromium through
// playwright-core (test/harness/chromium.ts). The page must load with no console errors and no
// requests at all, draw both lanes and every segment, show a segment's fields on hover, switch
// relative/absolute numbers, step forward and back by buttons and keys, work from the keyboard, and
// render to a PNG. Skipped (or failed under FINACK_REQUIRE_SYSTEM=1) without chromium.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { findScenario, type ScenarioResult } from '../../src/scenarios/index.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { htmlDiagram } from '../../src/trace/html.js';
import { ladderRows } from '../../src/trace/ladder.js';
import { FIN } from '../../src/wire/segment.js';
import { openHtml, PNG_SIGNATURE } from '../harness/chromium.js';
import { requireTools } from '../tun/netns.js';

/** The page `finack demo <name> --format html` shows for a one-run scenario. */
function scenarioPage(name: string): { result: ScenarioResult; events: readonly TraceEvent[]; html: string } {
  const result = findScenario(name)!.run({});
  assert.equal(result.runs.length, 1, `${name} has one run`);
  const run = result.runs[0]!;
  const html = htmlDiagram(run.events, {
    lanes: result.lanes,
    laneLabels: result.laneLabels,
    title: `finack demo ${result.name}: ${result.title}`,
    description: result.description,
    notes: run.notes,
  });
  return { result, events: run.events, html };
}

// The few DOM shapes the page functions below use: the project compiles without the DOM library, and
// these functions run in the page, where `globalThis.document` is the page's document.
interface PageEl {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  readonly textContent: string | null;
  blur?(): void;
}
interface PageDoc {
  getElementById(id: string): PageEl | null;
  querySelectorAll(selector: string): Iterable<PageEl>;
  readonly activeElement: PageEl | null;
}

const text = async (page: Page, sel: string): Promise<string> => (await page.locator(sel).textContent()) ?? '';

/** The index in the page's data of the first segment `from` sent with all of `flags`. */
async function segmentId(page: Page, from: string, flags: readonly string[]): Promise<number> {
  const id = await page.evaluate(
    ([f, want]) => {
      const data = JSON.parse(
        (globalThis as unknown as { document: PageDoc }).document.getElementById('finack-data')!.textContent!,
      ) as {
        segments: { id: number; from: string; flags: string[] }[];
      };
      return data.segments.find((s) => s.from === f && want.every((x) => s.flags.includes(x)))?.id ?? -1;
    },
    [from, flags] as const,
  );
  assert.ok(id >= 0, `no segment from ${from} with ${flags.join(',')}`);
  return id;
}

test('HTML page of the close scenario in headless Chromium', async (t) => {
  if (!requireTools(t, ['chromium'])) return;
  const { result, events, html } = scenarioPage('close');
  const p = await openHtml(html);
  const { page } = p;
  try {
    assert.deepEqual(p.consoleErrors, [], 'console errors on load');
    assert.deepEqual(p.requests, [], 'requests on load');

    // Two lanes: long vertical lines at two x positions, labelled with the lane names.
    const lanes = await page.evaluate(() => {
      const xs = new Set<number>();
      const doc = (globalThis as unknown as { document: PageDoc }).document;
      for (const l of doc.querySelectorAll('svg.fk-diagram line')) {
        const [x1, x2, y1, y2] = ['x1', 'x2', 'y1', 'y2'].map((a) => Number(l.getAttribute(a)));
        if (x1 === x2 && Math.abs(y2! - y1!) > 100) xs.add(x1!);
      }
      const labels = [...doc.querySelectorAll('svg.fk-diagram text')].map((e) => e.textContent);
      return { xs: [...xs], labels };
    });
    assert.equal(lanes.xs.length, 2, `lane positions ${lanes.xs.join(', ')}`);
    for (const l of result.laneLabels) assert.ok(lanes.labels.includes(l), `lane label ${l}`);

    // One arrow per segment drawn by the text ladder, each visible and with a head or a cross.
    const rows = ladderRows(events, { lanes: result.lanes }).filter((r) => r.kind === 'send' || r.kind === 'stray');
    const segs = page.locator('[data-seg]');
    assert.equal(await segs.count(), rows.length);
    for (let i = 0; i < rows.length; i++) {
      const seg = segs.nth(i);
      const box = await seg.boundingBox();
      assert.ok(box && box.width > 50, `segment ${i} is drawn across the lanes`);
      assert.ok((await seg.locator('polygon, path').count()) > 0, `segment ${i} has an arrowhead or a cross`);
    }
    const states = await page.locator('[data-state]').allTextContents();
    const entered = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.to : ''));
    assert.equal(states.length, entered.length);
    for (const [i, s] of entered.entries()) assert.ok(states[i]!.includes(s), `state ${i}: ${states[i]} has ${s}`);

    // Hover the client's FIN: every field in #details.
    const fin = events.find((e) => e.type === 'send' && e.endpoint === 'client' && e.seg.flags & FIN);
    assert.ok(fin && fin.type === 'send');
    const finId = await segmentId(page, 'client', ['FIN']);
    const finSel = `[data-seg="${finId}"]`;
    await page.hover(finSel);
    const shown = await text(page, '#details');
    for (const want of [
      'client → server',
      'FIN',
      'ACK',
      `Seq${fin.relSeq} (absolute ${fin.seg.seq})`,
      `Ack${fin.relAck} (absolute ${fin.seg.ack})`,
      `Window${fin.seg.wnd}`,
      'Len1',
    ]) {
      assert.ok(shown.replace(/\s+/g, '').includes(want.replace(/\s+/g, '')), `#details has ${want}: ${shown}`);
    }

    // The numbers toggle: relative to absolute seq in the arrow's label, and back.
    const label = `${finSel} text[data-rel]`;
    assert.match(await text(page, label), new RegExp(`seq=${fin.relSeq}\\b`));
    assert.equal(await page.getAttribute('#numbers', 'aria-pressed'), 'false');
    await page.click('#numbers');
    assert.equal(await page.getAttribute('#numbers', 'aria-pressed'), 'true');
    assert.match(await text(page, label), new RegExp(`seq=${fin.seg.seq}\\b`));
    await page.hover(finSel);
    assert.match(await text(page, '#details'), new RegExp(`Seq\\s*${fin.seg.seq} \\(relative ${fin.relSeq}\\)`));
    await page.click('#numbers');
    assert.match(await text(page, label), new RegExp(`seq=${fin.relSeq}\\b`));

    // Step-through: forward and back with the buttons, then with the keys.
    const total = await page.locator('[data-step]').count();
    assert.ok(total >= rows.length, `${total} steps`);
    assert.equal(await text(page, '#step'), `Step 0 of ${total} (all shown)`);
    await page.click('#next');
    assert.equal(await text(page, '#step'), `Step 1 of ${total}`);
    assert.equal(await page.getAttribute('.fk-current', 'data-step'), '0');
    assert.notEqual(await page.locator('#details .fk-hint').count(), 1, '#details shows the first event');
    await page.click('#next');
    assert.equal(await text(page, '#step'), `Step 2 of ${total}`);
    assert.equal(await page.getAttribute('.fk-current', 'data-step'), '1');
    assert.ok((await page.locator('.fk-later').count()) === total - 2, 'later events are faded');
    await page.click('#prev');
    assert.equal(await text(page, '#step'), `Step 1 of ${total}`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await text(page, '#step'), `Step 3 of ${total}`);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await text(page, '#step'), `Step 2 of ${total}`);
    await page.keyboard.press('End');
    assert.equal(await text(page, '#step'), `Step ${total} of ${total}`);
    await page.keyboard.press('Escape');
    assert.equal(await text(page, '#step'), `Step 0 of ${total} (all shown)`);
    assert.equal(await page.locator('.fk-later, .fk-current').count(), 0);

    // The keyboard alone: Tab to the first segment, Enter keeps it in #details.
    await page.mouse.move(0, 0);
    await page.evaluate(() => (globalThis as unknown as { document: PageDoc }).document.activeElement?.blur?.());
    let onSeg = false;
    for (let i = 0; i < 80 && !onSeg; i++) {
      await page.keyboard.press('Tab');
      onSeg = await page.evaluate(
        () =>
          (globalThis as unknown as { document: PageDoc }).document.activeElement?.hasAttribute('data-seg') ?? false,
      );
    }
    assert.ok(onSeg, 'Tab reaches a segment');
    const focused = await page.evaluate(() =>
      Number((globalThis as unknown as { document: PageDoc }).document.activeElement!.getAttribute('data-seg')),
    );
    await page.keyboard.press('Enter');
    assert.ok(await page.locator(`[data-seg="${focused}"]`).evaluate((e) => e.classList.contains('fk-selected')));
    const kept = await text(page, '#details h2');
    assert.match(kept, /→/);
    assert.match(await text(page, '#details'), /Seq/);

    // A screenshot, for people to look at.
    const png = join(tmpdir(), 'finack-html-close.png');
    await page.screenshot({ path: png, fullPage: true });
    const bytes = readFileSync(png);
    assert.ok(bytes.length > 1000, `${bytes.length} bytes`);
    assert.deepEqual(new Uint8Array(bytes.subarray(0, 8)), PNG_SIGNATURE);
    assert.ok(bytes.readUInt32BE(16) > 0 && bytes.readUInt32BE(20) > 0, 'PNG width and height');
    t.diagnostic(`screenshot: ${png}`);

    assert.deepEqual(p.consoleErrors, [], 'console errors');
    assert.deepEqual(p.requests, [], 'requests');
  } finally {
    await p.close();
  }
});

test('HTML page of the lost final ACK: the retransmitted FIN is marked, TIME-WAIT explains both reasons', async (t) => {
  if (!requireTools(t, ['chromium'])) return;
  const { events, html } = scenarioPage('lost-final-ack');
  const p = await openHtml(html);
  const { page } = p;
  try {
    const fins = await page.evaluate(() => {
      const data = JSON.parse(
        (globalThis as unknown as { document: PageDoc }).document.getElementById('finack-data')!.textContent!,
      ) as {
        segments: { id: number; from: string; flags: string[]; retransmit?: true }[];
      };
      return data.segments.filter((s) => s.from === 'server' && s.flags.includes('FIN'));
    });
    assert.equal(fins.length, 2);
    assert.equal(fins[0]!.retransmit, undefined);
    assert.equal(fins[1]!.retransmit, true);
    await page.hover(`[data-seg="${fins[1]!.id}"]`);
    assert.match(await text(page, '#details'), /retransmission/);

    const tw = events.filter((e) => e.type === 'state').findIndex((e) => e.type === 'state' && e.to === 'TIME-WAIT');
    assert.ok(tw >= 0);
    await page.click(`[data-state="${tw}"]`);
    const shown = await text(page, '#details');
    assert.match(shown, /TIME-WAIT/);
    assert.match(shown, /final ACK may be lost/);
    assert.match(shown, /Old duplicates must die out/);
    assert.match(shown, /§3\.6\.1 Half-Closed Connections/);
    assert.equal(await page.locator('#details li').count(), 2);
    assert.deepEqual(p.consoleErrors, []);
    assert.deepEqual(p.requests, []);
  } finally {
    await p.close();
  }
});
