// Parser for the packetdrill subset described in ../shared/conformance/PACKETDRILL-SUBSET.md:
// option lines, backquoted commands, and events of four kinds (packet, syscall, command, Python
// block), each with a time column. Produces a Script value; never runs anything.

import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../wire/segment.js';
import { Scanner, ScriptSyntaxError } from './lexer.js';

export { ScriptSyntaxError } from './lexer.js';

/** A time in microseconds, absolute or relative to the event's base (`+`). */
export interface TimeValue {
  relative: boolean;
  usecs: number;
}

export type TimeSpec =
  /** `*`: any time (outbound packets only). */
  | { kind: 'any' }
  /** `0.1`, `+.1` */
  | { kind: 'point'; at: TimeValue }
  /** `0.3~0.4`: an outbound packet may come anywhere inside. */
  | { kind: 'window'; lo: TimeValue; hi: TimeValue }
  /** `+0...0.2`: a blocking syscall starting at `start` and returning at `end`. */
  | { kind: 'blocking'; start: TimeValue; end: TimeValue };

export type OptionSpec =
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: { left: number; right: number }[] }
  | { kind: 'ts'; val: number; ecr: number }
  | { kind: 'nop' }
  | { kind: 'eol' }
  /** FO, FOEXP, md5 and anything else we do not interpret: kept as text. */
  | { kind: 'other'; text: string };

export type Expr =
  | { kind: 'ellipsis' }
  | { kind: 'int'; value: number }
  | { kind: 'symbol'; name: string }
  | { kind: 'null' }
  | { kind: 'string'; value: string }
  | { kind: 'or'; items: Expr[] }
  | { kind: 'array'; items: Expr[] }
  /**
   * `{name=value, ...}`. A field may carry an argument, as msghdr's `msg_iov(1)=[...]` does, and
   * fields may be positional (`{..., 40}`, an iovec in the short form): those are named `#0`, `#1`.
   */
  | { kind: 'struct'; fields: StructField[] }
  /** `htons(8080)`, `inet_addr("192.0.2.1")`: a named function applied to arguments. */
  | { kind: 'call'; name: string; args: Expr[] };

export interface StructField {
  name: string;
  /** The parenthesised argument after the name, as in `msg_iov(1)`. */
  arg?: Expr;
  value: Expr;
}

export interface PacketEvent {
  kind: 'packet';
  line: number;
  time: TimeSpec;
  direction: 'inbound' | 'outbound';
  /** Bitmask of FIN | SYN | RST | PSH | ACK | URG | ECE | CWR. */
  flags: number;
  /** Flag word as written (`S.`, `F.`, `-`). */
  flagText: string;
  seq: number;
  end: number;
  len: number;
  ack?: number;
  win?: number;
  urg?: number;
  /** undefined: `<...>` (options not checked); [] when no option list was written. */
  options: OptionSpec[] | undefined;
  /** The IP ECN field as written after the direction (`[ect0]`, `[noecn]`), if any. */
  ecn?: string;
  /** Upstream's packet modifiers after the header (`{rep tcp win_size 0x1021}`), as text. */
  modifiers?: string;
}

export interface SyscallEvent {
  kind: 'syscall';
  line: number;
  time: TimeSpec;
  name: string;
  args: Expr[];
  result: Expr;
  errno?: string;
  /** The text in parentheses after the result, if any (a comment). */
  note?: string;
}

export interface CommandEvent {
  kind: 'command';
  line: number;
  time: TimeSpec | undefined;
  command: string;
}

export interface PythonEvent {
  kind: 'python';
  line: number;
  time: TimeSpec | undefined;
  code: string;
}

export type ScriptEvent = PacketEvent | SyscallEvent | CommandEvent | PythonEvent;

export interface Script {
  /** `--name=value` lines; a bare `--name` has the value ''. */
  options: Map<string, string>;
  events: ScriptEvent[];
}

const FLAG_LETTERS: Record<string, number> = {
  S: SYN,
  F: FIN,
  R: RST,
  P: PSH,
  '.': ACK,
  U: URG,
  E: ECE,
  W: CWR,
};

/** Parses a whole script. Throws ScriptSyntaxError with the line on bad input. */
export function parseScript(text: string): Script {
  const sc = new Scanner(text);
  const options = new Map<string, string>();
  const events: ScriptEvent[] = [];
  for (;;) {
    sc.skip();
    if (sc.atEnd) break;
    const line = sc.line;
    if (sc.startsWith('--')) {
      if (events.length > 0) sc.fail('option lines must come before the first event');
      sc.advance(2);
      const w = sc.word();
      const eq = w.indexOf('=');
      options.set(eq < 0 ? w : w.slice(0, eq), eq < 0 ? '' : w.slice(eq + 1));
      continue;
    }
    if (sc.startsWith('`')) {
      events.push({ kind: 'command', line, time: undefined, command: backquoted(sc) });
      continue;
    }
    if (sc.startsWith('%{')) {
      events.push({ kind: 'python', line, time: undefined, code: python(sc) });
      continue;
    }
    const time = timeSpec(sc);
    sc.skip();
    const c = sc.peek();
    if ((c === '<' || c === '>') && /\s/.test(sc.peek(1))) {
      events.push(packet(sc, line, time));
    } else if (c === '`') {
      events.push({ kind: 'command', line, time, command: backquoted(sc) });
    } else if (sc.startsWith('%{')) {
      events.push({ kind: 'python', line, time, code: python(sc) });
    } else {
      events.push(syscall(sc, line, time));
    }
  }
  return { options, events };
}

