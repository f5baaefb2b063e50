/**
 * The proxy's metrics on prom-client, in a registry of their own (never the global one, so several
 * proxies or tests in one process do not mix). The per-request path only bumps plain numbers and
 * typed-array slots; prom-client's label-hashing objects are filled from them at scrape time, and the
 * latency histogram is read from its bucket counts (see `CountedHistogram`).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../pipeline/host.js';

/** The metric names DESIGN §6 promises (also what dashboards key on). */
export const metricNames = {
  requestsTotal: 'proxycache_requests_total',
  activeConnections: 'proxycache_active_connections',
  bytesIn: 'proxycache_bytes_in',
  bytesOut: 'proxycache_bytes_out',
  latencyMaxMs: 'proxycache_latency_max_ms',
  requestDuration: 'proxycache_request_duration_seconds',
  poolHits: 'proxycache_pool_hits',
  circuitBreakerTrips: 'proxycache_circuit_breaker_trips',
  cacheHits: 'proxycache_cache_hits_total',
  cacheMisses: 'proxycache_cache_misses_total',
  rateLimited: 'proxycache_rate_limited_total',
} as const;

const PREFIX = 'proxycache_';

/** Counters that `inc()` bumps by name, with their help text. */
const simpleCounters: Readonly<Record<string, string>> = {
  [metricNames.poolHits]: 'Upstream requests served on a reused pooled connection.',
  [metricNames.circuitBreakerTrips]: 'Times a circuit breaker opened.',
  [metricNames.cacheHits]: 'Requests answered from the cache.',
  [metricNames.cacheMisses]: 'Cacheable requests the cache could not answer.',
  [metricNames.rateLimited]: 'Requests refused by a rate limit.',
};

/** Short names stdlib code may use for the counters above. */
const aliases: Readonly<Record<string, string>> = {
  cache_hits: metricNames.cacheHits,
  cache_misses: metricNames.cacheMisses,
  rate_limited: metricNames.rateLimited,
};

/** Methods get their own label value; anything else is `OTHER` so clients cannot grow the label set. */
const knownMethods = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'OTHER',
] as const;

const STATUS_SLOTS = 600;

/** Latency buckets in seconds: a cache hit is sub-millisecond, a slow backend takes seconds. */
const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ProxyMetricsOptions {
  /** Milliseconds clock for uptime (tests pass a fake one). */
  readonly now?: () => number;
}

/** `Metrics` for the proxy plus the per-request and per-connection recorders the server calls. */
export class ProxyMetrics implements Metrics {
  /** The registry to scrape; holds only proxycache metrics. */
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly startedAt: number;
  private requests = 0;
  private latencySumMs = 0;
  private latencyMaxMs = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private active = 0;
  /** Request counts per method (index in `knownMethods`), then per status code. */
  private readonly statusCounts = knownMethods.map(() => new Float64Array(STATUS_SLOTS));
  private readonly counts = new Map<string, number>();
  private readonly duration: CountedHistogram;
  /** Counters created on demand by `inc()` for names outside the fixed set. */
  private readonly extra = new Map<string, Counter | undefined>();

