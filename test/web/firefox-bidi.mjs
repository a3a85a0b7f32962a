// Drives Debian's Firefox (firefox-esr) over WebDriver BiDi, the W3C protocol Firefox speaks itself
// (no Playwright build of Firefox needed): opens one URL, waits until the page's text holds every
// string asked for, and prints one JSON line: { text, consoleErrors, requests }. Run it only inside
// a network namespace with nothing but loopback (test/web/firefox.test.ts does): Firefox phones
// home at start-up, and there it reaches nothing.
//
//   node --experimental-websocket firefox-bidi.mjs <url> <timeout-ms> <needle>...

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, timeoutText, ...needles] = process.argv.slice(2);
const timeoutMs = Number(timeoutText);
const profile = mkdtempSync(join(tmpdir(), 'finack-firefox-'));
const firefox = spawn(
  'firefox-esr',
  ['--headless', '--no-remote', '--remote-debugging-port', '0', '--profile', profile, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: profile, MOZ_CRASHREPORTER_DISABLE: '1' } },
);
const deadline = setTimeout(() => finish({ error: `timed out after ${timeoutMs} ms` }), timeoutMs);
let done = false;

function finish(result) {
  if (done) return;
  done = true;
  clearTimeout(deadline);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  firefox.kill('SIGKILL');
  firefox.on('close', () => {
    rmSync(profile, { recursive: true, force: true });
    process.exit(0);
  });
}

let stderr = '';
firefox.stderr.on('data', (d) => {
  stderr += d;
  const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(stderr);
  if (m && !done && !started) {
    started = true;
    run(`${m[1]}/session`).catch((e) => finish({ error: String(e?.stack ?? e) }));
  }
});
firefox.on('close', (code) => finish({ error: `firefox exited (${code}): ${stderr.slice(-2000)}` }));
let started = false;

async function run(address) {
  const ws = new WebSocket(address);
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = () => rej(new Error(`cannot connect to ${address}`));
  });
  let id = 0;
  const pending = new Map();
  const consoleErrors = [];
  const requests = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data));
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.type === 'error') p?.rej(new Error(`${msg.error}: ${msg.message}`));
      else p?.res(msg.result);
    } else if (msg.method === 'log.entryAdded') {
      const e = msg.params;
      if (e.level === 'error') consoleErrors.push(e.text ?? JSON.stringify(e));
    } else if (msg.method === 'network.beforeRequestSent') {
      requests.push(msg.params.request.url);
    }
  };
  const send = (method, params) =>
    new Promise((res, rej) => {
      const n = ++id;
      pending.set(n, { res, rej });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send('session.new', { capabilities: {} });
  await send('session.subscribe', { events: ['log.entryAdded', 'network.beforeRequestSent'] });
  const tree = await send('browsingContext.getTree', {});
  const context = tree.contexts[0].context;
  await send('browsingContext.navigate', { context, url, wait: 'complete' });
  for (;;) {
    const r = await send('script.evaluate', {
      expression: 'document.body.innerText',
      target: { context },
      awaitPromise: false,
    });
    const text = r.result?.value ?? '';
    if (needles.every((n) => text.includes(n))) {
      finish({ text, consoleErrors, requests });
      return;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}
