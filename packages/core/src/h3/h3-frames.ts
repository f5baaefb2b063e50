/**
 * HTTP/3 framing (RFC 9114 §7): frame and stream type codes, error codes, an incremental frame reader
 * for request and control streams, and encoders for the frames the server sends.
 */
import { encodeVarInt, readVarInt, varIntLength, writeVarInt } from './varint.js';

/** Frame types (RFC 9114 §7.2). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  CANCEL_PUSH: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  GOAWAY: 0x7,
  MAX_PUSH_ID: 0xd,
} as const;

/** HTTP/2 frame types that are reserved and must not appear in HTTP/3 (RFC 9114 §7.2.8). */
export const reservedH2Frames: ReadonlySet<number> = new Set([0x2, 0x6, 0x8, 0x9]);

/** Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2). */
export const StreamType = { CONTROL: 0x0, PUSH: 0x1, QPACK_ENCODER: 0x2, QPACK_DECODER: 0x3 } as const;

/** SETTINGS identifiers (RFC 9114 §7.2.4.1, RFC 9204 §5). */
export const Setting = {
  QPACK_MAX_TABLE_CAPACITY: 0x1,
  MAX_FIELD_SECTION_SIZE: 0x6,
  QPACK_BLOCKED_STREAMS: 0x7,
} as const;

/** HTTP/2 settings identifiers that are an error in HTTP/3 SETTINGS (RFC 9114 §7.2.4.1). */
export const reservedH2Settings: ReadonlySet<number> = new Set([0x2, 0x3, 0x4, 0x5]);

/** HTTP/3 error codes (RFC 9114 §8.1). */
export const H3Error = {
  NO_ERROR: 0x100,
  GENERAL_PROTOCOL_ERROR: 0x101,
  INTERNAL_ERROR: 0x102,
  STREAM_CREATION_ERROR: 0x103,
  CLOSED_CRITICAL_STREAM: 0x104,
  FRAME_UNEXPECTED: 0x105,
  FRAME_ERROR: 0x106,
  EXCESSIVE_LOAD: 0x107,
  ID_ERROR: 0x108,
  SETTINGS_ERROR: 0x109,
  MISSING_SETTINGS: 0x10a,
  REQUEST_REJECTED: 0x10b,
  REQUEST_CANCELLED: 0x10c,
  REQUEST_INCOMPLETE: 0x10d,
  MESSAGE_ERROR: 0x10e,
  CONNECT_ERROR: 0x10f,
  VERSION_FALLBACK: 0x110,
} as const;

/** One frame header read from a stream; `payload` is complete unless the frame is DATA. */
export type FrameEvent =
  | { readonly kind: 'frame'; readonly type: number; readonly payload: Buffer }
  /** A piece of a DATA frame's payload (DATA is streamed, never buffered whole). */
  | { readonly kind: 'data'; readonly chunk: Buffer }
  | { readonly kind: 'error'; readonly code: number; readonly reason: string };

/**
 * Splits a stream's bytes into frames. Non-DATA frames are buffered up to `maxFrame` bytes (a larger one
 * is H3_EXCESSIVE_LOAD); DATA payloads are passed through in the pieces they arrive in.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of DATA payload still to pass through before the next frame header. */
  private dataLeft = 0;

  constructor(private readonly maxFrame: number) {}

  /** True when no partial frame is pending (a FIN here is a clean end of the stream). */
  get idle(): boolean {
    return this.buf.length === 0 && this.dataLeft === 0;
  }

  /** Feeds bytes; returns the frames (and DATA pieces) they complete, in order. */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let input = chunk;
    if (this.dataLeft > 0) {
      const take = Math.min(this.dataLeft, input.length);
      if (take > 0) events.push({ kind: 'data', chunk: input.subarray(0, take) });
      this.dataLeft -= take;
      input = input.subarray(take);
      if (input.length === 0) return events;
    }
    this.buf = this.buf.length === 0 ? input : Buffer.concat([this.buf, input]);
    let off = 0;
    for (;;) {
      const type = readVarInt(this.buf, off);
      if (type === undefined) break;
      const len = readVarInt(this.buf, type.next);
      if (len === undefined) break;
      if (type.value === FrameType.DATA) {
        const available = this.buf.length - len.next;
        const take = Math.min(available, len.value);
        if (take > 0) events.push({ kind: 'data', chunk: this.buf.subarray(len.next, len.next + take) });
        off = len.next + take;
        if (take < len.value) {
          this.dataLeft = len.value - take;
          break;
        }
        continue;
      }
      if (len.value > this.maxFrame) {
        events.push({ kind: 'error', code: H3Error.EXCESSIVE_LOAD, reason: `frame of ${len.value} bytes` });
        this.buf = Buffer.alloc(0);
        return events;
      }
      if (this.buf.length - len.next < len.value) break;
      events.push({
        kind: 'frame',
        type: type.value,
        payload: this.buf.subarray(len.next, len.next + len.value),
      });
      off = len.next + len.value;
    }
    // Copy the tail so that a retained partial frame does not pin the whole datagram buffer.
    this.buf = off >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
    return events;
  }
}

/** A frame header (type and length) followed by nothing: the payload is written separately. */
export function frameHeader(type: number, length: number): Buffer {
  const out = Buffer.alloc(varIntLength(type) + varIntLength(length));
  writeVarInt(out, writeVarInt(out, 0, type), length);
  return out;
}

/** A complete frame. */
export function encodeFrame(type: number, payload: Buffer): Buffer {
  return Buffer.concat([frameHeader(type, payload.length), payload]);
}

/** SETTINGS payload from id/value pairs. */
export function encodeSettings(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const parts: Buffer[] = [];
  for (const [id, value] of settings) parts.push(encodeVarInt(id), encodeVarInt(value));
  return encodeFrame(FrameType.SETTINGS, Buffer.concat(parts));
}

/** Parses a SETTINGS payload; an error for truncation, duplicates or HTTP/2-only identifiers. */
export function decodeSettings(
  payload: Buffer,
): { ok: true; settings: Map<number, number> } | { ok: false; code: number; reason: string } {
  const settings = new Map<number, number>();
  let off = 0;
  while (off < payload.length) {
    const id = readVarInt(payload, off);
    const value = id === undefined ? undefined : readVarInt(payload, id.next);
    if (id === undefined || value === undefined)
      return { ok: false, code: H3Error.FRAME_ERROR, reason: 'truncated SETTINGS' };
    if (settings.has(id.value) || reservedH2Settings.has(id.value))
      return { ok: false, code: H3Error.SETTINGS_ERROR, reason: `bad setting 0x${id.value.toString(16)}` };
    settings.set(id.value, value.value);
    off = value.next;
  }
  return { ok: true, settings };
}

/** GOAWAY carrying the first request stream id that will not be processed. */
export function encodeGoaway(streamId: number): Buffer {
  return encodeFrame(FrameType.GOAWAY, encodeVarInt(streamId));
}