  constructor(options: ProxyMetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    const self = this;
    const registers = [this.registry];

    new Counter({
      name: metricNames.requestsTotal,
      help: 'Completed requests by method and status.',
      labelNames: ['method', 'status'],
      registers,
      collect(this: Counter<'method' | 'status'>) {
        this.reset();
        for (let m = 0; m < knownMethods.length; m++) {
          const slots = self.statusCounts[m];
          if (!slots) continue;
          for (let s = 0; s < STATUS_SLOTS; s++) {
            const n = slots[s] ?? 0;
            if (n > 0) this.inc({ method: knownMethods[m] ?? 'OTHER', status: String(s) }, n);
          }
        }
      },
    });
    new Gauge({
      name: metricNames.activeConnections,
      help: 'Open client connections.',
      registers,
      collect(this: Gauge) {
        this.set(self.active);
      },
    });
    totalCounter(metricNames.bytesIn, 'Bytes read from clients.', registers, () => self.bytesIn);
    totalCounter(metricNames.bytesOut, 'Bytes written to clients.', registers, () => self.bytesOut);
    new Gauge({
      name: metricNames.latencyMaxMs,
      help: 'Longest request duration seen, in milliseconds.',
      registers,
      collect(this: Gauge) {
        this.set(self.latencyMaxMs);
      },
    });
    this.duration = new CountedHistogram({
      name: metricNames.requestDuration,
      help: 'Request duration in seconds, from the complete request head to the end of the response.',
      buckets: durationBuckets,
      registers,
    });
    for (const [name, help] of Object.entries(simpleCounters)) {
      totalCounter(name, help, registers, () => self.counts.get(name) ?? 0);
    }
  }

  /** Records a completed request. `durationMs` is from the request head to the end of the response. */
  record(method: string, status: number, bytesIn: number, bytesOut: number, durationMs: number): void {
    this.requests++;
    this.latencySumMs += durationMs;
    if (durationMs > this.latencyMaxMs) this.latencyMaxMs = durationMs;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    let m = knownMethods.indexOf(method as (typeof knownMethods)[number]);
    if (m < 0) m = knownMethods.length - 1;
    const slots = this.statusCounts[m];
    if (slots && status >= 0 && status < STATUS_SLOTS) slots[status] = (slots[status] ?? 0) + 1;
    this.duration.record(durationMs / 1000);
  }

  connectionOpened(): void {
    this.active++;
  }

  connectionClosed(): void {
    if (this.active > 0) this.active--;
  }

  /**
   * Bumps a counter by name (`proxycache_pool_hits`, `cache_hits`, …). `active_connections` moves the
   * gauge (by may be negative). Unknown names become counters of their own, created on first use;
   * names prom-client rejects are ignored, since metrics must never break a request.
   */
  inc(name: string, labels?: Record<string, string>, by = 1): void {
    const full = aliases[name] ?? (name.startsWith(PREFIX) ? name : PREFIX + name);
    if (full === metricNames.activeConnections) {
      this.active = Math.max(0, this.active + by);
      return;
    }
    if (full in simpleCounters) {
      if (by > 0) this.counts.set(full, (this.counts.get(full) ?? 0) + by);
      return;
    }
    try {
      this.extraCounter(full, labels)?.inc(labels ?? {}, Math.max(0, by));
    } catch {
      // Labels that differ from the counter's first use: dropped rather than failing the caller.
    }
  }

  private extraCounter(name: string, labels: Record<string, string> | undefined): Counter | undefined {
    if (this.extra.has(name)) return this.extra.get(name);
    let counter: Counter | undefined;
    try {
      counter = new Counter({
        name,
        help: `${name} (recorded by a module)`,
        labelNames: Object.keys(labels ?? {}),
        registers: [this.registry],
      });
    } catch {
      counter = undefined;
    }
    this.extra.set(name, counter);
    return counter;
  }

  /** Prometheus text exposition of this registry. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `prometheus()`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Summary numbers for `/stats` and `proxycache stats`. */
  stats(): StatsSnapshot {
    const byClass: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    for (const slots of this.statusCounts) {
      for (let s = 100; s < STATUS_SLOTS; s++) {
        const n = slots[s] ?? 0;
        if (n > 0) byClass[`${Math.floor(s / 100)}xx`] = (byClass[`${Math.floor(s / 100)}xx`] ?? 0) + n;
      }
    }
    return {
      requests_total: this.requests,
      latency_avg_ms: this.requests === 0 ? 0 : round3(this.latencySumMs / this.requests),
      latency_max_ms: round3(this.latencyMaxMs),
      active_connections: this.active,
      bytes_in: this.bytesIn,
      bytes_out: this.bytesOut,
      uptime_s: Math.floor((this.now() - this.startedAt) / 1000),
      responses: byClass,
      cache_hits: this.counts.get(metricNames.cacheHits) ?? 0,
      cache_misses: this.counts.get(metricNames.cacheMisses) ?? 0,
      rate_limited: this.counts.get(metricNames.rateLimited) ?? 0,
      pool_hits: this.counts.get(metricNames.poolHits) ?? 0,
      circuit_breaker_trips: this.counts.get(metricNames.circuitBreakerTrips) ?? 0,
    };
  }

