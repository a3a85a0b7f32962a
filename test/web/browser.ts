// Headless Chromium for the playground's tests: opens a page of several files (the playground's
// index.html, app.js, style.css) from a file:// folder or from a local server, and records every
// console error, every uncaught error and every request outside that folder or server (refused).
// Downloads are accepted, so the export buttons can be tested. The browser is launched by
// test/harness/chromium.ts.

import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/chromium.js';

const TIMEOUT_MS = 30_000;

export interface PlaygroundPage {
  page: Page;
  consoleErrors: string[];
  /** Requests outside `allow` (each refused). blob: URLs of the page's own downloads are not requests. */
  foreign: string[];
  /** Every URL the page requested within `allow`. */
  own: string[];
  close(): Promise<void>;
}

/**
 * Opens `url` in a new headless Chromium. Requests whose URL starts with `allow` are the page's own
 * files; anything else is refused and recorded.
 */
export async function openPlayground(
  url: string,
  allow: string,
  opts: { width?: number; height?: number; reducedMotion?: boolean } = {},
): Promise<PlaygroundPage> {
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      acceptDownloads: true,
      reducedMotion: opts.reducedMotion ? 'reduce' : 'no-preference',
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    const consoleErrors: string[] = [];
    const foreign: string[] = [];
    const own: string[] = [];
    const mine = (u: string): boolean => u.startsWith(allow) || u.startsWith('blob:');
    await context.route('**/*', (route) => {
      const u = route.request().url();
      return mine(u) ? route.continue() : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (mine(u)) own.push(u);
      else foreign.push(u);
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="1"]');
    const b = browser;
    return { page, consoleErrors, foreign, own, close: () => b.close() };
  } catch (err) {
    await browser?.close();
    throw err;
  }
}
