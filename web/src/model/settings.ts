// The playground's settings and their URL form. Everything a shared link must reproduce lives here:
// the network (per direction), the TCP options, the seed, the speed, and the guided scenario.
// Parsing never throws: a value that does not read as a number in range keeps its default.

export type Side = 'client' | 'server';
export const SIDES: readonly Side[] = ['client', 'server'];

export function peerOf(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/** One direction of the path. */
export interface DirectionSettings {
  /** One-way delay, ms. */
  latency: number;
  /** Extra random delay, up to this many ms. */
  jitter: number;
  /** Probability of losing a packet, 0..1. */
  loss: number;
}

export interface Settings {
  seed: number;
  /** Maximum Segment Lifetime, ms (TIME-WAIT lasts 2×MSL). */
  msl: number;
  /** RFC 7323 timestamps (off lets an old duplicate through, as in the old-duplicate scenario). */
  timestamps: boolean;
  /** Fixed client port (0: ephemeral); a fixed port makes a reconnect reuse the 4-tuple. */
  clientPort: number;
  c2s: DirectionSettings;
  s2c: DirectionSettings;
  keepalive: { client: boolean; server: boolean; idle: number; interval: number; count: number };
  /** Virtual ms per wall-clock ms while playing. */
  speed: number;
}

export const DEFAULT_SETTINGS: Settings = {
  seed: 1,
  msl: 1000,
  timestamps: true,
  clientPort: 0,
  c2s: { latency: 50, jitter: 0, loss: 0 },
  s2c: { latency: 50, jitter: 0, loss: 0 },
  keepalive: { client: false, server: false, idle: 5000, interval: 1000, count: 3 },
  speed: 0.25,
};

/** Speeds offered by the speed control (virtual ms per wall ms). */
export const SPEEDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 100, 1000];

export function cloneSettings(s: Settings): Settings {
  return { ...s, c2s: { ...s.c2s }, s2c: { ...s.s2c }, keepalive: { ...s.keepalive } };
}

/** What a page URL asks for: settings, a guided scenario, autoplay, the language. */
export interface UrlState {
  settings: Settings;
  scenario?: string;
  autoplay: boolean;
  lang?: string;
}

function num(q: URLSearchParams, key: string, def: number, min: number, max: number, int = true): number {
  const raw = q.get(key);
  if (raw === null || raw.trim() === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) return def;
  return v;
}

function flag(q: URLSearchParams, key: string, def: boolean): boolean {
  const raw = q.get(key);
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  return def;
}

function direction(q: URLSearchParams, p: string, def: DirectionSettings): DirectionSettings {
  return {
    latency: num(q, `${p}lat`, def.latency, 0, 60_000),
    jitter: num(q, `${p}jit`, def.jitter, 0, 60_000),
    loss: num(q, `${p}loss`, def.loss, 0, 1, false),
  };
}

/** Reads a query string ("?scenario=close&autoplay=1&msl=500"). */
export function parseUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const d = DEFAULT_SETTINGS;
  const settings: Settings = {
    seed: num(q, 'seed', d.seed, 0, 0xffffffff),
    msl: num(q, 'msl', d.msl, 0, 3_600_000),
    timestamps: flag(q, 'ts', d.timestamps),
    clientPort: num(q, 'cport', d.clientPort, 0, 65535),
    c2s: direction(q, 'c', d.c2s),
    s2c: direction(q, 's', d.s2c),
    keepalive: {
      client: flag(q, 'kac', d.keepalive.client),
      server: flag(q, 'kas', d.keepalive.server),
      idle: num(q, 'kaidle', d.keepalive.idle, 1, 86_400_000),
      interval: num(q, 'kaint', d.keepalive.interval, 1, 86_400_000),
      count: num(q, 'kacnt', d.keepalive.count, 1, 100),
    },
    speed: num(q, 'speed', d.speed, 0.001, 100_000, false),
  };
  const out: UrlState = { settings, autoplay: flag(q, 'autoplay', false) };
  const scenario = q.get('scenario');
  if (scenario !== null && /^[a-z0-9-]{1,40}$/.test(scenario)) out.scenario = scenario;
  const lang = q.get('lang');
  if (lang === 'en' || lang === 'zh') out.lang = lang;
  return out;
}

/** The query string for a state: only what differs from the defaults, so links stay short. */
export function formatUrlState(st: UrlState): string {
  const q = new URLSearchParams();
  if (st.scenario !== undefined) q.set('scenario', st.scenario);
  if (st.autoplay) q.set('autoplay', '1');
  if (st.lang !== undefined) q.set('lang', st.lang);
  const s = st.settings;
  const d = DEFAULT_SETTINGS;
  const put = (k: string, v: number | boolean, def: number | boolean): void => {
    if (v !== def) q.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  };
  put('seed', s.seed, d.seed);
  put('msl', s.msl, d.msl);
  put('ts', s.timestamps, d.timestamps);
  put('cport', s.clientPort, d.clientPort);
  for (const [p, dir, def] of [
    ['c', s.c2s, d.c2s],
    ['s', s.s2c, d.s2c],
  ] as const) {
    put(`${p}lat`, dir.latency, def.latency);
    put(`${p}jit`, dir.jitter, def.jitter);
    put(`${p}loss`, dir.loss, def.loss);
  }
  put('kac', s.keepalive.client, d.keepalive.client);
  put('kas', s.keepalive.server, d.keepalive.server);
  put('kaidle', s.keepalive.idle, d.keepalive.idle);
  put('kaint', s.keepalive.interval, d.keepalive.interval);
  put('kacnt', s.keepalive.count, d.keepalive.count);
  put('speed', s.speed, d.speed);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}
