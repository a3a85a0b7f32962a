// A character scanner for packetdrill scripts. The language is context-sensitive (a `.` is a flag
// on a packet line and a decimal point in a time, `<` starts an inbound packet or an option list),
// so instead of one token stream the parser asks the scanner for the kind of token it expects next.
// The scanner skips blanks and both comment forms (`// ...` and `/* ... */`) and tracks line numbers.

export class ScriptSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptSyntaxError';
    this.line = line;
  }
}

export class Scanner {
  readonly text: string;
  pos = 0;
  line = 1;

  constructor(text: string) {
    this.text = text;
  }

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  fail(message: string): never {
    throw new ScriptSyntaxError(this.line, message);
  }

  /** Moves past one character, counting lines. */
  advance(n = 1): void {
    for (let i = 0; i < n && this.pos < this.text.length; i++) {
      if (this.text[this.pos] === '\n') this.line++;
      this.pos++;
    }
  }

  /** Skips blanks, line breaks and comments. Returns true when a line break was crossed. */
  skip(): boolean {
    const startLine = this.line;
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        this.advance();
      } else if (c === '/' && this.peek(1) === '/') {
        while (!this.atEnd && this.peek() !== '\n') this.advance();
      } else if (c === '/' && this.peek(1) === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated /* comment');
        this.advance(end + 2 - this.pos);
      } else {
        return this.line !== startLine;
      }
    }
  }

  /** Skips blanks and comments on the current line only. */
  skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '/' && this.peek(1) === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated /* comment');
        this.advance(end + 2 - this.pos);
      } else return;
    }
  }

  /** Consumes `s` after skipping blanks, or fails. */
  expect(s: string): void {
    this.skip();
    if (!this.startsWith(s)) this.fail(`expected '${s}' near ${JSON.stringify(this.excerpt())}`);
    this.advance(s.length);
  }

  /** Consumes `s` after skipping blanks when it is there. */
  accept(s: string): boolean {
    this.skip();
    if (!this.startsWith(s)) return false;
    this.advance(s.length);
    return true;
  }

  /** An identifier: letters, digits, underscores, starting with a letter or underscore. */
  identifier(): string | undefined {
    this.skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) return undefined;
    this.advance(m[0].length);
    return m[0];
  }

  /** A word of non-blank characters excluding the given terminators. */
  word(stop = ''): string {
    this.skip();
    const start = this.pos;
    while (!this.atEnd) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || stop.includes(c)) break;
      this.advance();
    }
    return this.text.slice(start, this.pos);
  }

  /**
   * An unsigned decimal number with an optional fraction (`0.100`, `.1`, `1`, `5.`), as text. A
   * `.` followed by another `.` is not a decimal point (`0...0.2` is 0, `...`, 0.2).
   */
  decimal(): string | undefined {
    this.skip();
    const start = this.pos;
    while (/[0-9]/.test(this.peek())) this.advance();
    if (this.peek() === '.' && this.peek(1) !== '.') {
      this.advance();
      while (/[0-9]/.test(this.peek())) this.advance();
    }
    const s = this.text.slice(start, this.pos);
    if (s === '' || s === '.') {
      this.pos = start;
      return undefined;
    }
    return s;
  }

  /** An integer: decimal, or hex with 0x; optional leading minus. */
  integer(): number | undefined {
    this.skip();
    const m = /^-?(0x[0-9a-fA-F]+|[0-9]+)/.exec(this.text.slice(this.pos, this.pos + 32));
    if (!m) return undefined;
    this.advance(m[0].length);
    return parseIntegerText(m[0]);
  }

  /** Like integer() but fails when there is none. */
  needInteger(what: string): number {
    const n = this.integer();
    if (n === undefined) this.fail(`expected ${what} near ${JSON.stringify(this.excerpt())}`);
    return n;
  }

  /** A short view of the text at the cursor, for messages. */
  excerpt(): string {
    const end = this.text.indexOf('\n', this.pos);
    return this.text.slice(this.pos, end < 0 ? this.pos + 30 : Math.min(end, this.pos + 30));
  }
}

/** Parses "0x1f" or "-12" style integer text (parseInt does not accept a sign before 0x). */
export function parseIntegerText(text: string): number {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const v = body.startsWith('0x') || body.startsWith('0X') ? Number.parseInt(body.slice(2), 16) : Number(body);
  return neg ? -v : v;
}
