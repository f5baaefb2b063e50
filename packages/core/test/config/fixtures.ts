/** Module config schemas shaped like the built-ins', without compiling any `.pcmod`. */
import type { ConfigFieldSchema } from '@proxycache/pcmod-lang';
import type { RepairModule } from '../../src/config/repair-config.js';

function field(
  name: string,
  type: ConfigFieldSchema['type'],
  value: ConfigFieldSchema['default'],
  line: number,
): ConfigFieldSchema {
  return { name, type, default: value, line };
}

export const testModules: RepairModule[] = [
  {
    name: 'rate_limiter',
    version: '1.0',
    priority: 30,
    file: 'mods/rate_limiter.pcmod',
    configSchema: [
      field('enabled', 'bool', true, 5),
      field('requests_per_second', 'int', 100, 6),
      field('burst', 'int', 50, 7),
    ],
  },
  {
    name: 'cache',
    version: '1.0',
    priority: 80,
    file: 'mods/cache.pcmod',
    configSchema: [
      field('enabled', 'bool', true, 5),
      field('ttl_seconds', 'duration', 60, 6),
      field('max_size', 'size', 64 * 1024 * 1024, 7),
      field('warm_urls', 'list<str>', [], 8),
    ],
  },
  {
    name: 'url_rewriter',
    version: '1.0',
    priority: 90,
    file: 'mods/url_rewriter.pcmod',
    configSchema: [field('rules', 'map', new Map([['/old', '/new']]), 5)],
  },
  {
    name: 'admin_api',
    version: '1.0',
    priority: 70,
    file: 'mods/admin_api.pcmod',
    configSchema: [
      field('enabled', 'bool', true, 5),
      field('listen_addr', 'str', '127.0.0.1:9090', 6),
      field('api_key', 'str', '', 7),
    ],
  },
  {
    name: 'load_balancer',
    version: '1.0',
    priority: 110,
    file: 'mods/load_balancer.pcmod',
    configSchema: [
      field('enabled', 'bool', true, 5),
      field('backends', 'list<str>', [], 6),
      field('weights', 'list<int>', [], 7),
    ],
  },
];
