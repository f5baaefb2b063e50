/** Help text and version of the proxycache CLI. */
import { readFileSync } from 'node:fs';

export const usage = `proxycache — a programmable HTTP reverse proxy and cache

Usage:
  proxycache run [--config FILE] [--mods DIR]
      Load the built-in and user modules and config.toml, then serve.
      SIGHUP reloads (modules and config), SIGTERM/SIGINT shut down gracefully.
  proxycache config verify [--config FILE] [--mods DIR]
      Check config.toml against every module's config; exit 1 when invalid.
  proxycache config repair [--config FILE] [--mods DIR]
      Append missing sections with their defaults; what you wrote is never changed.
  proxycache status|stats|mods|reload [--admin ADDR] [--api-key KEY] [--config FILE]
      Ask a running proxy's admin API and print its JSON answer.

Options:
  --config FILE   config file (default: config.toml; a missing file runs on defaults)
  --mods DIR      directory of your own .pcmod modules (loaded after the built-ins)
  --admin ADDR    admin API address (default: [admin_api] listen_addr, else 127.0.0.1:9090)
  --api-key KEY   admin API key (default: [admin_api] api_key)
  -h, --help      show this help
  -V, --version   show the version

Environment:
  PROXYCACHE_BUILTIN_MODS   use another directory of built-in modules (default: the bundled mods/)

Exit codes: 0 ok, 1 invalid config/modules or failed command, 2 bad command line.
`;

/** The package version from package.json (two levels up from both `src/cli` and `dist/cli`). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
