/**
 * The shared HTTP cache behind `std.cache.*` (RFC 9111). One instance per cache module, kept across
 * reloads. `check` runs in on_request and stays synchronous for the memory tier: a hit is answered from
 * the stored headers and body buffer with nothing but Age and X-Cache added. Whatever has to wait (a
 * follower of a coalesced miss, a lookup in the Redis tier) is left as a note that `std.proxy.forward`
 * awaits before going upstream, so the memory hit path never allocates a promise.
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import type { Logger } from 'pino';
import { failExchange } from '../pipeline/error-response.js';
import { ProxyExchange } from '../pipeline/exchange.js';
import {
  type HeaderRecord,
  type HostExchange,
  type HostServices,
  NOTE_UPSTREAM_BACKEND,
  type ResponseState,
} from '../pipeline/host.js';
import { normalizeAcceptEncoding } from './accept-encoding.js';
import { type Directives, deltaSeconds, fieldValue, parseDirectives } from './cache-control.js';
import { languageSelects, primaryKey, varyMatches, varyNames, varyPairs } from './cache-key.js';
import { Coalescer } from './coalescer.js';
import {
  addValidators,
  clientCopyIsCurrent,
  clientCopyIsCurrentFor,
  hasClientConditional,
  notModifiedHeaders,
  takeClientConditionals,
  validates,
} from './conditional.js';
import {
  controlFields,
  copyHeaders,
  freshened,
  makeEntry,
  type StoredResponse,
  storedHeaders,
} from './entry.js';
import {
  currentAge,
  type FreshnessPolicy,
  notStorable,
  postReusable,
  responseDirectives,
} from './freshness.js';
import { displacesComplete, MemoryStore } from './memory-store.js';
import { type ByteSpan, contains, requestedRange, resolveRange, storedRange } from './range.js';
import type { RedisStore } from './redis-store.js';
import { type PurgeSpec, parsePurgeKey, type StoreLimits } from './store.js';

/** Named cache states, as written to logs; X-Cache carries the upper-case form of the first four. */
export type CacheState = 'hit' | 'miss' | 'stale' | 'revalidated' | 'bypass';

/** `notes` key holding a `(x) => Promise<boolean>` that std.proxy.forward awaits first (true: answered). */
export const NOTE_BEFORE_FORWARD = 'cache.before_forward';
/** `notes` key holding the CacheState of the request. */
export const NOTE_STATE = 'cache.state';

const NOTE_KEY = 'cache.key';
const NOTE_LEADER = 'cache.leader';
const NOTE_REVALIDATE = 'cache.revalidate';
const NOTE_REQUEST_TIME = 'cache.request_time';
const NOTE_UNSAFE = 'cache.unsafe';
/** Times a follower waits for a leader (then leads itself) before going upstream on its own. */
const MAX_FOLLOW_ROUNDS = 3;
/** The client's preconditions taken off a miss (takeClientConditionals), answered in store(). */
const NOTE_HELD_CONDITIONALS = 'cache.held_conditionals';

const X_CACHE: Readonly<Record<CacheState, string | undefined>> = {
  hit: 'HIT',
  miss: 'MISS',
  stale: 'STALE',
  revalidated: 'REVALIDATED',
  bypass: undefined,
};

/** Methods that never invalidate (RFC 9110 §9.2.1 safe methods). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * How long misses for a key whose last response was not storable skip coalescing (Varnish's
 * hit-for-miss, 120 s there too): waiting for a leader whose answer cannot be shared only delays them.
 */
export const UNCACHEABLE_MEMO_MS = 120_000;
/** Keys remembered as uncacheable at most. */
const UNCACHEABLE_MEMO_MAX = 10_000;

/** Largest Age value sent (RFC 9111 §5.1). */
const AGE_MAX = 2_147_483_648;

/**
 * This cache's device token for Surrogate-Control targeting (W3C Edge Architecture): advertised
 * upstream as `Surrogate-Capability: proxycache="Surrogate/1.0"`, so that an origin can aim
 * `max-age=…;proxycache` at it.
 */
export const SURROGATE_TOKEN = 'proxycache';
const SURROGATE_CAPABILITY = `${SURROGATE_TOKEN}="Surrogate/1.0"`;

/**
 * How a stored response answers one request: whole (as stored), as a byte range out of it (`offset`
 * is where the stored body starts in the representation), or 416 for a range beyond its end.
 */
type Answer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'range'; readonly span: ByteSpan; readonly complete: number; readonly offset: number }
  | { readonly kind: 'unsatisfiable'; readonly complete: number };

const WHOLE: Answer = { kind: 'whole' };

/**
 * RFC 9110 §14 / RFC 9111 §3.3: what a stored response can answer. A complete 200 serves any single
 * range of a GET; a stored 206 serves only GETs for a range wholly inside it (undefined: not usable).
 */
