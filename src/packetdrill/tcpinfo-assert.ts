// The `%{ ... }%` blocks our scripts use: Python `assert <expr>[, <message>]` statements over
// tcp_info fields, separated by `;` or line breaks. A small evaluator for integer expressions with
// == != < > <= >= and or not & | + - * // / % and parentheses; names are tcp_info fields. A `#`
// starts a comment, as in Python.

export type AssertOutcome = { ok: true } | { ok: false; failed: string } | { ok: false; unsupported: string };

export function evaluateAsserts(code: string, vars: Readonly<Record<string, number>>): AssertOutcome {
  // A backslash at the end of a line continues the statement (Python's explicit line joining).
  const text = code
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/[;\n]/)) {
    const stmt = raw.trim();
    if (stmt === '') continue;
    if (!stmt.startsWith('assert ')) return { ok: false, unsupported: `Python statement '${stmt}'` };
    const body = stmt.slice(7);
    const expr = splitTopLevelComma(body);
    try {
      const v = new Eval(expr, vars).run();
      if (v === 0) return { ok: false, failed: `assert ${expr.trim()} (${describe(expr, vars)})` };
    } catch (e) {
      return { ok: false, unsupported: e instanceof Error ? e.message : String(e) };
    }
  }
  return { ok: true };
}

function splitTopLevelComma(s: string): string {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) return s.slice(0, i);
  }
  return s;
}

function describe(expr: string, vars: Readonly<Record<string, number>>): string {
  const names = [...new Set(expr.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])].filter((n) => n in vars);
  return names.map((n) => `${n}=${vars[n]}`).join(', ');
}

class Eval {
  readonly #toks: string[];
  #i = 0;
  readonly #vars: Readonly<Record<string, number>>;

  constructor(text: string, vars: Readonly<Record<string, number>>) {
    this.#toks =
      text.match(/0x[0-9a-fA-F]+|\d+\.\d*|\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|\/\/|[<>&|+\-*/%()]/g) ?? [];
    this.#vars = vars;
  }

  run(): number {
    const v = this.#or();
    if (this.#i !== this.#toks.length) throw new Error(`unexpected '${this.#toks[this.#i]}' in assert`);
    return v;
  }

  #peek(): string | undefined {
    return this.#toks[this.#i];
  }

  #or(): number {
    let v = this.#and();
    while (this.#peek() === 'or') {
      this.#i++;
      const r = this.#and();
      v = v !== 0 ? v : r;
    }
    return v;
  }

  #and(): number {
    let v = this.#not();
    while (this.#peek() === 'and') {
      this.#i++;
      const r = this.#not();
      v = v === 0 ? v : r;
    }
    return v;
  }

  #not(): number {
    if (this.#peek() === 'not') {
      this.#i++;
      return this.#not() === 0 ? 1 : 0;
    }
    return this.#cmp();
  }

  #cmp(): number {
    let left = this.#bitor();
    let result = 1;
    let chained = false;
    for (;;) {
      const op = this.#peek();
      if (op !== '==' && op !== '!=' && op !== '<' && op !== '>' && op !== '<=' && op !== '>=') break;
      this.#i++;
      const right = this.#bitor();
      const ok =
        op === '=='
          ? left === right
          : op === '!='
            ? left !== right
            : op === '<'
              ? left < right
              : op === '>'
                ? left > right
                : op === '<='
                  ? left <= right
                  : left >= right;
      if (!ok) result = 0;
      chained = true;
      left = right;
    }
    return chained ? result : left;
  }

  #bitor(): number {
    let v = this.#bitand();
    while (this.#peek() === '|') {
      this.#i++;
      v = v | this.#bitand();
    }
    return v;
  }

  #bitand(): number {
    let v = this.#sum();
    while (this.#peek() === '&') {
      this.#i++;
      v = v & this.#sum();
    }
    return v;
  }

  #sum(): number {
    let v = this.#product();
    for (;;) {
      const op = this.#peek();
      if (op !== '+' && op !== '-') return v;
      this.#i++;
      const r = this.#product();
      v = op === '+' ? v + r : v - r;
    }
  }

  #product(): number {
    let v = this.#atom();
    for (;;) {
      const op = this.#peek();
      if (op !== '*' && op !== '/' && op !== '//' && op !== '%') return v;
      this.#i++;
      const r = this.#atom();
      if (op === '*') v *= r;
      else if (r === 0) throw new Error('division by zero in assert');
      else if (op === '/') v /= r;
      else if (op === '//') v = Math.floor(v / r);
      // Python's % takes the sign of the divisor.
      else v = ((v % r) + r) % r;
    }
  }

  #atom(): number {
    const t = this.#toks[this.#i++];
    if (t === undefined) throw new Error('assert expression ends early');
    if (t === '(') {
      const v = this.#or();
      if (this.#toks[this.#i++] !== ')') throw new Error("missing ')' in assert");
      return v;
    }
    if (t === '-') return -this.#atom();
    if (/^0x/.test(t)) return Number.parseInt(t.slice(2), 16);
    if (/^\d+(\.\d*)?$/.test(t)) return Number(t);
    if (t === 'True') return 1;
    if (t === 'False') return 0;
    const v = this.#vars[t];
    if (v === undefined) throw new Error(`unknown name '${t}' in assert`);
    return v;
  }
}
