// Headless Chromium for the tests of finack's HTML pages: Debian's /usr/bin/chromium driven by
// playwright-core. Every console error and page error is recorded, and so is every request whose URL
// is not the page itself; such requests are also refused, so a test never reaches the network.
// Tests call requireTools(t, ['chromium']) (test/tun/netns.ts) before openPage: a browser needs
// no root.

import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** The flags that work on this kind of machine (PLATFORM.md: root, no GPU, small /dev/shm). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--no-first-run',
];
/** Upper bound for launching the browser and for each page action. */
const TIMEOUT_MS = 30_000;

export interface OpenedPage {
  page: Page;
  /** The page's own URL (file://...). */
  url: string;
  /** console.error() messages and uncaught errors, in order. */
  consoleErrors: string[];
  /** URLs of every request other than the page itself (each was refused). */
  requests: string[];
  /** Closes the browser and removes the page's temporary directory. */
  close(): Promise<void>;
}

/**
 * Writes `html` to a file in a fresh temporary directory and opens it from its file:// URL in a new
 * headless Chromium, recording console errors and foreign requests from before the first byte.
 */
/** A new headless Chromium with this project's path and flags (PLATFORM.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true, timeout: TIMEOUT_MS });
}

export async function openHtml(html: string, opts: { width?: number; height?: number } = {}): Promise<OpenedPage> {
  const dir = await mkdtemp(join(tmpdir(), 'finack-html-'));
  const file = join(dir, 'page.html');
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      offline: true,
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    await context.route('**/*', async (route) => {
      const u = route.request().url();
      // Recorded by the page's 'request' listener below.
      return u === url ? route.continue() : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const b = browser;
    return {
      page,
      url,
      consoleErrors,
      requests,
      close: async () => {
        await b.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The PNG signature every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
