/**
 * Just enough raw HTTP/2 to misbehave on purpose: frame builders (HPACK literals without Huffman or
 * indexing) and a reader that splits what the server sent into frames.
 */
import { connect, type Socket } from 'node:net';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
} as const;
export const ErrorCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  ENHANCE_YOUR_CALM: 11,
} as const;

export function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the pattern bits above the prefix. */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A header block of literal fields without indexing (new names), no Huffman. */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  const bytes: number[] = [];
  for (const [name, value] of fields) {
    bytes.push(0x00, ...hpackInt(name.length, 7, 0), ...Buffer.from(name, 'latin1'));
    bytes.push(...hpackInt(value.length, 7, 0), ...Buffer.from(value, 'latin1'));
  }
  return Buffer.from(bytes);
}

export function getHeaders(path: string, extra: readonly (readonly [string, string])[] = []): Buffer {
  return headerBlock([
    [':method', 'GET'],
    [':scheme', 'http'],
    [':authority', 'a'],
    [':path', path],
    ...extra,
  ]);
}

/** HEADERS with END_HEADERS (and END_STREAM unless `open`). */
export function headersFrame(stream: number, block: Buffer, open = false): Buffer {
  return frame(FrameType.HEADERS, 0x4 | (open ? 0 : 0x1), stream, block);
}

export function rstFrame(stream: number, code: number = ErrorCode.CANCEL): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FrameType.RST_STREAM, 0, stream, p);
}

export function settingsFrame(settings: readonly (readonly [number, number])[] = [], ack = false): Buffer {
  const p = Buffer.alloc(6 * settings.length);
  settings.forEach(([id, v], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(v, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, ack ? 1 : 0, 0, p);
}

export function pingFrame(n: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(n, 4);
  return frame(FrameType.PING, 0, 0, p);
}

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

export function parseFrames(data: Buffer): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  while (at + 9 <= data.length) {
    const len = data.readUIntBE(at, 3);
    if (at + 9 + len > data.length) break;
    out.push({
      type: data[at + 3] as number,
      flags: data[at + 4] as number,
      stream: data.readUInt32BE(at + 5) & 0x7fffffff,
      payload: data.subarray(at + 9, at + 9 + len),
    });
    at += 9 + len;
  }
  return out;
}

/** The GOAWAY error code the server sent, if any. */
export function goawayCode(frames: readonly Frame[]): number | undefined {
  const g = frames.find((f) => f.type === FrameType.GOAWAY);
  return g === undefined ? undefined : g.payload.readUInt32BE(4);
}

export interface H2Conn {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server closed the connection (or after `timeoutMs`, with false). */
  closed(timeoutMs: number): Promise<boolean>;
}

/** A plain-text (h2c, prior knowledge) connection that has sent the preface and an empty SETTINGS. */
export function h2c(port: number): Promise<H2Conn> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let isClosed = false;
    const waiters: (() => void)[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([PREFACE, settingsFrame()]));
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed: (timeoutMs) =>
          isClosed
            ? Promise.resolve(true)
            : new Promise<boolean>((r) => {
                const t = setTimeout(() => r(false), timeoutMs);
                waiters.push(() => {
                  clearTimeout(t);
                  r(true);
                });
              }),
      });
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      if (chunks.length === 0 && !isClosed) reject(err);
    });
    socket.on('close', () => {
      isClosed = true;
      for (const w of waiters.splice(0)) w();
    });
  });
}
