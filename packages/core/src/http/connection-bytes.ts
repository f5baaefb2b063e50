/**
 * Bytes of a client connection already charged to earlier requests, per transport. Shared by the node:http
 * path and the HTTP/1.1 fast lane, so that a connection handed from the lane to node:http goes on counting
 * where the lane stopped (each request is charged only its own bytes in the access log and metrics).
 */

/** A connection's byte counters as the transports expose them. */
export interface ByteCounting {
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

interface Charged {
  read: number;
  written: number;
}

const charged = new WeakMap<ByteCounting, Charged>();

/** The bytes read and written on `conn` since the previous call for it (or since it opened). */
export function chargeBytes(conn: ByteCounting): { bytesIn: number; bytesOut: number } {
  let c = charged.get(conn);
  if (c === undefined) {
    c = { read: 0, written: 0 };
    charged.set(conn, c);
  }
  const read = conn.bytesRead;
  const written = conn.bytesWritten;
  const out = { bytesIn: read - c.read, bytesOut: written - c.written };
  c.read = read;
  c.written = written;
  return out;
}
