// A pcap or pcapng file read as a stream, for Node: chunks of `chunkSize` bytes go through one
// reused buffer into analyze/capture.ts's CaptureParser, so a capture of any size costs one chunk of
// memory plus the record that crosses a chunk's end. Packets are delivered as the parser reads
// them; their bytes are views into that buffer, valid only during the callback.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { type CapturedPacket, CaptureError, type CaptureFormat, CaptureParser } from '../analyze/capture.js';

export interface ReadCaptureOptions {
  /** Bytes read at a time (default 1 MiB). */
  chunkSize?: number;
  /** Called after each chunk with the bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, total: number) => void;
}

export interface CaptureFileSummary {
  format: CaptureFormat;
  packets: number;
  /** Bytes read: the file's size. */
  bytes: number;
}

const DEFAULT_CHUNK = 1024 * 1024;

/**
 * Reads the capture at `path`, handing each packet to `onPacket` in file order. Rejects with a
 * CaptureError naming the path: ERR_CAPTURE_UNREADABLE when the file cannot be opened or read, and
 * the parser's codes (with the offset of the record at fault) for its contents. Packets delivered
 * before an error stay delivered. An error thrown by `onPacket` stops the read and is passed on as it is.
 */
export async function readCaptureFile(
  path: string,
  onPacket: (p: CapturedPacket) => void,
  opts: ReadCaptureOptions = {},
): Promise<CaptureFileSummary> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, not ${String(chunkSize)}`);
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw unreadable(path, e, 0);
  }
  try {
    let total: number;
    try {
      total = (await fh.stat()).size;
    } catch (e) {
      throw unreadable(path, e, 0);
    }
    const parser = new CaptureParser();
    const buf = new Uint8Array(chunkSize);
    let packets = 0;
    let position = 0;
    const count = (p: CapturedPacket): void => {
      packets++;
      onPacket(p);
    };
    for (;;) {
      let n: number;
      try {
        n = (await fh.read(buf, 0, chunkSize, position)).bytesRead;
      } catch (e) {
        throw unreadable(path, e, position);
      }
      if (n === 0) break;
      position += n;
      withPath(path, () => parser.push(buf.subarray(0, n), count));
      opts.onProgress?.(position, Math.max(total, position));
    }
    withPath(path, () => parser.end());
    return { format: parser.format as CaptureFormat, packets, bytes: position };
  } finally {
    await fh.close();
  }
}

function unreadable(path: string, e: unknown, offset: number): CaptureError {
  const why = (e as NodeJS.ErrnoException | undefined)?.code ?? (e instanceof Error ? e.message : String(e));
  const detail =
    why === 'ENOENT'
      ? 'no such file'
      : why === 'EACCES' || why === 'EPERM'
        ? 'permission denied'
        : why === 'EISDIR'
          ? 'is a directory'
          : e instanceof Error
            ? e.message
            : String(e);
  return new CaptureError('ERR_CAPTURE_UNREADABLE', detail, offset, { cause: e, path });
}

/** Runs `fn`, giving a CaptureError from the parser the file's path (same code and offset). */
function withPath(path: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError && e.path === undefined) {
      throw new CaptureError(e.code, e.detail, e.offset, { cause: e, path });
    }
    throw e;
  }
}
