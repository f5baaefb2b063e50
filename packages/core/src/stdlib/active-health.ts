/**
 * `std.active_health(interval, path, timeout)`: probes every configured backend with `GET path` now and
 * then every `interval`; a backend that fails to answer 2xx within `timeout` leaves rotation until a
 * later probe succeeds. A backend whose previous probe is still running is skipped, so slow backends
 * never pile up probes. The interval is cleared when the pipeline is disposed (reload, shutdown).
 */
import { request } from 'undici';
import type { StdContext, StdImplementations } from './std-context.js';

/** Probes `backend` once; true when it answered 2xx within `timeoutMs`. */
export async function probe(backend: string, path: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(`http://${backend}${path.startsWith('/') ? path : `/${path}`}`, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300;
  } catch {
    return false;
  }
}

export function createActiveHealth(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  return {
    'std.active_health': (_scope: unknown, interval: number, path: string, timeout: number): void => {
      const intervalMs = Math.max(100, interval * 1000);
      const timeoutMs = Math.max(1, timeout * 1000);
      const inFlight = new Set<string>();
      let disposed = false;

      const probeAll = (): void => {
        for (const backend of services.configuredBackends()) {
          if (inFlight.has(backend)) continue;
          inFlight.add(backend);
          void probe(backend, path, timeoutMs).then((ok) => {
            inFlight.delete(backend);
            if (disposed) return;
            if (services.isHealthy(backend) !== ok) {
              ctx.logger[ok ? 'info' : 'warn'](
                { backend, path },
                ok ? 'backend healthy again' : 'backend unhealthy',
              );
            }
            services.setHealthy(backend, ok);
          });
        }
      };

      const timer = setInterval(probeAll, intervalMs);
      timer.unref();
      const first = setImmediate(probeAll);
      services.onDispose(() => {
        disposed = true;
        clearInterval(timer);
        clearImmediate(first);
      });
    },
  };
}
