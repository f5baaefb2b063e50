/**
 * Content-coding negotiation (RFC 9110 §12.5.3) for the codings this proxy produces: which one a client's
 * Accept-Encoding prefers (compression picks it), and the short form of an Accept-Encoding value that
 * keeps exactly what matters to those codings (the cache keys and forwards it: cache/accept-encoding.ts).
 */

export type Encoding = 'br' | 'gzip';

/** The q-values an Accept-Encoding value gives br and gzip (0: not acceptable). */
export interface CodingWeights {
  readonly br: number;
  readonly gzip: number;
}

/** The weights of br and gzip in an Accept-Encoding value (a coding it does not name takes `*`'s). */
export function codingWeights(acceptEncoding: string): CodingWeights {
  if (acceptEncoding === '') return { br: 0, gzip: 0 };
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
  const any = weights.get('*') ?? 0;
  return { br: weights.get('br') ?? any, gzip: weights.get('gzip') ?? any };
}

/** The encoding to use for an Accept-Encoding value (br on a tie), or undefined when none is acceptable. */
export function negotiateEncoding(acceptEncoding: string): Encoding | undefined {
  const { br, gzip } = codingWeights(acceptEncoding);
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return undefined;
}
