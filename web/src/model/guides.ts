// The guided scenarios: each replays a part of the seed text (the four-way close, why the server is
// CLOSED first, why TIME-WAIT lasts 2×MSL, why four segments and not three, keepalive) as steps on
// the live playground. A step is an action, then time runs until what the step shows has happened.
// The words (English and Chinese) live in i18n.ts under the guide's and the step's ids.

import type { ActionResult, Playground } from './playground.js';
import { cloneSettings, DEFAULT_SETTINGS, type Settings } from './settings.js';

export interface GuideStep {
  id: string;
  /** What the step does (none: the step only lets time run). */
  action?: (pg: Playground) => ActionResult | undefined;
  /** Time runs until this holds... */
  until: (pg: Playground) => boolean;
  /** ...or this many virtual ms have passed. */
  limit: number;
}

export interface Guide {
  id: string;
  settings: Settings;
  /** Virtual ms per wall ms when the guide plays itself (?autoplay=1). */
  autoplaySpeed: number;
  steps: GuideStep[];
}

const both = (pg: Playground, state: string): boolean => pg.state('client') === state && pg.state('server') === state;

/** The handshake every guide starts with. */
const connectStep: GuideStep = {
  id: 'connect',
  action: (pg) => pg.connect(),
  until: (pg) => both(pg, 'ESTABLISHED') && pg.inFlight().length === 0,
  limit: 10_000,
};

function settings(over: Partial<Settings> = {}): Settings {
  return { ...cloneSettings(DEFAULT_SETTINGS), ...over };
}

const LAST_WORDS = 'bye from server\n';

const close: Guide = {
  id: 'close',
  settings: settings(),
  autoplaySpeed: 2,
  steps: [
    connectStep,
    {
      id: 'client-fin',
      action: (pg) => pg.end('client'),
      until: (pg) => pg.state('server') === 'CLOSE-WAIT',
      limit: 10_000,
    },
    { id: 'fin-wait-2', until: (pg) => pg.state('client') === 'FIN-WAIT-2', limit: 10_000 },
    {
      id: 'last-data',
      action: (pg) => pg.send('server', LAST_WORDS),
      until: (pg) => pg.received('client').length >= LAST_WORDS.length,
      limit: 10_000,
    },
    {
      id: 'server-fin',
      action: (pg) => pg.close('server'),
      until: (pg) => pg.state('client') === 'TIME-WAIT',
      limit: 10_000,
    },
    { id: 'server-closed', until: (pg) => pg.state('server') === 'CLOSED', limit: 10_000 },
    { id: 'time-wait', until: (pg) => pg.state('client') === 'CLOSED', limit: 600_000 },
  ],
};

const serverEarlier: Guide = {
  id: 'server-earlier',
  settings: settings(),
  autoplaySpeed: 2,
  steps: [
    connectStep,
    {
      id: 'client-close',
      action: (pg) => pg.close('client'),
      until: (pg) => pg.state('client') === 'FIN-WAIT-2',
      limit: 10_000,
    },
    {
      id: 'server-close',
      action: (pg) => pg.close('server'),
      until: (pg) => pg.state('server') === 'CLOSED',
      limit: 10_000,
    },
    { id: 'client-waits', until: (pg) => pg.state('client') === 'CLOSED', limit: 600_000 },
  ],
};

const timeWait: Guide = {
  id: 'time-wait',
  settings: settings(),
  autoplaySpeed: 2,
  steps: [
    connectStep,
    {
      id: 'arm',
      action: (pg) => {
        const r = pg.dropNext('client', 'final-ack');
        return r.ok ? pg.close('client') : r;
      },
      until: (pg) => pg.state('client') === 'FIN-WAIT-2',
      limit: 10_000,
    },
    {
      id: 'lost-ack',
      action: (pg) => pg.close('server'),
      until: (pg) => pg.state('client') === 'TIME-WAIT' && pg.inFlight().length === 0,
      limit: 10_000,
    },
    {
      id: 'retransmit',
      until: (pg) => pg.state('server') === 'CLOSED',
      limit: 120_000,
    },
    { id: 'done', until: (pg) => pg.state('client') === 'CLOSED', limit: 600_000 },
  ],
};

/** What the server sends on each incarnation of the old-duplicate guide. */
export const OLD_BYTES = 8000;
const OLD = 0x4f; // 'O'
const NEW = 0x6e; // 'n'

