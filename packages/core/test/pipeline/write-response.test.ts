import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeResponse } from '../../src/pipeline/write-response.js';
import { closeServerAfterEach, getExchange } from './exchange-fixtures.js';

const track = closeServerAfterEach();

/** A server answering every request with the stream `makeBody()` returns, through writeResponse. */
async function serve(makeBody: () => Readable): Promise<number> {
  const s = createServer((_req, res) =>
    writeResponse(
      res,
      getExchange('/', { status: 200, headers: { 'content-type': 'text/plain' }, body: makeBody() }),
      false,
    ),
  );
  track(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

function fetchRaw(port: number): Promise<{ res: IncomingMessage; body: string; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      let aborted = false;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('aborted', () => {
        aborted = true;
      });
      res.on('error', () => {
        aborted = true;
      });
      res.on('close', () => resolve({ res, body, aborted: aborted || !res.complete }));
    });
    req.on('error', reject);
  });
}

describe('writeResponse with a streamed body', () => {
  it('streams the whole body, chunked, and ends the response', async () => {
    const port = await serve(() => Readable.from(['ab', 'cd', 'ef']));
    const r = await fetchRaw(port);
    expect(r.res.statusCode).toBe(200);
    expect(r.res.headers['transfer-encoding']).toBe('chunked');
    expect(r.body).toBe('abcdef');
    expect(r.aborted).toBe(false);
  });

  it('aborts the client response when the body fails midway', async () => {
    const port = await serve(() => {
      const body = new PassThrough();
      body.write('partial');
      setTimeout(() => body.destroy(new Error('upstream reset')), 20);
      return body;
    });
    const r = await fetchRaw(port);
    expect(r.body).toBe('partial');
    expect(r.aborted).toBe(true);
  });

  it('destroys the body when the client goes away before it ends', async () => {
    let body: PassThrough | undefined;
    const bodyClosed = new Promise<boolean>((resolve) => {
      void serve(() => {
        body = new PassThrough();
        body.write('first');
        body.on('close', () => resolve(body?.destroyed === true));
        return body;
      }).then((port) => {
        const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.once('data', () => req.destroy());
        });
        req.on('error', () => {});
      });
    });
    expect(await bodyClosed).toBe(true);
    expect(body?.readableEnded).toBe(false);
  });
});
