/**
 * The language server as an editor sees it: a real `pcmod-lsp --stdio` process spoken to over JSON-RPC,
 * on a temporary workspace with modules and a config.toml.
 */
import { format, stdFunctions } from '@proxycache/pcmod-lang';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeAction,
  CompletionItem,
  DocumentSymbol,
  FoldingRange,
  Hover,
  InitializeResult,
  Location,
  SemanticTokens,
  SignatureHelp,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { buildServer, repoRoot } from './build-server.js';
import { greeterText, makeWorkspace, type Workspace } from './fixtures.js';
import { LspClient } from './lsp-client.js';

let ws: Workspace;
let client: LspClient;
let init: InitializeResult;
const at = (line: number, character: number) => ({ line, character });
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: at(l1, c1), end: at(l2, c2) });

beforeAll(async () => {
  await buildServer();
  ws = makeWorkspace();
  client = new LspClient();
  init = (await client.initialize(ws.root, { builtinModsDir: `${repoRoot}mods` })) as InitializeResult;
}, 180_000);

afterAll(async () => {
  await client?.stop();
  ws?.dispose();
});

describe('diagnostics', () => {
  const uri = () => ws.uri('broken.pcmod');
  const text = ['mod broken', 'on_request {', '  set_header "X-A" $nope', '  std.cache.chek()', '}', ''].join(
    '\n',
  );

  it('publishes the compiler codes, severities and 0-based ranges when a document opens', async () => {
    await client.open(uri(), text);
    const diags = await client.diagnosticsFor(uri());
    expect(diags.map((d) => [d.code, d.severity, d.range, d.source])).toEqual([
      ['PCM2002', 1, range(2, 19, 2, 24), 'pcmod'],
      ['PCM2003', 1, range(3, 2, 3, 16), 'pcmod'],
    ]);
    expect(diags[0]?.message).toBe("Unknown config field '$nope'.");
  });

  it('re-checks after an incremental change', async () => {
    await client.change(uri(), range(2, 19, 2, 24), '"ok"');
    const diags = await client.diagnosticsFor(uri(), (d) => d.length === 1);
    expect(diags.map((d) => [d.code, d.range])).toEqual([['PCM2003', range(3, 2, 3, 16)]]);
  });

  it('reports modules defined twice and overrides of unknown modules across the workspace', async () => {
    const greeter = await client.diagnosticsFor(ws.uri('mods/greeter.pcmod'));
    expect(greeter.map((d) => [d.code, d.severity, d.range])).toEqual([['PCM5001', 1, range(0, 4, 0, 11)]]);
    expect(greeter[0]?.message).toBe("Duplicate module name 'greeter'; it is already defined in twin.pcmod.");
    expect(greeter[0]?.relatedInformation?.[0]?.location).toEqual({
      uri: ws.uri('mods/twin.pcmod'),
      range: range(0, 4, 0, 11),
    });
    const twin = await client.diagnosticsFor(ws.uri('mods/twin.pcmod'));
    expect(twin.map((d) => d.code)).toEqual(['PCM5001']);
    const lonely = await client.diagnosticsFor(ws.uri('mods/lonely.pcmod'));
    expect(lonely.map((d) => [d.code, d.severity, d.range])).toEqual([['PCM5003', 2, range(1, 10, 1, 15)]]);
    expect(lonely[0]?.message).toBe(
      "'overrides ghost': no module named 'ghost' in the workspace or the built-in modules.",
    );
  });
});

