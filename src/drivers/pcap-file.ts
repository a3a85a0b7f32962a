// A pcap capture in a file, for Node. The bytes come from trace/pcap.ts; this module only decides
// when they reach the disk. Records are gathered for one turn of the event loop (or until 64 KiB
// pile up) and written with one write() call that always ends on a record boundary, so a run that is
// interrupted — Ctrl-C, a crash, even SIGKILL — leaves a file every pcap reader opens, missing at
// most the packets of its last turn. `flush: 'packet'` writes every record as it comes.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type PcapOptions, PcapWriter } from '../trace/pcap.js';

export interface PcapFileOptions extends PcapOptions {
  /** 'turn' (default): once per event-loop turn; 'packet': every record at once. */
  flush?: 'turn' | 'packet';
  /** Batch size for 'turn' (default 64 KiB). */
  batchBytes?: number;
}

export class PcapFileWriter {
  readonly path: string;
  #fd: number | undefined;
  readonly #writer: PcapWriter;
  readonly #perTurn: boolean;
  #scheduled = false;
  #bytes = 0;

  /** Creates (or truncates) `path` and writes the file header. Throws the fs error if it cannot. */
  constructor(path: string, opts: PcapFileOptions = {}) {
    this.path = path;
    this.#fd = openSync(path, 'w');
    this.#perTurn = (opts.flush ?? 'turn') === 'turn';
    this.#writer = new PcapWriter((chunk) => this.#put(chunk), {
      ...opts,
      batchBytes: this.#perTurn ? (opts.batchBytes ?? 65536) : 0,
    });
  }

  /** Packets recorded so far. */
  get packets(): number {
    return this.#writer.packets;
  }

  /** Bytes written to the file so far. */
  get bytesWritten(): number {
    return this.#bytes;
  }

  /** Records one IP packet at `timeMs` (ms since the Unix epoch, fractions allowed). */
  write(timeMs: number, packet: Uint8Array): void {
    if (this.#fd === undefined) return;
    this.#writer.write(timeMs, packet);
    if (this.#perTurn && !this.#scheduled && this.#writer.pending > 0) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is gathered now. */
  flush(): void {
    if (this.#fd !== undefined) this.#writer.flush();
  }

  /** Flushes, syncs and closes the file. Later writes are ignored. */
  close(): void {
    if (this.#fd === undefined) return;
    this.#writer.close();
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  #put(chunk: Uint8Array): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    this.#bytes += chunk.length;
  }
}

/** Real timestamps for a capture: milliseconds since the Unix epoch, with sub-millisecond fractions. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
