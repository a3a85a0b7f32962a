// tshark's reading of a capture, as the tests ask for it: chosen fields of each packet, one row per
// packet, split on '|'. tshark prints a "running as root" warning on stderr every run, so only
// stdout is read (see ../shared/PLATFORM.md); a non-zero exit throws with its stderr.

import { spawnSync } from 'node:child_process';

export interface TsharkOptions {
  /** A display filter (-Y), e.g. 'tcp'. */
  filter?: string;
  /** Verify IP and TCP checksums, so that ip.checksum.status / tcp.checksum.status say good or bad. */
  checksums?: boolean;
  timeout?: number;
  maxBuffer?: number;
}

/** The `fields` of every packet of `path` (or of those `filter` keeps), in order. */
export function tsharkFields(path: string, fields: readonly string[], opts: TsharkOptions = {}): string[][] {
  const args = ['-r', path];
  if (opts.checksums) args.push('-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE');
  if (opts.filter !== undefined) args.push('-Y', opts.filter);
  args.push('-T', 'fields', '-E', 'separator=|');
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, {
    encoding: 'utf8',
    timeout: opts.timeout ?? 60_000,
    maxBuffer: opts.maxBuffer ?? 64 << 20,
  });
  if (r.status !== 0) throw new Error(`tshark -r ${path}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}