function answerFor(entry: StoredResponse, method: string, requestHeaders: HeaderRecord): Answer | undefined {
  const partial = entry.status === 206;
  if (method !== 'GET' || requestHeaders.range === undefined) return partial ? undefined : WHOLE;
  if (entry.status !== 200 && !partial) return WHOLE;
  const lm = entry.headers['last-modified'];
  const spec = requestedRange(requestHeaders, entry.meta.etag, typeof lm === 'string' ? lm : undefined);
  if (spec === undefined) return partial ? undefined : WHOLE;
  if (!partial) {
    const span = resolveRange(spec, entry.body.length);
    if (span === 'unsatisfiable') return { kind: 'unsatisfiable', complete: entry.body.length };
    return { kind: 'range', span, complete: entry.body.length, offset: 0 };
  }
  const stored = storedRange(entry.headers, entry.body.length);
  if (stored === undefined) return undefined;
  const span = resolveRange(spec, stored.complete);
  if (span === 'unsatisfiable' || !contains(stored, span)) return undefined;
  return { kind: 'range', span, complete: stored.complete, offset: stored.start };
}

/** Everything configurable, read from the module's `[cache]` section. */
export interface CacheSettings extends StoreLimits {
  readonly policy: FreshnessPolicy;
  /** Collapse concurrent misses for one key into one upstream request. */
  readonly coalesce: boolean;
  /** Longest a follower waits for its leader (ms) before going upstream itself. */
  readonly coalesceWaitMs: number;
  /** Reduce Accept-Encoding to what it says of br and gzip, before lookup and forwarding. */
  readonly normalizeAcceptEncoding?: boolean;
}

/** What a stale-while-revalidate refresh needs from the host. */
export interface RefreshHost {
  readonly services: HostServices;
  readonly logger: Logger;
}

interface Revalidation {
  readonly entry: StoredResponse;
  /** The client's own preconditions, before the cache added its validators. */
  readonly client: HeaderRecord;
}

/** Passes chunks through while keeping a copy up to `limit` bytes; reports the copy or undefined. */
class TeeToBuffer extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflow = false;

  constructor(
    private readonly limit: number,
    private readonly onEnd: (body: Buffer | undefined) => void,
  ) {
    super();
  }

  private drainOnly = false;

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, callback: TransformCallback): void {
    if (!this.overflow) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.size += buf.length;
      if (this.size > this.limit) {
        this.overflow = true;
        this.chunks = [];
      } else this.chunks.push(buf);
    }
    if (this.overflow && this.drainOnly) {
      // Nobody reads the body and it cannot be stored: stop fetching it.
      callback();
      this.destroy();
      return;
    }
    callback(null, chunk);
  }

  /** Whether the store still wants this body when its client has gone (write-response.ts StillWanted). */
  wanted: (() => boolean) | undefined = undefined;

  stillWanted(): boolean {
    return this.wanted?.() === true;
  }

  /** No client reads this body any more: it is read to the end only for the store (up to the limit). */
  drainUnread(): void {
    this.drainOnly = true;
    if (this.overflow) this.destroy();
    else this.resume();
  }

  override _flush(callback: TransformCallback): void {
    this.onEnd(this.overflow ? undefined : Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    callback();
  }
}

/** Shared results of requestDirectives: callers only read them (frozen against a stray mutation). */
const NO_DIRECTIVES: Directives = Object.freeze(new Map<string, string>());
const PRAGMA_NO_CACHE: Directives = Object.freeze(new Map([['no-cache', '']]));

function requestDirectives(headers: HeaderRecord): Directives {
  const cc = headers['cache-control'];
  const pragma = headers.pragma;
  // Most requests carry neither: no Map, no regex.
  if (cc === undefined && pragma === undefined) return NO_DIRECTIVES;
  const ccValue = fieldValue(headers, 'cache-control');
  if (ccValue !== '') return parseDirectives(ccValue);
  // RFC 9111 §5.4: Pragma: no-cache counts only when there is no Cache-Control.
  return /(^|,)\s*no-cache\s*(,|$)/i.test(fieldValue(headers, 'pragma')) ? PRAGMA_NO_CACHE : NO_DIRECTIVES;
}

function ignore(): void {}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * Pipes the origin body into the tee with stream.pipeline's teardown, without the AbortController and
 * DOMException pipeline() makes per call (as write-response.ts pipeBody): a body that fails or closes
 * before its end destroys the tee with that error; a tee destroyed before it took the whole body (the
 * client left, the response was replaced) destroys the body. `onFail` runs in both cases.
 */
/**
 * `body` in memory of its own: a buffer that is a view (a slice of undici's read buffer, or of node's
 * shared pool) would keep the whole allocation alive for as long as the entry lives, unseen by max_bytes.
 */
function ownBytes(body: Buffer): Buffer {
  if (body.byteOffset === 0 && body.buffer.byteLength === body.length) return body;
  const own = Buffer.allocUnsafeSlow(body.length);
  body.copy(own);
  return own;
}

function teeBody(body: Readable, tee: Transform, onFail: () => void): void {
  // Errors reach the response writer through the tee; these listeners keep pipe() from rethrowing them.
  tee.on('error', ignore);
  tee.once('close', () => {
    if (tee.writableFinished) return;
    if (!body.destroyed) body.destroy();
    onFail();
  });
  body.on('error', (err: Error) => {
    tee.destroy(err);
  });
  const stop = (): void => {
    if (!body.readableEnded && !tee.destroyed) tee.destroy(body.errored ?? prematureClose());
  };
  if (body.destroyed) {
    stop();
    return;
  }
  body.once('close', stop);
  body.pipe(tee);
}

