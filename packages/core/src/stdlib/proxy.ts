/**
 * `std.proxy.forward([backend])`: hands the exchange to the host's upstream pool, which sets the
 * response (502 on connect failure, 504 on timeout).
 */
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

export function createProxy(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  return {
    'std.proxy.forward': (x: HostExchange, backend?: string): Promise<void> => {
      let target = backend ?? '';
      if (target === '') target = x.ctxGet('backend');
      if (target === '') target = services.config.server.backend_addr;
      return services.forward(x, target);
    },
  };
}
