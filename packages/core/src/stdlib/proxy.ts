/**
 * `std.proxy.forward([backend])`: hands the exchange to the host's upstream pool, which sets the
 * response (502 on connect failure, 504 on timeout). When std.cache.check left work that has to wait
 * (a coalesced miss following its leader, a Redis lookup), that runs first and may answer instead.
 */
import { NOTE_BEFORE_FORWARD } from '../cache/http-cache.js';
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

type BeforeForward = (x: HostExchange) => Promise<boolean>;

export function createProxy(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  // The host picks the backend when none is given (ctx.backend, else server.backend_addr).
  const go = (x: HostExchange, backend: string | undefined): Promise<void> => services.forward(x, backend);
  return {
    'std.proxy.forward': (x: HostExchange, backend?: string): Promise<void> => {
      const before = x.notes.get(NOTE_BEFORE_FORWARD) as BeforeForward | undefined;
      if (before === undefined) return go(x, backend);
      x.notes.delete(NOTE_BEFORE_FORWARD);
      return before(x).then((answered) => (answered ? undefined : go(x, backend)));
    },
  };
}