/**
 * What a request that goes upstream (a miss or a revalidation) needs: the notes store() reads, and the
 * Surrogate-Capability for the origin (a hit, which goes nowhere, is spared both).
 */
function goingUpstream(x: HostExchange, key: string, requestTime: number): void {
  advertiseSurrogate(x.requestHeaders);
  const notes = x.notes;
  notes.set(NOTE_KEY, key);
  notes.set(NOTE_STATE, 'miss' satisfies CacheState);
  notes.set(NOTE_REQUEST_TIME, requestTime);
}

/**
 * The stored headers of a whole answer with `age` (in seconds) and `x-cache: HIT` added, in that order,
 * made on an entry's first hit and kept on it: a hit then copies one record and allocates nothing else
 * unless Age moved on since the previous one (at most once a second). Callers copy the result.
 */
function hitHeaders(entry: StoredResponse, age: number): HeaderRecord {
  let prepared = entry.hitHeaders;
  if (prepared === undefined) {
    const headers = copyHeaders(entry.headers);
    headers.age = String(age);
    headers['x-cache'] = X_CACHE.hit;
    prepared = { headers, ageSeconds: age };
    entry.hitHeaders = prepared;
  } else if (prepared.ageSeconds !== age) {
    prepared.headers.age = String(age);
    prepared.ageSeconds = age;
  }
  return prepared.headers;
}

function setResponse(x: HostExchange, r: ResponseState): void {
  const prev = x.response?.body;
  // A replaced upstream body is destroyed; undici then emits "Request aborted", which nobody awaits.
  if (prev !== undefined && !Buffer.isBuffer(prev) && prev !== r.body) prev.on('error', ignore);
  if (x instanceof ProxyExchange) x.replaceResponse(r);
  else {
    const prev = x.response?.body;
    if (prev !== undefined && !Buffer.isBuffer(prev) && prev !== r.body) prev.destroy();
    x.response = r;
  }
}

/**
 * RFC 9111 §4.3.5: does a 200 to HEAD describe the stored GET response? Each validator it carries
 * (at least one) must equal the stored one, and a Content-Length must equal the stored body's length.
 */
function headDescribes(head: HeaderRecord, entry: StoredResponse): boolean {
  const etag = typeof head.etag === 'string' ? head.etag.trim() : undefined;
  const lm = typeof head['last-modified'] === 'string' ? head['last-modified'].trim() : undefined;
  if (etag === undefined && lm === undefined) return false;
  if (etag !== undefined && etag !== entry.meta.etag) return false;
  const storedLm = entry.headers['last-modified'];
  if (lm !== undefined && (typeof storedLm !== 'string' || storedLm.trim() !== lm)) return false;
  const length = head['content-length'];
  return length === undefined || length === String(entry.body.length);
}

/** Appends this cache's Surrogate-Capability (W3C Edge Architecture) to an upstream request. */
function advertiseSurrogate(headers: HeaderRecord): void {
  const prior = headers['surrogate-capability'];
  if (prior === undefined) headers['surrogate-capability'] = SURROGATE_CAPABILITY;
  else {
    const list = typeof prior === 'string' ? prior : prior.join(', ');
    if (!list.includes(`${SURROGATE_TOKEN}=`))
      headers['surrogate-capability'] = `${list}, ${SURROGATE_CAPABILITY}`;
  }
}

/**
 * RFC 9111 §4.1: the most recent variant whose Vary'd request values match; failing that, one the
 * request selects by its preferred language (cache-key.ts languageSelects).
 */
function selectVariant(
  variants: readonly StoredResponse[],
  requestHeaders: HeaderRecord,
): StoredResponse | undefined {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i] as StoredResponse;
    if (varyMatches(v.vary, requestHeaders)) return v;
  }
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i] as StoredResponse;
    if (v.vary.length > 0 && languageSelects(v.vary, v.headers['content-language'], requestHeaders)) return v;
  }
  return undefined;
}

export class HttpCache {
  memory: MemoryStore;
  /** The shared tier for the current generation, when `store = "redis"`. */
  redis: RedisStore | undefined = undefined;
  /** Wall-clock ms (replaced by each set of bindings so that tests can drive it). */
  clock: () => number = Date.now;
  private readonly coalescer: Coalescer;
  private readonly refreshing = new Set<string>();
  /** Keys whose last response was not storable → until when (clock ms) their misses are not coalesced. */
  private readonly uncacheable = new Map<string, number>();

  constructor(
    public settings: CacheSettings,
    private host: RefreshHost,
  ) {
    this.memory = new MemoryStore(settings);
    this.coalescer = new Coalescer(Math.max(1000, settings.coalesceWaitMs));
  }

  /** Applies new settings (a reload, or store()'s arguments); keeps what is stored where it fits. */
  configure(settings: CacheSettings, host: RefreshHost): void {
    const s = this.settings;
    if (
      s.maxEntries !== settings.maxEntries ||
      s.maxBytes !== settings.maxBytes ||
      s.maxObjectSize !== settings.maxObjectSize
    ) {
      this.memory = this.memory.resize(settings);
    }
    this.settings = settings;
    this.host = host;
  }

