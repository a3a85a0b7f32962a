// Addresses, 4-tuples and the keys the endpoint demultiplexes on.
//
// Addresses are opaque strings to the core (IPv4 dotted quad or IPv6 text). The one thing we do to
// them is put IPv6 text into its canonical form (RFC 5952: lower case, no leading zeros, the longest
// run of two or more zero groups written as '::'), so that '2001:DB8:0:0::1' and '2001:db8::1' name
// the same socket. IPv4 text is kept exactly as given. What an endpoint owns must be one or the
// other (checkedAddress); the addresses a packet carries come from the wire decoder, already valid.

import { UsageError } from '../base/errors.js';
import { parseAddress } from '../wire/ip.js';

/** An address and a port: one end of a connection. */
export interface Address {
  addr: string;
  port: number;
}

/** The canonical text of an address: IPv6 per RFC 5952, everything else unchanged. */
export function normalizeAddress(text: string): string {
  if (!text.includes(':')) return text;
  return canonicalIpv6(text) ?? text;
}

/**
 * An address an endpoint may own: IPv4 dotted decimal or IPv6 text, returned in canonical form.
 * Anything else (a name, '999.1.1.1', '') throws UsageError ERR_INVALID_ADDRESS.
 */
export function checkedAddress(text: unknown): string {
  if (typeof text !== 'string' || parseAddress(text) === undefined) {
    throw new UsageError('ERR_INVALID_ADDRESS', JSON.stringify(text));
  }
  return normalizeAddress(text);
}

/** Is `port` a usable TCP port number (1 to 65535)? */
export function isPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Map key of a 4-tuple. Local address first; ports before the remote address so that keys of one
 * local socket share a prefix. '|' never occurs in address text.
 */
export function tupleKey(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): string {
  return `${localAddr}|${localPort}|${remotePort}|${remoteAddr}`;
}

/** Map key of a listening socket; addr undefined means every local address. */
export function listenKey(addr: string | undefined, port: number): string {
  return `${addr ?? '*'}|${port}`;
}

/** 'addr:port', with IPv6 addresses in brackets ('[::1]:80'). */
export function formatAddress(a: Address): string {
  return a.addr.includes(':') ? `[${a.addr}]:${a.port}` : `${a.addr}:${a.port}`;
}

/** The trace label of a connection: 'local:port>remote:port'. */
export function tupleLabel(local: Address, remote: Address): string {
  return `${formatAddress(local)}>${formatAddress(remote)}`;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** RFC 5952 text of an IPv6 address, or undefined when `text` is not one. A '%zone' suffix is kept. */
function canonicalIpv6(text: string): string | undefined {
  let body = text.toLowerCase();
  let zone = '';
  const pct = body.indexOf('%');
  if (pct >= 0) {
    zone = text.slice(pct); // zone ids are case-sensitive names: keep them as given
    body = body.slice(0, pct);
  }
  const groups = parseGroups(body);
  if (!groups) return undefined;
  return formatGroups(groups) + zone;
}

/** Eight 16-bit groups from IPv6 text (with '::' and an optional trailing dotted quad). */
function parseGroups(body: string): number[] | undefined {
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const words: number[] = [];
  const headWords = toWords(head, halves.length === 1);
  const tailWords = toWords(tail, true);
  if (!headWords || !tailWords) return undefined;
  const missing = 8 - headWords.length - tailWords.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  words.push(...headWords);
  for (let i = 0; i < (halves.length === 2 ? missing : 0); i++) words.push(0);
  words.push(...tailWords);
  return words;
}

/** Parses hex groups; the last one may be a dotted quad when `lastMayBeV4`. */
function toWords(parts: string[], lastMayBeV4: boolean): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    const v4 = lastMayBeV4 && i === parts.length - 1 ? DOTTED_QUAD.exec(p) : null;
    if (v4) {
      const b = v4.slice(1, 5).map(Number);
      if (b.some((x) => x > 255)) return undefined;
      out.push(((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0));
    } else if (HEX_GROUP.test(p)) {
      out.push(Number.parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** RFC 5952 §4: shortest form, the longest (then first) run of >= 2 zero groups as '::'; §5: IPv4-mapped as '::ffff:a.b.c.d'. */
function formatGroups(words: number[]): string {
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    const hi = words[6] ?? 0;
    const lo = words[7] ?? 0;
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}
