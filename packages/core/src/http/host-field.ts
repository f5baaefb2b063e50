/**
 * The Host field (and HTTP/2's `:authority`) checked against RFC 3986's `host [ ":" port ]` (RFC 9110
 * §7.2, RFC 9112 §3.2: a server answers 400 to an invalid Host). The value names the authority the cache
 * keys on and the backend is asked for: a `/`, `?`, `#`, `@` or space in it would let one request name
 * another URI's cache entry (`Host: site/a` + `/b` keyed like `site/a/b`), so it is refused, not encoded.
 * An empty value is valid (RFC 9112 §3.2: a target without an authority).
 */

/** `[IPv6 or IPvFuture]` or a reg-name / IPv4 (unreserved, pct-encoded, sub-delims), then an optional port. */
const HOST_RE = /^(?:\[[0-9A-Za-z:.\-_~!$&'()*+,;=]+\]|[0-9A-Za-z\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** True when `value` is a valid Host field value (or `:authority`). */
export function validHost(value: string): boolean {
  return HOST_RE.test(value);
}