  /** In-flight coalesced misses (tests, stats). */
  get inflight(): number {
    return this.coalescer.size;
  }

  // ---- on_request ---------------------------------------------------------------------------------

  /** std.cache.check: answers from cache when it may; otherwise prepares the upstream request. */
  check(x: HostExchange): void {
    const method = x.method;
    if (method !== 'GET' && method !== 'HEAD') {
      advertiseSurrogate(x.requestHeaders);
      const notes = x.notes;
      notes.set(NOTE_STATE, 'bypass' satisfies CacheState);
      if (!SAFE_METHODS.has(method)) {
        notes.set(NOTE_UNSAFE, true);
        notes.set(NOTE_KEY, primaryKey(x.scheme, x.host, x.uri));
        notes.set(NOTE_REQUEST_TIME, this.clock());
      }
      return;
    }
    if (this.settings.normalizeAcceptEncoding === true) normalizeAcceptEncoding(x.requestHeaders);
    const key = primaryKey(x.scheme, x.host, x.uri);
    const requestTime = this.clock();
    const redis = this.redis;
    if (redis !== undefined) {
      goingUpstream(x, key, requestTime);
      x.notes.set(NOTE_BEFORE_FORWARD, async (y: HostExchange): Promise<boolean> => {
        const variants = await redis.get(key);
        return this.decide(y, key, variants, requestTime, true);
      });
      return;
    }
    this.decide(x, key, this.memory.get(key), requestTime, false);
  }

  /**
   * Chooses between hit, stale hit, revalidation and miss for a looked-up key. Returns true when `x` was
   * answered; `inForward` is true when already inside std.proxy.forward's wait (Redis tier), whose
   * caller has already written the notes of a request going upstream (goingUpstream); otherwise they
   * are written here on every path but a hit or a stale hit, which store() leaves alone.
   */
  private decide(
    x: HostExchange,
    key: string,
    variants: readonly StoredResponse[] | undefined,
    requestTime: number,
    inForward: boolean,
  ): boolean | Promise<boolean> {
    const reqCC = requestDirectives(x.requestHeaders);
    const entry = variants === undefined ? undefined : selectVariant(variants, x.requestHeaders);
    const answer = entry === undefined ? undefined : answerFor(entry, x.method, x.requestHeaders);
    if (entry === undefined || answer === undefined) {
      if (!inForward) goingUpstream(x, key, requestTime);
      if (reqCC.has('only-if-cached')) return this.gatewayTimeout(x);
      if (x.method === 'GET') {
        const held = takeClientConditionals(x.requestHeaders);
        if (held !== undefined) x.notes.set(NOTE_HELD_CONDITIONALS, held);
      }
      return this.missed(x, key, inForward, requestTime);
    }
    // The memory tier decides at request time; the Redis tier once its lookup has answered.
    const now = inForward ? this.clock() : requestTime;
    const age = currentAge(entry.meta, entry.responseTime, now);
    const freshMs = entry.meta.lifetimeMs - age;
    const mustValidate = entry.meta.noCache || (reqCC.has('no-cache') && !entry.meta.immutable);
    const maxAge = deltaSeconds(reqCC.get('max-age'));
    const minFresh = deltaSeconds(reqCC.get('min-fresh'));
    if (
      freshMs > 0 &&
      !mustValidate &&
      (maxAge === undefined || age <= maxAge * 1000) &&
      (minFresh === undefined || freshMs >= minFresh * 1000)
    ) {
      this.serve(x, entry, 'hit', age, x.requestHeaders, answer);
      return true;
    }
    if (!mustValidate && freshMs <= 0 && !entry.meta.staleForbidden) {
      const staleBy = -freshMs;
      const maxStale = reqCC.get('max-stale');
      const clientAccepts =
        maxStale !== undefined && (maxStale === '' || staleBy <= (deltaSeconds(maxStale) ?? -1) * 1000);
      if (clientAccepts || (staleBy < entry.meta.swrMs && x.method === 'GET')) {
        this.serve(x, entry, 'stale', age, x.requestHeaders, answer);
        if (!clientAccepts) this.refresh(x, entry);
        return true;
      }
    }
    if (!inForward) goingUpstream(x, key, requestTime);
    if (reqCC.has('only-if-cached')) return this.gatewayTimeout(x);
    const client: HeaderRecord = {
      'if-none-match': x.requestHeaders['if-none-match'],
      'if-modified-since': x.requestHeaders['if-modified-since'],
    };
    if (x.method === 'GET') addValidators(x.requestHeaders, entry);
    // Kept even without validators: a failing origin may then be answered stale (stale-if-error).
    x.notes.set(NOTE_REVALIDATE, { entry, client } satisfies Revalidation);
    // Concurrent requests for an expired entry revalidate it once (as Varnish collapses them): the others
    // wait and are answered from the freshened entry. Not for `no-cache` (every use needs its own
    // validation) nor a request that asks for one (`Cache-Control: no-cache` / `max-age=0`).
    if (!entry.meta.noCache && !reqCC.has('no-cache') && maxAge === undefined && minFresh === undefined)
      return this.missed(x, key, inForward, requestTime);
    return false;
  }

