/**
 * Regression (found by test/e2e): a chunked body that passed server.max_body_size before any module
 * read it emitted an unhandled 'error' on the limiter and crashed the whole proxy process.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { limitBody } from '../../src/http/body-limit.js';

describe('limitBody', () => {
  it('keeps the over-limit error for a later reader instead of throwing it unhandled', async () => {
    const source = new PassThrough();
    const limited = limitBody(source, 10);
    source.write(Buffer.alloc(20));
    await new Promise((r) => setTimeout(r, 20));
    expect(limited.destroyed).toBe(true);
    expect((limited.errored as { code?: string } | null)?.code).toBe('PC_ERR_BODY_TOO_LARGE');
    // A reader that arrives late (the upstream request) still gets the coded error.
    await expect(async () => {
      for await (const _ of limited) {
        // drain
      }
    }).rejects.toMatchObject({ code: 'PC_ERR_BODY_TOO_LARGE' });
  });
});
