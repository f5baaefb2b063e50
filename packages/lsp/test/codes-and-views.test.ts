/**
 * In-process checks of the pieces behind the published diagnostics and fast completion: config.toml
 * problems carry core's catalogue codes (PCM6001–PCM6005), every code the server can publish is in the
 * catalogue, and the edited view maps offsets of a changed text back to its last analysis.
 */
import { catalogue } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../src/analysis/analysis.js';
import { editedView, editSize } from '../src/analysis/edited-view.js';
import { configDiagnostics } from '../src/config-toml/config-diagnostics.js';

const at = (line: number, character: number) => ({ line, character });
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: at(l1, c1), end: at(l2, c2) });
const pcmod = (text: string, version = 1) => TextDocument.create('file:///w/m.pcmod', 'pcmod', version, text);

describe('config.toml diagnostics carry PCM6xxx codes', () => {
  const greeter = analyze(
    pcmod('mod greeter\nconfig {\n  greeting str "hi"\n}\non_request {\n  pass\n}\n'),
    '/w/m.pcmod',
  );
  const diags = (text: string) =>
    configDiagnostics(text, '/w/config.toml', [greeter]).map((d) => [d.code, d.severity, d.range]);

  it('PCM6001 for a TOML syntax error', () => {
    expect(diags('[server]\nhttp2 = \n')).toEqual([['PCM6001', 1, range(1, 8, 1, 8)]]);
  });

  it('PCM6002 unknown section, PCM6003 unknown key, PCM6004 wrong type', () => {
    expect(diags('[nosuch]\n[greeter]\ncolour = "blue"\ngreeting = 1\n')).toEqual([
      ['PCM6002', 1, range(0, 0, 0, 8)],
      ['PCM6003', 1, range(2, 0, 2, 6)],
      ['PCM6004', 1, range(3, 11, 3, 12)],
    ]);
  });

  it('PCM6005 for tls_cert without tls_key', () => {
    expect(diags('[server]\ntls_cert = "c.pem"\n')).toEqual([['PCM6005', 1, range(1, 0, 1, 8)]]);
  });

  it('publishes only codes of the catalogue', () => {
    for (const code of ['PCM5001', 'PCM5003', 'PCM6001', 'PCM6002', 'PCM6003', 'PCM6004', 'PCM6005']) {
      expect(catalogue).toHaveProperty(code);
    }
  });
});

describe('edited view', () => {
  const before = 'mod m\non_request {\n  pass\n}\n';
  const a = analyze(pcmod(before), '/w/m.pcmod');

  it('is the identity for the analysed text', () => {
    const view = editedView(a, pcmod(before, 2));
    expect([view.toAnalysed(0), view.toAnalysed(20), view.changed, editSize(view)]).toEqual([
      0,
      20,
      { start: 0, end: 0 },
      0,
    ]);
  });

  it('maps offsets before, inside and after an edit to the analysed text', () => {
    // `  pass` → `  log info $x\n  pass`: 14 characters inserted at offset 21.
    const after = before.replace('  pass', '  log info $x\n  pass');
    const view = editedView(a, pcmod(after, 2));
    expect(view.changed).toEqual({ start: 21, end: 35 });
    expect(editSize(view)).toBe(14);
    expect(view.toAnalysed(10)).toBe(10);
    expect(view.toAnalysed(30)).toBe(21);
    expect(view.toAnalysed(after.indexOf('}'))).toBe(before.indexOf('}'));
  });
});