  private gatewayTimeout(x: HostExchange): true {
    // RFC 9111 §5.2.1.7: only-if-cached with nothing usable → 504.
    setResponse(x, { status: 504, headers: { 'content-length': '0' }, body: undefined });
    x.notes.set(NOTE_STATE, 'bypass' satisfies CacheState);
    return true;
  }

  /** A miss: lead the upstream request, or wait for the leader already in flight. */
  private missed(x: HostExchange, key: string, inForward: boolean, now: number): boolean | Promise<boolean> {
    // A range request may be answered with a part its followers could not use: it goes alone.
    const h = x.requestHeaders;
    if (
      !this.settings.coalesce ||
      x.method !== 'GET' ||
      h.authorization !== undefined ||
      h.range !== undefined ||
      this.knownUncacheable(key, now)
    )
      return false;
    if (this.coalescer.lead(key)) {
      this.leads(x, key);
      return false;
    }
    const follow = (y: HostExchange): Promise<boolean> => this.follow(y, key);
    if (inForward) return follow(x);
    x.notes.set(NOTE_BEFORE_FORWARD, follow);
    return false;
  }

  /** `x` goes upstream for `key` while others may wait for its response. */
  private leads(x: HostExchange, key: string): void {
    x.notes.set(NOTE_LEADER, key);
    // Its client leaving does not cancel the fetch the others wait for (as Varnish and nginx's
    // proxy_cache_lock finish it for the waiters); the body is then drained into the store.
    if (x instanceof ProxyExchange) x.keepUpstream = () => this.coalescer.hasFollowers(key);
  }

  /** True while `key`'s last response was found not storable (within UNCACHEABLE_MEMO_MS). */
  private knownUncacheable(key: string, now: number): boolean {
    if (this.uncacheable.size === 0) return false;
    const until = this.uncacheable.get(key);
    if (until === undefined) return false;
    if (now < until) return true;
    this.uncacheable.delete(key);
    return false;
  }

  /**
   * A leader's response was not storable: its key is remembered when requests were kept waiting for it,
   * since more will come (only a leader speaks for a key, not a request with Authorization or Range; and
   * keys nobody waited on, such as one-off URLs, are not worth remembering).
   */
  private uncacheableLeader(leader: string | undefined, now: number): void {
    if (leader === undefined || !this.coalescer.hasFollowers(leader)) return;
    const memo = this.uncacheable;
    // Emptied when full rather than trimmed oldest first: finding a Map's first entry after many deletes
    // walks over their holes (V8), and forgetting a key only brings coalescing back for it.
    if (memo.size >= UNCACHEABLE_MEMO_MAX) memo.clear();
    memo.set(leader, now + UNCACHEABLE_MEMO_MS);
  }

  /** A follower: waits for the leader, then answers from what it stored (true) or goes upstream. */
  private async follow(x: HostExchange, key: string): Promise<boolean> {
    const signal = x instanceof ProxyExchange ? x.signal : undefined;
    // Rounds: a follower that finds no variant for its request (another Vary value than the leader's)
    // leads the next fetch for the key itself, and the others of its kind wait for that one in turn.
    for (let round = 0; round < MAX_FOLLOW_ROUNDS; round++) {
      const failed = await this.coalescer.wait(key, this.settings.coalesceWaitMs, signal);
      if (failed !== undefined && x instanceof ProxyExchange) {
        // The backend did not answer the leader in time: the followers, who waited as long, get the same
        // answer now rather than each waiting another backend_timeout upstream.
        failExchange(x, failed);
        return true;
      }
      const variants = this.redis !== undefined ? await this.redis.get(key) : this.memory.get(key);
      if (this.answeredFromStore(x, variants)) return true;
      // The leader's response was not storable (remembered): everyone goes upstream at once, as before.
      if (signal?.aborted === true || this.knownUncacheable(key, this.clock())) return false;
      // A variant for this request is there but not usable (stale: the leader's revalidation failed):
      // going upstream alone, not one after another behind new leaders.
      if (variants !== undefined && selectVariant(variants, x.requestHeaders) !== undefined) return false;
      if (this.coalescer.lead(key)) {
        this.leads(x, key);
        return false;
      }
    }
    return false;
  }

  /** A follower's answer from the store, when a fresh variant fits its request (true when answered). */
  private answeredFromStore(x: HostExchange, variants: readonly StoredResponse[] | undefined): boolean {
    if (variants === undefined) return false;
    const now = this.clock();
    const v = selectVariant(variants, x.requestHeaders);
    const answer = v === undefined ? undefined : answerFor(v, x.method, x.requestHeaders);
    if (v === undefined || answer === undefined) return false;
    const age = currentAge(v.meta, v.responseTime, now);
    if (v.meta.lifetimeMs - age > 0 && !v.meta.noCache) {
      // The client's own preconditions: a revalidating request's headers carry the cache's validators.
      const conditionals =
        (x.notes.get(NOTE_HELD_CONDITIONALS) as HeaderRecord | undefined) ??
        (x.notes.get(NOTE_REVALIDATE) as Revalidation | undefined)?.client ??
        x.requestHeaders;
      this.serve(x, v, 'hit', age, conditionals, answer);
      return true;
    }
    return false;
  }

