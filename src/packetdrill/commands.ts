// Backquoted shell commands in packetdrill scripts, recognised, never run. What upstream's scripts
// use them for is the host's configuration: `defaults.sh` (the profile), `set_sysctls.py` and
// `sysctl` (settings under /proc/sys/net/ipv4), and the restore script at the end. Anything else
// (tc, nstat, ip, ss ...) is a command finack cannot stand in for.

export type Command =
  | { kind: 'defaults' }
  | { kind: 'sysctls'; values: [name: string, value: string][] }
  | { kind: 'restore' }
  | { kind: 'other'; program: string; text: string }
  /** A sysctl finack cannot read: outside net.ipv4, or a value it cannot work out. */
  | { kind: 'bad-sysctl'; arg: string };

/** Lines of a backquoted command, without shell comments. */
export function commandLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l !== '');
}

/** What one command line does. */
export function classifyCommand(line: string): Command {
  const words = shellWords(line);
  const prog = words[0] ?? '';
  if (/(^|\/)defaults\.sh$/.test(prog)) return { kind: 'defaults' };
  if (/^\/tmp\/sysctl_restore_\$\{PPID\}\.sh$/.test(prog)) return { kind: 'restore' };
  if (/(^|\/)set_sysctls\.py$/.test(prog)) {
    const values: [string, string][] = [];
    for (const w of words.slice(1)) {
      const m = /^\/proc\/sys\/net\/ipv4\/([a-z0-9_]+)=(.*)$/.exec(w);
      if (!m) return { kind: 'bad-sysctl', arg: w };
      values.push([m[1] as string, m[2] as string]);
    }
    return { kind: 'sysctls', values };
  }
  if (prog === 'sysctl' && !line.includes(';') && !line.includes('|')) {
    const values: [string, string][] = [];
    for (const w of words.slice(1)) {
      if (w === '-q' || w === '-w' || w === '-qw' || w === '-wq') continue;
      const m = /^net[./]ipv4[./]([a-z0-9_]+)=(.*)$/.exec(w);
      if (!m) return { kind: 'bad-sysctl', arg: w };
      const value = expandArithmetic(m[2] as string);
      if (value === undefined) return { kind: 'bad-sysctl', arg: w };
      values.push([m[1] as string, value]);
    }
    if (values.length > 0) return { kind: 'sysctls', values };
  }
  return { kind: 'other', program: prog.replace(/^.*\//, ''), text: line };
}

/** Words of a command line: blanks separate, single and double quotes group (no other expansion). */
function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === ' ' || c === '\t') {
      if (any || cur !== '') out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (any || cur !== '') out.push(cur);
  return out;
}

/** `$((32*1024*1024))` and plain numbers in a sysctl value, as the shell would expand them. */
function expandArithmetic(value: string): string | undefined {
  let bad = false;
  const out = value.replace(/\$\(\(([^)]*)\)\)/g, (_, expr: string) => {
    if (!/^[0-9+\-* ]+$/.test(expr)) {
      bad = true;
      return '';
    }
    const terms = expr.replace(/\s+/g, '').split(/(?=[+-])/);
    let sum = 0;
    for (const t of terms) {
      const factors = t.replace(/^[+]/, '').split('*');
      const sign = factors[0]?.startsWith('-') ? -1 : 1;
      let product = 1;
      for (const f of factors) {
        const n = Number(f.replace(/^-/, ''));
        if (!Number.isFinite(n) || f === '') bad = true;
        product *= n;
      }
      sum += sign * product;
    }
    return String(sum);
  });
  return bad || out.includes('$') ? undefined : out;
}
