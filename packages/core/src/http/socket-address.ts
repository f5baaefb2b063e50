/**
 * `host:port` strings as the config writes them (`127.0.0.1:3000`, `[::1]:3000`, `localhost:80`).
 */
import type { Server } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` / `[v6]:port`; undefined when it is not one (port 0 allowed: pick a free port). */
export function parseHostPort(addr: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(addr.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Formats an address for logs and URLs (`[::1]:3000`). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Listens on `addr`; resolves with the bound address, rejects with the listen error (EADDRINUSE, …). */
export function listenOn(server: Server, addr: HostPort): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(addr.port, addr.host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : addr);
    });
  });
}
