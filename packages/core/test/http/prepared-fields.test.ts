/**
 * Prepared header lines (ResponseState.prepared): a cache hit's stored fields are serialised once and sent
 * as bytes while the response still holds them unchanged; anything added, changed or removed by the
 * pipeline is written from the response's own record, and the wire head means the same as without them.
 */
import { describe, expect, it } from 'vitest';
import { type H1Head, headBytes, InvalidHead, serializeHead } from '../../src/http/h1-response-head.js';
import type { HeaderRecord, ResponseState } from '../../src/pipeline/host.js';

const body = Buffer.from('hello');

function stored(): HeaderRecord {
  return {
    'content-type': 'text/plain',
    'cache-control': 'public, max-age=60',
    date: 'Thu, 26 Nov 2026 04:00:00 GMT',
    etag: '"v1"',
    'content-length': '5',
    age: '3',
    'x-cache': 'HIT',
  };
}

function head(r: ResponseState, isHead = false, close = false, altSvc?: string): H1Head {
  return serializeHead(r, isHead, close, altSvc, 5);
}

function wire(h: H1Head): string {
  const b = headBytes(h);
  return typeof b === 'string' ? b : b.toString('latin1');
}

/** The fields of a serialised head as sorted `name: value` lines, without the status line. */
function fields(h: H1Head): string[] {
  return wire(h)
    .split('\r\n')
    .slice(1)
    .filter((l) => l !== '')
    .sort();
}

