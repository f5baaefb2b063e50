/**
 * What a response status says about framing (RFC 9110 §6.4.1, §8.6), for every writer and the upstream
 * reader: one definition instead of one per file.
 */

/** Statuses whose response never has content, whatever its fields say: 1xx, 204, 304. */
export function bodiless(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** Statuses that must not carry Content-Length at all (a 304 may: the length the 200 would have had). */
export function lengthForbidden(status: number): boolean {
  return status === 204 || status < 200;
}
