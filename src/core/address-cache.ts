// Canonical text of the addresses packets arrive with, remembered. Every packet's two addresses
// are looked up in the endpoint's tables in canonical form (tuple.ts: RFC 5952 for IPv6), and
// parsing IPv6 text for each packet would be the costliest step of demultiplexing. IPv4 text
// passes through untouched; IPv6 spellings are kept in a map that is emptied when it fills, so a
// peer sending many spellings costs memory only up to the limit.

import { normalizeAddress } from './tuple.js';

/** How many spellings to remember (IPv6 only; IPv4 needs none). */
const ADDRESS_CACHE_LIMIT = 1024;

export class AddressCache {
  readonly #canonical = new Map<string, string>();

  /** Canonical text of an address from the network ('' for a value that is not a string). */
  canonical(text: string): string {
    if (typeof text !== 'string') return '';
    if (!text.includes(':')) return text;
    let c = this.#canonical.get(text);
    if (c === undefined) {
      if (this.#canonical.size >= ADDRESS_CACHE_LIMIT) this.#canonical.clear();
      c = normalizeAddress(text);
      this.#canonical.set(text, c);
    }
    return c;
  }
}
