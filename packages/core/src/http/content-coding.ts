/**
 * Content-coding negotiation (RFC 9110 §12.5.3): which of the codings this proxy produces a client's
 * Accept-Encoding prefers. Compression uses it to pick a coding; the cache uses it to reduce the many
 * spellings browsers send to the one choice that matters (cache/accept-encoding.ts).
 */

export type Encoding = 'br' | 'gzip';

/** Supported encodings in order of preference when the client weighs them equally. */
const SUPPORTED: readonly Encoding[] = ['br', 'gzip'];

/** The encoding to use for an Accept-Encoding value, or undefined when none is acceptable. */
export function negotiateEncoding(acceptEncoding: string): Encoding | undefined {
  if (acceptEncoding === '') return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [codingRaw, ...params] = part.split(';');
    const coding = (codingRaw ?? '').trim().toLowerCase();
    if (coding === '') continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m !== null) q = Number(m[1]);
    }
    weights.set(coding, Number.isFinite(q) ? q : 0);
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const enc of SUPPORTED) {
    const q = weights.get(enc) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  return best;
}