function backquoted(sc: Scanner): string {
  return enclosed(sc, '`', '`', 'unterminated backquoted command').trim();
}

function python(sc: Scanner): string {
  return enclosed(sc, '%{', '}%', 'unterminated %{ block').trim();
}

/** The text between `open` (where the scanner stands) and the next `close`; both are consumed. */
function enclosed(sc: Scanner, open: string, close: string, unterminated: string): string {
  sc.advance(open.length);
  const end = sc.text.indexOf(close, sc.pos);
  if (end < 0) sc.fail(unterminated);
  const text = sc.text.slice(sc.pos, end);
  sc.advance(end + close.length - sc.pos);
  return text;
}

function timeValue(sc: Scanner): TimeValue {
  sc.skip();
  const relative = sc.startsWith('+');
  if (relative) sc.advance();
  const d = sc.decimal();
  if (d === undefined) sc.fail(`expected a time near ${JSON.stringify(sc.excerpt())}`);
  return { relative, usecs: Math.round(Number(d) * 1e6) };
}

function timeSpec(sc: Scanner): TimeSpec {
  sc.skip();
  if (sc.startsWith('*')) {
    sc.advance();
    return { kind: 'any' };
  }
  const first = timeValue(sc);
  sc.skipInline();
  if (sc.startsWith('...')) {
    sc.advance(3);
    return { kind: 'blocking', start: first, end: timeValue(sc) };
  }
  if (sc.startsWith('~')) {
    sc.advance();
    return { kind: 'window', lo: first, hi: timeValue(sc) };
  }
  return { kind: 'point', at: first };
}

function packet(sc: Scanner, line: number, time: TimeSpec): PacketEvent {
  const direction = sc.peek() === '<' ? 'inbound' : 'outbound';
  sc.advance();
  sc.skipInline();
  let ecn: string | undefined;
  if (sc.startsWith('[')) ecn = enclosed(sc, '[', ']', 'unterminated [ecn] field').trim();
  const flagText = sc.word();
  let flags = 0;
  if (flagText !== '-') {
    for (const ch of flagText) {
      const bit = FLAG_LETTERS[ch];
      if (bit === undefined) sc.fail(`unknown TCP flag '${ch}' in '${flagText}'`);
      flags |= bit;
    }
  }
  const seq = sc.needInteger('a sequence number');
  sc.expect(':');
  const end = sc.needInteger('an end sequence number');
  sc.expect('(');
  const len = sc.needInteger('a payload length');
  sc.expect(')');
  if ((end - seq) >>> 0 !== len >>> 0) sc.fail(`${seq}:${end}(${len}): length does not match`);
  const ev: PacketEvent = { kind: 'packet', line, time, direction, flags, flagText, seq, end, len, options: [] };
  if (ecn !== undefined) ev.ecn = ecn;
  for (;;) {
    sc.skipInline();
    if (sc.startsWith('<')) {
      ev.options = optionList(sc);
      continue;
    }
    if (sc.startsWith('{')) {
      ev.modifiers = enclosed(sc, '{', '}', 'unterminated { } packet modifier').trim();
      continue;
    }
    sc.skip();
    if (sc.startsWith('<')) {
      ev.options = optionList(sc);
      continue;
    }
    const save = { pos: sc.pos, line: sc.line };
    const kw = sc.identifier();
    if (kw === 'ack') ev.ack = sc.needInteger('an ack number');
    else if (kw === 'win') ev.win = sc.needInteger('a window');
    else if (kw === 'urg') ev.urg = sc.needInteger('an urgent pointer');
    else {
      sc.pos = save.pos;
      sc.line = save.line;
      break;
    }
  }
  return ev;
}

function optionList(sc: Scanner): OptionSpec[] | undefined {
  sc.expect('<');
  if (sc.accept('...')) {
    sc.expect('>');
    return undefined;
  }
  return listUntil(sc, '>', option);
}

/** Items separated by commas, up to `close` (consumed); none when `close` comes first. */
function listUntil<T>(sc: Scanner, close: string, item: (sc: Scanner) => T): T[] {
  const items: T[] = [];
  if (sc.accept(close)) return items;
  for (;;) {
    items.push(item(sc));
    if (sc.accept(',')) continue;
    sc.expect(close);
    return items;
  }
}