  /** Writes a stored response as the answer: the stored headers plus Age and X-Cache. */
  private serve(
    x: HostExchange,
    entry: StoredResponse,
    state: CacheState,
    ageMs: number,
    conditionals: HeaderRecord,
    answer: Answer = WHOLE,
  ): void {
    // RFC 9110 §13.2.2: If-None-Match / If-Modified-Since are evaluated before Range.
    const notModified = hasClientConditional(conditionals) && clientCopyIsCurrent(conditionals, entry);
    let status = entry.status;
    let headers: HeaderRecord | undefined;
    let body: Buffer | undefined = entry.body;
    if (notModified) {
      status = 304;
      headers = notModifiedHeaders(entry.headers);
      body = undefined;
    } else if (answer.kind === 'range') {
      // RFC 9110 §15.3.7: a single part, its Content-Range, and the stored header fields.
      const { span, complete, offset } = answer;
      status = 206;
      headers = copyHeaders(entry.headers);
      headers['content-range'] = `bytes ${span.start}-${span.end}/${complete}`;
      headers['content-length'] = String(span.end - span.start + 1);
      body = entry.body.subarray(span.start - offset, span.end - offset + 1);
    } else if (answer.kind === 'unsatisfiable') {
      // RFC 9110 §15.5.17: 416 names the current length.
      status = 416;
      headers = {
        date: entry.headers.date,
        'content-range': `bytes */${answer.complete}`,
        'content-length': '0',
      };
      body = undefined;
    } else headers = undefined;
    let prepared: HeaderRecord | undefined;
    const floored = Math.floor(ageMs / 1000);
    const age = Number.isFinite(floored) ? Math.min(floored, AGE_MAX) : AGE_MAX;
    if (headers === undefined) {
      // The whole stored response: one copy of the prepared record (the pipeline's earlier modules add
      // their own headers to it in on_response), X-Cache set only when it is not a plain hit.
      // Serialised lines pay off from an entry's second hit on: not for a record decoded per hit (Redis).
      const reused = entry.hitHeaders !== undefined;
      const record = hitHeaders(entry, age);
      if (reused) prepared = record;
      headers = copyHeaders(record);
      if (state !== 'hit') headers['x-cache'] = X_CACHE[state];
    } else {
      headers.age = String(age);
      headers['x-cache'] = X_CACHE[state];
    }
    if (x.method === 'HEAD') body = undefined;
    setResponse(x, { status, headers, body, prepared });
    x.notes.set(NOTE_STATE, state);
  }

  // ---- on_response ---------------------------------------------------------------------------------

  /** Nothing will be stored for `x` (the store is sized to nothing): requests waiting on it go on at once. */
  storeNothing(x: HostExchange): void {
    const leader = x.notes.get(NOTE_LEADER) as string | undefined;
    if (leader !== undefined) this.coalescer.release(leader);
  }

  /** std.cache.store: revalidation results, stale-if-error, invalidation, and storing. */
  store(x: HostExchange): void {
    this.storeResponse(x);
    const held = x.notes.get(NOTE_HELD_CONDITIONALS) as HeaderRecord | undefined;
    if (held !== undefined) this.answerHeldConditionals(x, held);
  }

  /**
   * A miss whose client preconditions were taken off (takeClientConditionals): a 200 that matches them
   * becomes the 304 the origin would have sent. Its body is still read to the end, so that it is stored.
   */
  private answerHeldConditionals(x: HostExchange, held: HeaderRecord): void {
    const r = x.response;
    if (r === undefined || !clientCopyIsCurrentFor(held, r.status, r.headers)) return;
    const headers = notModifiedHeaders(r.headers);
    const body = r.body;
    if (body instanceof TeeToBuffer) {
      // Being stored: read to its end for the store, not destroyed with the answer it no longer is.
      body.drainUnread();
      x.response = { status: 304, headers, body: undefined };
    } else setResponse(x, { status: 304, headers, body: undefined });
  }

