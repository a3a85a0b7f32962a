// Results of wire parsers. Bytes from the network are never trusted, so parsers do not throw:
// they return either a value or a WireError naming what was wrong. The endpoint drops the packet,
// counts it and traces it with the DropReason that core/trace.ts's wireDropReason() gives.

export type WireErrorCode =
  /** Fewer bytes than the headers say (or than the smallest header). */
  | 'ERR_WIRE_TRUNCATED'
  /** TCP data offset below 5 words. */
  | 'ERR_WIRE_BAD_OFFSET'
  /** IP header or TCP checksum wrong. */
  | 'ERR_WIRE_CHECKSUM'
  /** Malformed TCP option (length byte missing, < 2, past the header, wrong for its kind). */
  | 'ERR_WIRE_BAD_OPTION'
  /** IP version nibble not the one expected (or neither 4 nor 6). */
  | 'ERR_WIRE_BAD_VERSION'
  /** IP length fields inconsistent: IHL < 5, total length < IHL, IPv6 payload length 0 (jumbogram). */
  | 'ERR_WIRE_BAD_LENGTH'
  /** IPv4 fragment (MF set or offset > 0) or IPv6 Fragment header: we do not reassemble. */
  | 'ERR_WIRE_FRAGMENT'
  /** The IP payload is not TCP (protocol / next header other than 6). */
  | 'ERR_WIRE_NOT_TCP'
  /** IPv6 extension header we cannot skip (ESP, AH, routing with segments left > 0, ...). */
  | 'ERR_WIRE_EXT_HEADER';

export interface WireError {
  code: WireErrorCode;
  /** Human-readable specifics for traces and logs; tests never compare it. */
  detail: string;
}

export type Result<T, E = WireError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function wireError(code: WireErrorCode, detail: string): { ok: false; error: WireError } {
  return { ok: false, error: { code, detail } };
}