function option(sc: Scanner): OptionSpec {
  const name = sc.identifier();
  switch (name) {
    case 'mss':
      return { kind: 'mss', value: sc.needInteger('an MSS') };
    case 'wscale':
      return { kind: 'wscale', value: sc.needInteger('a window scale') };
    case 'sackOK':
      return { kind: 'sackOK' };
    case 'nop':
      return { kind: 'nop' };
    case 'eol':
      return { kind: 'eol' };
    case 'TS': {
      if (sc.identifier() !== 'val') sc.fail("expected 'val' after TS");
      const val = sc.needInteger('a TS val');
      if (sc.identifier() !== 'ecr') sc.fail("expected 'ecr' after TS val");
      return { kind: 'ts', val, ecr: sc.needInteger('a TS ecr') };
    }
    case 'sack': {
      const blocks: { left: number; right: number }[] = [];
      for (;;) {
        sc.skip();
        if (!/[0-9]/.test(sc.peek())) break;
        const left = sc.needInteger('a SACK left edge');
        sc.expect(':');
        blocks.push({ left, right: sc.needInteger('a SACK right edge') });
      }
      return { kind: 'sack', blocks };
    }
    default: {
      if (name === undefined) sc.fail(`expected a TCP option near ${JSON.stringify(sc.excerpt())}`);
      // Unknown option: keep its text up to the next ',' or '>'.
      const start = sc.pos;
      while (!sc.atEnd && sc.peek() !== ',' && sc.peek() !== '>') sc.advance();
      return { kind: 'other', text: `${name}${sc.text.slice(start, sc.pos)}`.trim() };
    }
  }
}

function syscall(sc: Scanner, line: number, time: TimeSpec): SyscallEvent {
  const name = sc.identifier();
  if (name === undefined) sc.fail(`expected a packet, a syscall or a command near ${JSON.stringify(sc.excerpt())}`);
  sc.expect('(');
  const args = listUntil(sc, ')', expr);
  sc.expect('=');
  const result = expr(sc);
  const ev: SyscallEvent = { kind: 'syscall', line, time, name, args, result };
  sc.skipInline();
  // An errno name follows on the same line: E followed by capitals (EPIPE, EWOULDBLOCK).
  if (/[A-Z]/.test(sc.peek())) {
    const save = sc.pos;
    const id = sc.identifier();
    if (id !== undefined && /^E[A-Z0-9]+$/.test(id)) ev.errno = id;
    else sc.pos = save;
  }
  sc.skipInline();
  if (sc.peek() === '(') {
    let depth = 0;
    const start = sc.pos;
    do {
      const c = sc.peek();
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === '\n' || c === '') sc.fail('unterminated ( comment after a syscall result');
      sc.advance();
    } while (depth > 0);
    ev.note = sc.text.slice(start + 1, sc.pos - 1);
  }
  return ev;
}

function expr(sc: Scanner): Expr {
  const first = term(sc);
  const items = [first];
  while (sc.accept('|')) items.push(term(sc));
  return items.length === 1 ? first : { kind: 'or', items };
}

function term(sc: Scanner): Expr {
  sc.skip();
  if (sc.startsWith('...')) {
    sc.advance(3);
    return { kind: 'ellipsis' };
  }
  if (sc.startsWith('[')) {
    sc.advance();
    return { kind: 'array', items: listUntil(sc, ']', expr) };
  }
  if (sc.startsWith('{')) {
    sc.advance();
    let index = 0;
    const fields = listUntil(sc, '}', (): StructField => {
      const pos = index++;
      const save = { pos: sc.pos, line: sc.line };
      const name = sc.identifier();
      if (name !== undefined) {
        let arg: Expr | undefined;
        sc.skip();
        if (sc.startsWith('(')) {
          sc.advance();
          const args = listUntil(sc, ')', expr);
          arg = args.length === 1 ? (args[0] as Expr) : { kind: 'array', items: args };
        }
        if (sc.accept('=')) return { name, ...(arg ? { arg } : {}), value: expr(sc) };
      }
      // Not `name=`: a positional item (`{..., 40}`).
      sc.pos = save.pos;
      sc.line = save.line;
      return { name: `#${pos}`, value: expr(sc) };
    });
    return { kind: 'struct', fields };
  }
  if (sc.startsWith('"')) return { kind: 'string', value: enclosed(sc, '"', '"', 'unterminated string') };
  const n = sc.integer();
  if (n !== undefined) return { kind: 'int', value: n };
  const id = sc.identifier();
  if (id === undefined) sc.fail(`expected an argument near ${JSON.stringify(sc.excerpt())}`);
  if (id === 'NULL') return { kind: 'null' };
  sc.skipInline();
  if (sc.startsWith('(')) {
    sc.advance();
    return { kind: 'call', name: id, args: listUntil(sc, ')', expr) };
  }
  return { kind: 'symbol', name: id };
}

/** The flag word of a bitmask, in packetdrill's spelling (`S.`, `F.`, `P.`, `R`, `-`). */
export function flagWord(flags: number): string {
  let s = '';
  for (const [letter, bit] of [
    ['S', SYN],
    ['F', FIN],
    ['R', RST],
    ['P', PSH],
    ['U', URG],
    ['E', ECE],
    ['W', CWR],
    ['.', ACK],
  ] as const) {
    if (flags & bit) s += letter;
  }
  return s === '' ? '-' : s;
}

export function isSyntaxError(e: unknown): e is ScriptSyntaxError {
  return e instanceof ScriptSyntaxError;
}