  private storeResponse(x: HostExchange): void {
    const notes = x.notes;
    const state = notes.get(NOTE_STATE) as CacheState | undefined;
    const response = x.response;
    // Answered from cache (or not through check): nothing to store, and no closure built for it.
    if (
      state === undefined ||
      state === 'hit' ||
      state === 'stale' ||
      state === 'revalidated' ||
      response === undefined
    ) {
      const leader = notes.get(NOTE_LEADER) as string | undefined;
      if (leader !== undefined) this.coalescer.release(leader);
      return;
    }
    const leader = notes.get(NOTE_LEADER) as string | undefined;
    let released = false;
    const release = (): void => {
      if (released || leader === undefined) return;
      released = true;
      this.coalescer.release(leader);
    };
    const unsafe = notes.get(NOTE_UNSAFE) === true;
    if (unsafe) this.invalidateAfter(x, response);
    const d = responseDirectives(response.headers);
    // §4.4 invalidation comes first; a reusable POST response (RFC 9110 §9.3.3) is then stored for GET.
    // Only a 2xx makes Content-Location name a current representation (RFC 9110 §8.7).
    const storePost =
      unsafe &&
      x.method === 'POST' &&
      response.status >= 200 &&
      response.status < 300 &&
      response.status !== 206 &&
      postReusable(`${x.scheme}://${x.host}${x.uri}`, response.headers, d);
    if (state === 'bypass' && !storePost) return;
    const now = this.clock();
    const requestTime = (notes.get(NOTE_REQUEST_TIME) as number | undefined) ?? now;
    const reval = notes.get(NOTE_REVALIDATE) as Revalidation | undefined;
    if (reval !== undefined) {
      const clientAsked = hasClientConditional(reval.client);
      // A 304 to validators only the cache sent can only be about the stored response (§4.3.3).
      if (response.status === 304 && (!clientAsked || validates(response.headers, reval.entry))) {
        const next = freshened(reval.entry, response.headers, requestTime, now, this.settings.policy);
        this.replace(reval.entry, next);
        const answer = answerFor(next, x.method, x.requestHeaders) ?? WHOLE;
        this.serve(
          x,
          next,
          'revalidated',
          currentAge(next.meta, next.responseTime, now),
          reval.client,
          answer,
        );
        // The 304's Set-Cookie goes to this client, not into the stored entry (see freshened).
        const cookie = response.headers['set-cookie'];
        if (cookie !== undefined && !this.settings.policy.storeSetCookie && x.response !== undefined)
          x.response.headers['set-cookie'] = cookie;
        release();
        return;
      }
      if (x.method === 'HEAD' && response.status === 200 && headDescribes(response.headers, reval.entry)) {
        // §4.3.5: a 200 to HEAD that describes the stored GET response freshens it like a 304.
        const next = freshened(reval.entry, response.headers, requestTime, now, this.settings.policy);
        this.replace(reval.entry, next);
      }
      if (response.status >= 500 && this.mayServeStaleOnError(reval.entry, now, x.requestHeaders)) {
        this.serve(
          x,
          reval.entry,
          'stale',
          currentAge(reval.entry.meta, reval.entry.responseTime, now),
          reval.client,
          answerFor(reval.entry, x.method, x.requestHeaders) ?? WHOLE,
        );
        release();
        return;
      }
    }
    const failed = x instanceof ProxyExchange ? x.error : undefined;
    if (failed?.code === 'PC_ERR_UPSTREAM_TIMEOUT') {
      // Passed on to the followers (follow); not remembered as uncacheable (hit-for-miss), the next
      // attempt may well succeed.
      if (leader !== undefined) this.coalescer.release(leader, failed);
      return;
    }
    if (!storePost) response.headers['x-cache'] = X_CACHE.miss;
    const control = controlFields(response.headers);
    if (response.headers['surrogate-control'] !== undefined)
      response.headers['surrogate-control'] = undefined;
    const refused = notStorable(
      x.method,
      x.requestHeaders,
      response.status,
      response.headers,
      d,
      this.settings.policy,
    );
    const declared = Number(fieldValue(response.headers, 'content-length'));
    if (refused !== undefined || (Number.isFinite(declared) && declared > this.settings.maxObjectSize)) {
      this.uncacheableLeader(leader, now);
      release();
      return;
    }
    const key = (notes.get(NOTE_KEY) as string | undefined) ?? primaryKey(x.scheme, x.host, x.uri);
    const names = varyNames(fieldValue(response.headers, 'vary'));
    const backend = notes.get(NOTE_UPSTREAM_BACKEND);
    const init = {
      key,
      host: x.host.toLowerCase(),
      path: x.path,
      uri: x.uri,
      status: response.status,
      vary: varyPairs(names, x.requestHeaders),
      requestTime,
      responseTime: now,
      control,
      ...(typeof backend === 'string' ? { backend } : {}),
    };
    // Copied now: modules whose on_response runs later add per-request headers.
    const snapshot = copyHeaders(response.headers);
    snapshot['x-cache'] = undefined;
    const keep = (body: Buffer | undefined): void => {
      const headers = body === undefined ? undefined : storedHeaders(snapshot, body.length, now);
      // RFC 9110 §8.6: a 204 carries no Content-Length (hits write the stored fields as they are).
      if (headers !== undefined && init.status === 204) headers['content-length'] = undefined;
      // A 206 is kept only when its body is exactly the part its Content-Range names (§3.3).
      if (
        body !== undefined &&
        headers !== undefined &&
        (init.status !== 206 || storedRange(headers, body.length) !== undefined)
      ) {
        this.put(makeEntry({ ...init, headers, body: ownBytes(body) }, this.settings.policy), reval?.entry);
      } else if (body === undefined) this.uncacheableLeader(leader, now);
      release();
    };
    const body = response.body;
    if (body === undefined) keep(Buffer.alloc(0));
    else if (Buffer.isBuffer(body)) keep(body.length <= this.settings.maxObjectSize ? body : undefined);
    else {
      const tee = new TeeToBuffer(this.settings.maxObjectSize, keep);
      if (leader !== undefined) tee.wanted = () => !released && this.coalescer.hasFollowers(leader);
      // A failing origin stream destroys the tee, so a truncated body is never stored.
      teeBody(body, tee, release);
      response.body = tee;
    }
  }