describe('config.toml', () => {
  it('checks values, sections and keys against the modules’ config schemas', async () => {
    const diags = await client.diagnosticsFor(ws.uri('config.toml'));
    expect(diags.map((d) => [d.range, d.code])).toEqual([
      [range(1, 14, 1, 31), 'PCM6004'],
      [range(2, 8, 2, 13), 'PCM6004'],
      [range(6, 0, 6, 6), 'PCM6003'],
      [range(8, 0, 8, 8), 'PCM6002'],
    ]);
    expect(diags[0]?.message).toMatch(/^server\.listen_addr: invalid socket address "127\.0\.0\.1:99999"/);
    expect(diags[1]?.message).toBe('server.http2: expected bool (true or false), got string');
    expect(diags[2]?.message).toMatch(/^greeter\.colour: unknown key 'colour' in \[greeter\]/);
    expect(diags[3]?.message).toMatch(/^nosuch: unknown section \[nosuch\]/);
  });

  it('completes section names, and keys with their types and defaults', async () => {
    const uri = ws.uri('config.toml');
    const text = '[server]\n\n[greeter]\n\n[';
    await client.open(uri, text, 'toml');
    const sections = await client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri },
      position: at(4, 1),
    });
    expect(sections.map((s) => s.label)).toEqual(
      expect.arrayContaining(['server', 'greeter', 'health_check', 'rate_limiter']),
    );
    const keys = await client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri },
      position: at(3, 0),
    });
    expect(keys.map((k) => [k.label, k.detail])).toEqual([
      ['enabled', 'bool = true'],
      ['greeting', 'str = "hello"'],
      ['paths', 'list<str> = ["/hello", "/hi"]'],
    ]);
    const server = await client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri },
      position: at(1, 0),
    });
    expect(server.find((k) => k.label === 'listen_addr')?.detail).toBe('str = "127.0.0.1:3000"');
  });

  it('hovers a key with its declaration and jumps to the .pcmod field', async () => {
    const uri = ws.uri('config.toml');
    await client.change(uri, range(0, 0, 5, 0), '[greeter]\ngreeting = "hi"\n');
    const hover = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: at(1, 3),
    });
    expect((hover.contents as { value: string }).value).toContain('greeting str "hello"');
    expect((hover.contents as { value: string }).value).toContain('Text sent back to the client.');
    const def = await client.request<Location>('textDocument/definition', {
      textDocument: { uri },
      position: at(1, 3),
    });
    expect(def).toEqual({ uri: ws.uri('mods/greeter.pcmod'), range: range(8, 2, 8, 10) });
  });
});

