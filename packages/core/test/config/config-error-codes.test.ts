/**
 * Every config error carries its catalogue code (PCM6xxx), so `config verify`, the admin API and the
 * language server name config.toml problems the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText, loadConfig } from '../../src/config/load-config.js';
import { testModules } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-config-codes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const codesOf = (text: string) =>
  checkConfigText(text, join(dir, 'config.toml'), testModules).errors.map((e) => [e.line, e.column, e.code]);

describe('config error codes', () => {
  it('PCM6001 for TOML syntax errors', () => {
    expect(codesOf('[server]\nhttp2 = \n')).toEqual([[2, 9, 'PCM6001']]);
  });

  it('PCM6002 for an unknown section, PCM6003 for an unknown key', () => {
    expect(codesOf('[nosuch]\nx = 1\n\n[cache]\ncolour = "blue"\n')).toEqual([
      [1, 1, 'PCM6002'],
      [5, 1, 'PCM6003'],
    ]);
  });

  it('PCM6004 for wrong types, bad values, non-table sections and missing TLS files', () => {
    expect(
      codesOf('cache = 1\n[server]\nhttp2 = "yes"\nlisten_addr = "127.0.0.1:99999"\nlog_level = "loud"\n'),
    ).toEqual([
      [1, 9, 'PCM6004'],
      [3, 9, 'PCM6004'],
      [4, 15, 'PCM6004'],
      [5, 13, 'PCM6004'],
    ]);
    expect(codesOf('[server]\ntls_cert = "no-cert.pem"\ntls_key = "no-key.pem"\n')).toEqual([
      [2, 12, 'PCM6004'],
      [3, 11, 'PCM6004'],
    ]);
  });

  it('PCM6005 for TLS with only one of cert and key', () => {
    expect(codesOf('[server]\ntls_cert = "cert.pem"\n')).toEqual([[2, 1, 'PCM6005']]);
  });

  it('PCM6006 when the config file cannot be read', () => {
    expect(loadConfig(dir, testModules).errors.map((e) => e.code)).toEqual(['PCM6006']);
  });
});
