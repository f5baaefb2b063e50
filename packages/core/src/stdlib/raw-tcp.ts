/** `std.raw_tcp.passthrough(backend)`: asks the host to pipe non-HTTP connections to a backend. */
import type { StdContext, StdImplementations } from './std-context.js';

export function createRawTcp(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  return {
    'std.raw_tcp.passthrough': (_scope: unknown, backend: string): void => {
      const target = backend === '' ? services.config.server.backend_addr : backend;
      services.enableRawTcp(target);
      ctx.logger.info({ backend: target }, 'raw TCP passthrough enabled');
    },
  };
}