describe('editing features on a module', () => {
  const uri = () => ws.uri('mods/greeter.pcmod');
  beforeAll(async () => {
    await client.open(uri(), greeterText);
  });

  const complete = (line: number, character: number, u = uri()) =>
    client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: u },
      position: at(line, character),
    });

  it('completes $ with the config fields and their types', async () => {
    const scratch = ws.uri('scratch.pcmod');
    await client.open(
      scratch,
      'mod scratch\nconfig {\n  limit int 5\n}\non_request {\n  log info $\n  \n  if path \n}\n',
    );
    const items = await complete(5, 12, scratch);
    expect(items.map((i) => [i.label, i.detail])).toEqual([['$limit', 'int = 5']]);
  });

  it('completes std. with namespaces and functions, and deeper paths with signatures and docs', async () => {
    const scratch = ws.uri('std.pcmod');
    await client.open(scratch, 'mod s\non_request {\n  std.\n  std.cache.\n}\n');
    const top = await complete(2, 6, scratch);
    expect(top.filter((i) => i.kind === 9).map((i) => i.label)).toEqual([
      'admin',
      'cache',
      'circuit_breaker',
      'compress',
      'metrics',
      'proxy',
      'raw_tcp',
      'request_id',
    ]);
    expect(top.find((i) => i.label === 'rate_limit')?.detail).toBe(
      'std.rate_limit(rps: int, burst: int, key?: str) -> bool',
    );
    const cache = await complete(3, 12, scratch);
    expect(cache.map((i) => i.label).sort()).toEqual(['check', 'purge', 'store', 'warm']);
    const check = cache.find((i) => i.label === 'check');
    expect(check?.documentation).toMatchObject({
      // The doc line comes from the stdlib table (read here so that rewording it there keeps this test).
      value: expect.stringContaining(stdFunctions.find((f) => f.name === 'std.cache.check')?.doc ?? '?'),
    });
  });

  it('completes statements at line start, log levels, request fields and operators in context', async () => {
    const scratch = ws.uri('scratch.pcmod');
    const start = await complete(6, 2, scratch);
    expect(start.map((i) => i.label)).toEqual(
      expect.arrayContaining(['if', 'ifelse', 'respond', 'set_header', 'log', 'let', 'pass', 'std']),
    );
    const levels = await client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: scratch },
      position: at(5, 6),
    });
    expect(levels.map((i) => i.label)).toEqual(['trace', 'debug', 'info', 'warn', 'error']);
    const ops = await complete(7, 10, scratch);
    expect(ops.map((i) => i.label)).toEqual(['starts_with', 'ends_with', 'contains', 'matches', 'in']);
    const fields = await complete(13, 5);
    expect(fields.map((i) => i.label)).toEqual(
      expect.arrayContaining(['method', 'path', 'client_ip', 'header', '$greeting']),
    );
    expect(fields.map((i) => i.label)).not.toContain('status');
  });

  it('completes right after an edit from the new text, without waiting for a re-check', async () => {
    const scratch = ws.uri('typing.pcmod');
    await client.open(scratch, 'mod typing\nconfig {\n  limit int 5\n}\non_request {\n  pass\n}\n');
    await client.diagnosticsFor(scratch);
    // Typed faster than the diagnostics pause: a `let`, then `$` on the next line.
    await client.change(scratch, range(5, 2, 5, 2), 'let fresh = 1\n  log info $');
    const dollar = await complete(6, 12, scratch);
    expect(dollar.map((i) => [i.label, i.textEdit])).toEqual([
      ['$limit', { range: range(6, 12, 6, 12), newText: 'limit' }],
    ]);
    await client.change(scratch, range(6, 11, 6, 12), 'f');
    const names = await complete(6, 12, scratch);
    expect(names.map((i) => i.label)).toEqual(expect.arrayContaining(['fresh', 'path', '$limit']));
    expect(names.map((i) => i.label)).not.toContain('status');
  });

  it('offers the mod snippet at top level and field types in config', async () => {
    const top = await complete(11, 0);
    const mod = top.find((i) => i.label === 'mod');
    expect(mod?.insertText).toContain('mod ${1:name}');
    const types = await complete(9, 8);
    expect(types.map((i) => i.label)).toEqual([
      'bool',
      'int',
      'str',
      'duration',
      'size',
      'list',
      'list<int>',
      'map',
    ]);
  });

  it('hovers std calls, config fields and request fields', async () => {
    const field = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri: uri() },
      position: at(14, 30),
    });
    expect(field.range).toEqual(range(14, 29, 14, 37));
    expect((field.contents as { value: string }).value).toContain('$greeting: str = "hello"');
    const req = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri: uri() },
      position: at(13, 6),
    });
    expect((req.contents as { value: string }).value).toContain('Request path without the query string');
    const scratch = ws.uri('hover.pcmod');
    await client.open(scratch, 'mod h\non_request {\n  std.proxy.forward\n}\n');
    const fn = await client.request<Hover>('textDocument/hover', {
      textDocument: { uri: scratch },
      position: at(2, 12),
    });
    expect(fn.range).toEqual(range(2, 2, 2, 19));
    expect((fn.contents as { value: string }).value).toContain('std.proxy.forward(backend?: str) -> void');
    expect((fn.contents as { value: string }).value).toContain('502 on connect failure');
  });

  it('gives signature help with the active parameter', async () => {
    const scratch = ws.uri('sig.pcmod');
    await client.open(scratch, 'mod s\non_request {\n  if std.rate_limit(10, \n}\n');
    const help = await client.request<SignatureHelp>('textDocument/signatureHelp', {
      textDocument: { uri: scratch },
      position: at(2, 23),
    });
    expect(help.signatures[0]?.label).toBe('std.rate_limit(rps: int, burst: int, key?: str) -> bool');
    expect(help.activeParameter).toBe(1);
  });

  it('goes from $field to its config line and from overrides NAME to that module', async () => {
    const def = await client.request<Location>('textDocument/definition', {
      textDocument: { uri: uri() },
      position: at(14, 31),
    });
    expect(def).toEqual({ uri: uri(), range: range(8, 2, 8, 10) });
    const mod = await client.request<Location>('textDocument/definition', {
      textDocument: { uri: uri() },
      position: at(3, 12),
    });
    expect(mod).toEqual({ uri: `file://${repoRoot}mods/health_check.pcmod`, range: range(1, 4, 1, 16) });
  });

  it('finds references of a config field in the module and in config.toml', async () => {
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri() },
      position: at(8, 4),
      context: { includeDeclaration: true },
    });
    expect(refs).toEqual([
      { uri: uri(), range: range(8, 2, 8, 10) },
      { uri: uri(), range: range(14, 29, 14, 37) },
      { uri: uri(), range: range(15, 30, 15, 38) },
      { uri: ws.uri('config.toml'), range: range(1, 0, 1, 8) },
    ]);
  });

  it('renames a config field everywhere it is used', async () => {
    const prepared = await client.request<unknown>('textDocument/prepareRename', {
      textDocument: { uri: uri() },
      position: at(14, 31),
    });
    expect(prepared).toEqual(range(14, 29, 14, 37));
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: uri() },
      position: at(14, 31),
      newName: 'salute',
    });
    expect(edit.changes?.[uri()]?.map((e) => [e.range, e.newText])).toEqual([
      [range(8, 2, 8, 10), 'salute'],
      [range(14, 29, 14, 37), 'salute'],
      [range(15, 30, 15, 38), 'salute'],
    ]);
    expect(edit.changes?.[ws.uri('config.toml')]).toEqual([{ range: range(1, 0, 1, 8), newText: 'salute' }]);
  });

  it('lists document symbols and folding ranges', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri: uri() },
    });
    expect(symbols.map((s) => [s.name, s.detail])).toEqual([
      ['greeter', 'mod'],
      ['version', '1.0.0'],
      ['priority', '75'],
      ['health_check', 'overrides'],
      ['config', '3 field(s)'],
      ['on_request', 'handler'],
    ]);
    expect(symbols[4]?.children?.map((c) => [c.name, c.detail])).toEqual([
      ['enabled', 'bool'],
      ['greeting', 'str'],
      ['paths', 'list<str>'],
    ]);
    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', {
      textDocument: { uri: uri() },
    });
    expect(folds.map((f) => [f.startLine, f.endLine])).toEqual([
      [5, 9],
      [12, 17],
      [13, 15],
    ]);
  });

  it('produces semantic tokens from the compiler’s tokens', async () => {
    const legend = init.capabilities.semanticTokensProvider?.legend;
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', {
      textDocument: { uri: uri() },
    });
    const decoded = new Map<string, string>();
    let line = 0;
    let char = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl = 0, dc = 0, len = 0, type = 0] = tokens.data.slice(i, i + 5);
      line += dl;
      char = dl === 0 ? char + dc : dc;
      decoded.set(`${line}:${char}:${len}`, legend?.tokenTypes[type] ?? '?');
    }
    expect(decoded.get('0:0:3')).toBe('keyword'); // mod
    expect(decoded.get('0:4:7')).toBe('namespace'); // greeter
    expect(decoded.get('7:2:31')).toBe('comment');
    expect(decoded.get('8:11:3')).toBe('type'); // str
    expect(decoded.get('13:5:4')).toBe('property'); // path (a request field)
    expect(decoded.get('13:10:2')).toBe('keyword'); // in
    expect(decoded.get('14:28:9')).toBe('variable'); // $greeting
    expect(decoded.get('17:6:4')).toBe('enumMember'); // info
  });

  it('formats with the compiler’s formatter', async () => {
    const scratch = ws.uri('fmt.pcmod');
    const messy = 'mod   fmt\non_request {\nset_header X-A   "1"\n}\n';
    await client.open(scratch, messy);
    const edits = await client.request<TextEdit[]>('textDocument/formatting', {
      textDocument: { uri: scratch },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits).toEqual([{ range: range(0, 0, 4, 0), newText: format(messy, 'fmt.pcmod').text }]);
    expect(edits[0]?.newText).toContain('set_header "X-A" "1"');
  });

  it('offers the compiler’s quick fixes as code actions', async () => {
    const scratch = ws.uri('fmt.pcmod');
    const diags = await client.diagnosticsFor(scratch, (d) => d.some((x) => x.code === 'PCM4001'));
    const bare = diags.find((d) => d.code === 'PCM4001');
    expect(bare?.range).toEqual(range(2, 11, 2, 14));
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: scratch },
      range: range(2, 12, 2, 12),
      context: { diagnostics: bare ? [bare] : [] },
    });
    expect(actions[0]?.title).toBe('Quote as "X-A"');
    expect(actions[0]?.edit?.changes?.[scratch]).toEqual([{ range: range(2, 11, 2, 14), newText: '"X-A"' }]);
  });

  it('runs the server commands behind "Check workspace" and "Show compiled output"', async () => {
    const summary = await client.request<{ files: number; errors: number }>('workspace/executeCommand', {
      command: 'pcmod.server.checkWorkspace',
      arguments: [],
    });
    expect(summary.files).toBeGreaterThanOrEqual(4);
    expect(summary.errors).toBeGreaterThanOrEqual(2);
    const out = await client.request<{ ok: boolean; text: string }>('workspace/executeCommand', {
      command: 'pcmod.server.compiledOutput',
      arguments: [uri()],
    });
    expect(out.ok).toBe(true);
    expect(out.text.length).toBeGreaterThan(0);
    const broken = await client.request<{ ok: boolean; text: string }>('workspace/executeCommand', {
      command: 'pcmod.server.compiledOutput',
      arguments: [ws.uri('broken.pcmod')],
    });
    expect(broken.ok).toBe(false);
    expect(broken.text).toContain('PCM2003');
  });
});