describe('prepared fields (cache hits written from stored bytes)', () => {
  it('a hit whose headers are an unchanged copy sends the stored fields as prepared bytes, same fields', () => {
    const source = stored();
    const prepared = head({ status: 200, headers: { ...source }, body, prepared: source });
    const plain = head({ status: 200, headers: { ...source }, body });
    expect(prepared.prepared).toBeInstanceOf(Buffer);
    expect(plain.prepared).toBeUndefined();
    expect(fields(prepared)).toEqual(fields(plain));
    // the writer's own fields stay in the text, the stored ones are in the bytes
    expect(prepared.text).toMatch(/^HTTP\/1\.1 200 OK\r\ncontent-length: 5\r\nconnection: keep-alive\r\n/);
    expect(prepared.text).not.toContain('etag');
    expect(prepared.prepared?.toString('latin1')).toBe(
      'content-type: text/plain\r\ncache-control: public, max-age=60\r\ndate: Thu, 26 Nov 2026 04:00:00 GMT\r\n' +
        'etag: "v1"\r\nage: 3\r\nx-cache: HIT\r\n\r\n',
    );
    // the stored Date is kept: no second Date line
    expect(wire(prepared).match(/^date:/gim)).toHaveLength(1);
  });

  it('fields a module adds are written besides the prepared bytes', () => {
    const source = stored();
    const headers = { ...source, 'x-request-id': 'abc' };
    const h = head({ status: 200, headers, body, prepared: source });
    expect(h.prepared).toBeInstanceOf(Buffer);
    expect(h.text).toContain('x-request-id: abc\r\n');
    expect(fields(h)).toEqual(fields(head({ status: 200, headers, body })));
  });

  it.each([
    [
      'changed',
      (h: HeaderRecord) => {
        h.etag = 'W/"v1"';
      },
    ],
    ['removed', (h: HeaderRecord) => void delete h['cache-control']],
    [
      'set to undefined',
      (h: HeaderRecord) => {
        h['x-cache'] = undefined;
      },
    ],
  ])('a stored field %s by the pipeline: the whole head is written from the response', (_, change) => {
    const source = stored();
    const headers = { ...source };
    change(headers);
    const h = head({ status: 200, headers, body, prepared: source });
    expect(h.prepared).toBeUndefined();
    expect(fields(h)).toEqual(fields(head({ status: 200, headers, body })));
  });

  it('a source record changed in place (Age moving on) gets new lines, never the old value', () => {
    const source = stored();
    const first = head({ status: 200, headers: { ...source }, body, prepared: source });
    expect(first.prepared?.toString('latin1')).toContain('age: 3\r\n');
    source.age = '4';
    const second = head({ status: 200, headers: { ...source }, body, prepared: source });
    expect(second.prepared?.toString('latin1')).toContain('age: 4\r\n');
    expect(wire(second)).not.toContain('age: 3');
    // a response copied before the change no longer matches the record: written from its own fields
    const stale = { ...source, age: '3' };
    const third = head({ status: 200, headers: stale, body, prepared: source });
    expect(third.prepared).toBeUndefined();
    expect(wire(third)).toContain('age: 3\r\n');
    expect(wire(third)).not.toContain('age: 4');
  });

  it('a field set again to an equal value still goes out from the prepared bytes (values, not objects, count)', () => {
    const source = stored();
    const headers = { ...source, age: String(3) };
    const h = head({ status: 200, headers, body, prepared: source });
    expect(h.prepared).toBeInstanceOf(Buffer);
    expect(wire(h).match(/^age: 3\r$/gm)).toHaveLength(1);
  });

  it('a stored field the pipeline overwrites on every answer: after one miss the lines rest until the record changes', () => {
    const source: HeaderRecord = { ...stored(), 'x-request-id': 'from-origin' };
    const answer = () => ({ ...source, 'x-request-id': 'per-request' });
    const first = head({ status: 200, headers: answer(), body, prepared: source });
    const second = head({ status: 200, headers: answer(), body, prepared: source });
    for (const h of [first, second]) {
      expect(h.prepared).toBeUndefined();
      expect(fields(h)).toEqual(fields(head({ status: 200, headers: answer(), body })));
    }
    // even an unchanged copy is written without them now
    expect(head({ status: 200, headers: { ...source }, body, prepared: source }).prepared).toBeUndefined();
    // the record moves on (a new Age): new lines, tried again
    source.age = '4';
    const fresh = head({ status: 200, headers: { ...source }, body, prepared: source });
    expect(fresh.prepared?.toString('latin1')).toContain('age: 4\r\n');
  });

  it('the same lines are reused while the record is unchanged', () => {
    const source = stored();
    const a = head({ status: 200, headers: { ...source }, body, prepared: source });
    const b = head({ status: 200, headers: { ...source }, body, prepared: source });
    expect(b.prepared).toBe(a.prepared);
  });

  it('framing and connection fields stay the writer’s: content-length from the body, close when asked', () => {
    const source = { ...stored(), connection: 'keep-alive', 'transfer-encoding': 'chunked' };
    const headers = { ...source };
    const h = head({ status: 200, headers, body: Buffer.from('0123456789'), prepared: source }, false, true);
    expect(h.prepared?.toString('latin1')).not.toMatch(/content-length|connection|transfer-encoding/);
    expect(wire(h)).toContain('content-length: 10\r\n');
    expect(wire(h)).toContain('connection: close\r\n');
    expect(wire(h)).not.toContain('transfer-encoding');
    expect(h.close).toBe(true);
  });

  it('repeated (list) fields are written by the writer, each value once', () => {
    const source: HeaderRecord = { ...stored(), link: ['</a>; rel=preload', '</b>; rel=preload'] };
    const h = head({ status: 200, headers: { ...source }, body, prepared: source });
    expect(h.prepared).toBeInstanceOf(Buffer);
    expect(wire(h).match(/^link: /gm)).toHaveLength(2);
    expect(h.prepared?.toString('latin1')).not.toContain('link');
  });

  it('HEAD: same head, no body follows', () => {
    const source = stored();
    const h = head({ status: 200, headers: { ...source }, body: undefined, prepared: source }, true);
    expect(h.hasBody).toBe(false);
    expect(wire(h)).toContain('content-length: 5\r\n');
    expect(wire(h).endsWith('\r\n\r\n')).toBe(true);
  });

  it('a stored field that is not valid on the wire is refused as without prepared lines', () => {
    const source = { ...stored(), 'x-bad': 'a\r\nb' };
    expect(() => head({ status: 200, headers: { ...source }, body, prepared: source })).toThrow(InvalidHead);
  });

  it('an Alt-Svc among the stored fields is not sent twice', () => {
    const source = { ...stored(), 'alt-svc': 'h3=":443"' };
    const h = head(
      { status: 200, headers: { ...source }, body, prepared: source },
      false,
      false,
      'h3=":8443"',
    );
    expect(wire(h).match(/^alt-svc:/gim)).toHaveLength(1);
    expect(wire(h)).toContain('alt-svc: h3=":443"\r\n');
  });
});
