/**
 * The lane's write batch over real loopback sockets: writes made in one event-loop turn stay corked until
 * the turn's check phase, then leave in order; a full batch sends early.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Batched, WriteBatch } from '../../src/http/write-batch.js';

interface Pair {
  /** The side the batch writes to. */
  readonly conn: Batched;
  /** Everything the peer has received so far. */
  received(): string;
  /** Resolves once the peer has received `n` bytes in all. */
  receivedAtLeast(n: number): Promise<string>;
}

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function pair(): Promise<Pair> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  sockets.push(client);
  await once(client, 'connect');
  const [socket] = await accepted;
  sockets.push(socket);
  let text = '';
  const waiters: (() => void)[] = [];
  client.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const receivedAtLeast = async (n: number): Promise<string> => {
    while (text.length < n) await new Promise<void>((r) => waiters.push(r));
    return text;
  };
  return { conn: { socket, held: false }, received: () => text, receivedAtLeast };
}

const checkPhase = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What the lane does for an answer: joins the batch, then writes. */
function answer(batch: WriteBatch, p: Pair, text: string): void {
  batch.hold(p.conn);
  p.conn.socket.write(text);
}

/** Makes `first` the turn's first answer (which leaves at once), so that later holds in the turn cork. */
function openTurn(batch: WriteBatch, first: Pair): void {
  answer(batch, first, 'first of the turn');
}

describe('WriteBatch', () => {
  it("sends the turn's first answer at once and holds nothing for a turn with one answer", async () => {
    const p = await pair();
    const batch = new WriteBatch();
    answer(batch, p, 'alone');
    expect(p.conn.held).toBe(false);
    expect(p.conn.socket.writableCorked).toBe(0);
    expect(await p.receivedAtLeast(5)).toBe('alone');
    // The next turn starts afresh: its first answer leaves at once too.
    await checkPhase();
    answer(batch, p, ' again');
    expect(p.conn.socket.writableCorked).toBe(0);
    expect(await p.receivedAtLeast(11)).toBe('alone again');
  });

  it('corks a later connection once per turn and sends its writes, in order, in the check phase', async () => {
    const [first, p] = await Promise.all([pair(), pair()]);
    const batch = new WriteBatch();
    openTurn(batch, first);
    answer(batch, p, 'first ');
    answer(batch, p, 'second');
    expect(p.conn.held).toBe(true);
    expect(p.conn.socket.writableCorked).toBe(1);
    // Still in the stream's buffer: nothing was handed to the kernel yet.
    expect(p.conn.socket.writableLength).toBe('first second'.length);
    await checkPhase();
    expect(p.conn.held).toBe(false);
    expect(p.conn.socket.writableCorked).toBe(0);
    expect(await p.receivedAtLeast(12)).toBe('first second');
  });

  it('holds every later connection written in the turn and releases them all together', async () => {
    const [first, ...pairs] = await Promise.all([pair(), pair(), pair(), pair()]);
    const batch = new WriteBatch();
    openTurn(batch, first);
    pairs.forEach((p, i) => {
      answer(batch, p, `answer ${i}`);
    });
    for (const p of pairs) expect(p.conn.socket.writableLength).toBe(8);
    await checkPhase();
    const got = await Promise.all(pairs.map((p) => p.receivedAtLeast(8)));
    expect(got).toEqual(['answer 0', 'answer 1', 'answer 2']);
  });

  it('sends the held connections at once when the batch is full, and holds the next one', async () => {
    const [first, ...pairs] = await Promise.all([pair(), pair(), pair(), pair()]);
    const batch = new WriteBatch(2);
    openTurn(batch, first);
    answer(batch, pairs[0], 'a');
    answer(batch, pairs[1], 'b');
    answer(batch, pairs[2], 'c');
    // The first two left when the third was held; the third waits for the check phase.
    expect(pairs[0].conn.held).toBe(false);
    expect(pairs[0].conn.socket.writableCorked).toBe(0);
    expect(pairs[1].conn.socket.writableCorked).toBe(0);
    expect(pairs[2].conn.held).toBe(true);
    expect(pairs[2].conn.socket.writableLength).toBe(1);
    expect(await pairs[0].receivedAtLeast(1)).toBe('a');
    expect(await pairs[1].receivedAtLeast(1)).toBe('b');
    expect(pairs[2].received()).toBe('');
    await checkPhase();
    expect(await pairs[2].receivedAtLeast(1)).toBe('c');
  });

  it('release() sends one connection at once; held again, it waits for the check phase once more', async () => {
    const [first, early, other] = await Promise.all([pair(), pair(), pair()]);
    const batch = new WriteBatch();
    openTurn(batch, first);
    answer(batch, early, 'head ');
    answer(batch, other, 'other');
    batch.release(early.conn);
    expect(early.conn.held).toBe(false);
    expect(early.conn.socket.writableCorked).toBe(0);
    expect(other.conn.socket.writableCorked).toBe(1);
    early.conn.socket.write('large body');
    expect(await early.receivedAtLeast(15)).toBe('head large body');
    // Awaiting I/O may have ended the turn: start one (again) so that the next hold corks.
    openTurn(batch, first);
    answer(batch, early, ' tail');
    expect(early.conn.socket.writableCorked).toBe(1);
    await checkPhase();
    expect(early.conn.socket.writableCorked).toBe(0);
    expect(other.conn.socket.writableCorked).toBe(0);
    expect(await early.receivedAtLeast(20)).toBe('head large body tail');
    expect(await other.receivedAtLeast(5)).toBe('other');
  });

  it('a connection destroyed while held is released without error and its writes are dropped', async () => {
    const [first, gone, kept] = await Promise.all([pair(), pair(), pair()]);
    const batch = new WriteBatch();
    openTurn(batch, first);
    answer(batch, gone, 'never sent');
    answer(batch, kept, 'sent');
    gone.conn.socket.destroy();
    await checkPhase();
    expect(gone.conn.held).toBe(false);
    expect(await kept.receivedAtLeast(4)).toBe('sent');
    expect(gone.received()).toBe('');
  });

  it('end() on a held connection sends at once; the later release changes nothing', async () => {
    const [first, p] = await Promise.all([pair(), pair()]);
    const batch = new WriteBatch();
    openTurn(batch, first);
    answer(batch, p, 'last answer');
    expect(p.conn.socket.writableCorked).toBe(1);
    p.conn.socket.end();
    // end() uncorks: the answer does not wait for the batch.
    expect(p.conn.socket.writableCorked).toBe(0);
    await checkPhase();
    expect(p.conn.held).toBe(false);
    expect(p.conn.socket.writableCorked).toBe(0);
    expect(await p.receivedAtLeast(11)).toBe('last answer');
  });
});