  private mayServeStaleOnError(entry: StoredResponse, now: number, requestHeaders: HeaderRecord): boolean {
    if (entry.meta.staleForbidden) return false;
    const staleBy = currentAge(entry.meta, entry.responseTime, now) - entry.meta.lifetimeMs;
    const requested = deltaSeconds(requestDirectives(requestHeaders).get('stale-if-error'));
    const window = Math.max(entry.meta.sieMs, (requested ?? 0) * 1000);
    return staleBy < window;
  }

  /** RFC 9111 §4.4: a non-error answer to an unsafe method invalidates the target, Location, Content-Location. */
  private invalidateAfter(x: HostExchange, response: ResponseState): void {
    if (response.status < 200 || response.status >= 400) return;
    const key = x.notes.get(NOTE_KEY) as string;
    this.invalidate(key);
    const base = `${x.scheme}://${x.host}${x.uri}`;
    for (const name of ['location', 'content-location']) {
      const v = response.headers[name];
      if (typeof v !== 'string' || v === '' || !URL.canParse(v, base)) continue;
      const u = new URL(v, base);
      // Only the same origin: another host's entries are not this response's to invalidate.
      if (u.host !== x.host.toLowerCase() || `${u.protocol}` !== `${x.scheme}:`) continue;
      this.invalidate(primaryKey(x.scheme, u.host, u.pathname + u.search));
    }
  }

  private invalidate(key: string): void {
    this.memory.delete(key);
    this.redis?.delete(key).catch(() => {});
  }

  private put(entry: StoredResponse, replaces: StoredResponse | undefined): void {
    if (this.uncacheable.size > 0) this.uncacheable.delete(entry.key);
    const redis = this.redis;
    if (redis !== undefined) {
      if (entry.status !== 206) void redis.put(entry);
      else {
        // A part never displaces a complete response stored with the same Vary values.
        void redis.get(entry.key).then((list) => (displacesComplete(list, entry) ? false : redis.put(entry)));
      }
      return;
    }
    if (entry.status === 206 && replaces !== undefined && replaces.status !== 206) return;
    if (replaces !== undefined && replaces.key === entry.key) this.memory.remove(replaces);
    this.memory.put(entry);
  }

  private replace(old: StoredResponse, next: StoredResponse): void {
    if (this.redis !== undefined) void this.redis.put(next);
    else this.memory.replace(old, next);
  }

  /** stale-while-revalidate: refreshes an entry in the background, at most once at a time per key. */
  private refresh(x: HostExchange, entry: StoredResponse): void {
    if (this.refreshing.has(entry.key)) return;
    this.refreshing.add(entry.key);
    const headers = copyHeaders(x.requestHeaders);
    headers['if-none-match'] = undefined;
    headers['if-modified-since'] = undefined;
    if (entry.status !== 206) {
      // The refresh is for the whole stored response, whatever part the client asked for.
      headers.range = undefined;
      headers['if-range'] = undefined;
    }
    addValidators(headers, entry);
    advertiseSurrogate(headers);
    const bg = new ProxyExchange({
      method: 'GET',
      url: x.uri,
      headers,
      body: undefined,
      clientIp: x.client_ip,
      peerIp: x.client_ip,
      scheme: x.scheme === 'https' ? 'https' : 'http',
      protocol: 'h1',
      listener: 'internal',
      startedAt: performance.now(),
    });
    const requestTime = this.clock();
    bg.notes.set(NOTE_KEY, entry.key);
    bg.notes.set(NOTE_STATE, 'miss' satisfies CacheState);
    bg.notes.set(NOTE_REQUEST_TIME, requestTime);
    bg.notes.set(NOTE_REVALIDATE, { entry, client: {} } satisfies Revalidation);
    // Back to the backend that produced the entry (routing chose it); else the first healthy one.
    const backends = this.host.services.configuredBackends();
    const backend = entry.backend ?? backends.find((b) => this.host.services.isHealthy(b)) ?? backends[0];
    this.host.services
      .forward(bg, backend)
      .then(() => {
        this.store(bg);
        const body = bg.response?.body;
        if (body !== undefined && !Buffer.isBuffer(body)) {
          body.on('error', () => {});
          body.once('close', () => this.refreshing.delete(entry.key));
          body.resume();
        } else this.refreshing.delete(entry.key);
      })
      .catch((err: unknown) => {
        this.refreshing.delete(entry.key);
        this.host.logger.warn({ err, key: entry.key }, 'cache background refresh failed');
      });
  }

  // ---- purge ----------------------------------------------------------------------------------------

  /** Removes what a purge key selects from the memory tier (sync) and, in the background, from Redis. */
  purge(key: string): number {
    const spec = parsePurgeKey(key);
    if (spec === undefined) return 0;
    const n = this.memory.purge(spec);
    this.redis?.purge(spec).catch(() => {});
    return n;
  }

  /** Like purge, but waits for the Redis tier and counts what it removed there too. */
  async purgeAll(spec: PurgeSpec): Promise<number> {
    const n = this.memory.purge(spec);
    return n + (this.redis === undefined ? 0 : await this.redis.purge(spec));
  }
}