  statsJson(): string {
    return JSON.stringify(this.stats());
  }
}

/** What `statsJson()` holds. */
export interface StatsSnapshot {
  readonly requests_total: number;
  readonly latency_avg_ms: number;
  readonly latency_max_ms: number;
  readonly active_connections: number;
  readonly bytes_in: number;
  readonly bytes_out: number;
  readonly uptime_s: number;
  /** Completed requests by status class (`2xx`, …). */
  readonly responses: Readonly<Record<string, number>>;
  readonly cache_hits: number;
  readonly cache_misses: number;
  readonly rate_limited: number;
  readonly pool_hits: number;
  readonly circuit_breaker_trips: number;
}

type HistogramSnapshot = Awaited<ReturnType<Histogram['get']>>;

/**
 * prom-client's unlabelled `Histogram` whose state is plain numbers: `record` costs a bucket search
 * and three additions, where `observe` built a label object, hashed it and stringified the bucket bound
 * per call (~120 ns, 1.5 % of a cache hit). Scraping reports what prom-client's own histogram would for
 * the same observations, value for value (the metrics tests compare the two texts).
 */
class CountedHistogram extends Histogram {
  private readonly metricName: string;
  private readonly helpText: string;
  /** In the configured order, as prom-client reports and searches them. */
  private readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  /** Like prom-client's, the histogram reports zeros when new, and no samples after `reset()`. */
  private present = true;

  constructor(config: { name: string; help: string; buckets: number[]; registers: Registry[] }) {
    super(config);
    this.metricName = config.name;
    this.helpText = config.help;
    this.bounds = [...config.buckets];
    this.counts = new Float64Array(this.bounds.length + 1);
  }

  /** Records one observation; non-finite values are dropped (prom-client's observe throws on them). */
  record(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count++;
    this.present = true;
  }

  override async get(): Promise<HistogramSnapshot> {
    return this.snapshot();
  }

  /** What prom-client's Registry reads when rendering the text exposition (it prefers it to `get`). */
  async getForPromString(): Promise<HistogramSnapshot> {
    return this.snapshot();
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist
    if (this.counts === undefined) return;
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.present = false;
  }

  private snapshot(): HistogramSnapshot {
    const name = this.metricName;
    const bucket = `${name}_bucket`;
    const values: {
      labels: Record<string, string | number>;
      value: number;
      metricName: string;
      exemplar?: null;
    }[] = [];
    const snapshot = { name, help: this.helpText, type: 'histogram', values, aggregator: 'sum' };
    if (!this.present) return snapshot as unknown as HistogramSnapshot;
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i] ?? 0;
      values.push({
        labels: { le: this.bounds[i] as number },
        value: acc,
        metricName: bucket,
        exemplar: null,
      });
    }
    values.push(
      { labels: { le: '+Inf' }, value: this.count, metricName: bucket, exemplar: null },
      { labels: {}, value: this.sum, metricName: `${name}_sum` },
      { labels: {}, value: this.count, metricName: `${name}_count` },
    );
    // prom-client's declared MetricObject (numeric MetricType enum, required collect) does not match
    // what its Histogram returns at run time ('histogram'); this is that run-time shape
    return snapshot as unknown as HistogramSnapshot;
  }
}

/** A counter whose value is read from `value()` at scrape time. */
function totalCounter(name: string, help: string, registers: Registry[], value: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect(this: Counter) {
      this.reset();
      const v = value();
      if (v > 0) this.inc(v);
    },
  });
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