function count(b: Uint8Array, v: number): number {
  let n = 0;
  for (const x of b) if (x === v) n++;
  return n;
}

/** How many bytes of each incarnation the client's current connection read. */
export function oldNewCounts(pg: Playground): { old: number; fresh: number } {
  const b = pg.received('client');
  return { old: count(b, OLD), fresh: count(b, NEW) };
}

const oldDuplicate: Guide = {
  id: 'old-duplicate',
  // As src/scenarios/old-duplicate.ts sets it up: MSL 0 (no TIME-WAIT), a fixed client port so the
  // reconnect reuses the 4-tuple, 1 ms links so the ISN clock barely moves, timestamps off (PAWS
  // would otherwise catch the copy).
  settings: settings({
    msl: 0,
    timestamps: false,
    clientPort: 5000,
    c2s: { latency: 1, jitter: 0, loss: 0 },
    s2c: { latency: 1, jitter: 0, loss: 0 },
    speed: 0.05,
  }),
  autoplaySpeed: 0.5,
  steps: [
    connectStep,
    {
      id: 'old-data',
      action: (pg) => pg.send('server', new Uint8Array(OLD_BYTES).fill(OLD)),
      until: (pg) => pg.received('client').length >= OLD_BYTES && pg.inFlight().length === 0,
      limit: 10_000,
    },
    {
      id: 'close-fast',
      action: (pg) => pg.close('client'),
      until: (pg) => pg.state('server') === 'CLOSE-WAIT',
      limit: 10_000,
    },
    {
      id: 'no-time-wait',
      action: (pg) => pg.close('server'),
      until: (pg) => pg.state('client') === 'CLOSED' && pg.state('server') === 'CLOSED',
      limit: 10_000,
    },
    connectAgain(),
    {
      id: 'old-copy',
      action: (pg) => pg.injectOldDuplicate(),
      // The copy lies ahead of RCV.NXT: held out of order until the gap before it fills.
      until: (pg) => pg.wire.some((p) => p.injected),
      limit: 100,
    },
    {
      id: 'corrupted',
      action: (pg) => pg.send('server', new Uint8Array(OLD_BYTES).fill(NEW)),
      until: (pg) => pg.received('client').length >= OLD_BYTES && pg.inFlight().length === 0,
      limit: 10_000,
    },
  ],
};

function connectAgain(): GuideStep {
  return { ...connectStep, id: 'reconnect' };
}

const halfClose: Guide = {
  id: 'half-close',
  settings: settings(),
  autoplaySpeed: 2,
  steps: [
    connectStep,
    {
      id: 'client-end',
      action: (pg) => pg.end('client'),
      until: (pg) => pg.state('client') === 'FIN-WAIT-2',
      limit: 10_000,
    },
    {
      id: 'more-data',
      action: (pg) => pg.send('server', 'the rest of the reply, part 1\n'),
      until: (pg) => pg.received('client').length > 0 && pg.inFlight().length === 0,
      limit: 10_000,
    },
    {
      id: 'more-data-2',
      action: (pg) => pg.send('server', 'part 2, the last\n'),
      until: (pg) => pg.received('client').length > 30 && pg.inFlight().length === 0,
      limit: 10_000,
    },
    {
      id: 'server-fin',
      action: (pg) => pg.close('server'),
      until: (pg) => pg.state('server') === 'CLOSED',
      limit: 10_000,
    },
    { id: 'done', until: (pg) => pg.state('client') === 'CLOSED', limit: 600_000 },
  ],
};

const keepalive: Guide = {
  id: 'keepalive',
  settings: settings({
    keepalive: { client: false, server: true, idle: 5000, interval: 1000, count: 3 },
    speed: 2,
  }),
  autoplaySpeed: 8,
  steps: [
    connectStep,
    {
      id: 'vanish',
      action: (pg) => pg.setPartition(true),
      until: (pg) => pg.timers('server').some((t) => t.kind === 'keepalive'),
      limit: 1000,
    },
    {
      id: 'probe',
      until: (pg) => pg.wire.some((p) => p.from === 'server' && p.fate === 'partitioned'),
      limit: 60_000,
    },
    { id: 'dead', until: (pg) => pg.state('server') === 'CLOSED', limit: 600_000 },
  ],
};

export const GUIDES: readonly Guide[] = [close, serverEarlier, timeWait, halfClose, oldDuplicate, keepalive];

export function findGuide(id: string): Guide | undefined {
  return GUIDES.find((g) => g.id === id);
}
