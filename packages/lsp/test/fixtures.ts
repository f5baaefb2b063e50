/** A temporary workspace for the language-server tests: modules, a duplicate, and a config.toml. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const greeterText = [
  'mod greeter', //                                   0
  'version 1.0.0', //                                 1
  'priority 75', //                                   2
  'overrides health_check', //                        3
  '', //                                              4
  'config {', //                                      5
  '  enabled bool true', //                           6
  '  # Text sent back to the client.', //            7
  '  greeting str "hello"', //                        8
  '  paths list ["/hello", "/hi"]', //                9
  '}', //                                            10
  '', //                                             11
  'on_request {', //                                 12
  '  if path in $paths {', //                        13
  '    set_header "X-Greeting" $greeting', //        14
  '    respond 200 text "Hello, $greeting!"', //     15
  '  }', //                                          16
  '  log info "seen ${path}"', //                    17
  '}', //                                            18
  '',
].join('\n');

export const configText = [
  '[server]', //                           0
  'listen_addr = "127.0.0.1:99999"', //    1
  'http2 = "yes"', //                      2
  '', //                                   3
  '[greeter]', //                          4
  'greeting = "hi"', //                    5
  'colour = "blue"', //                    6
  '', //                                   7
  '[nosuch]', //                           8
  'x = 1', //                              9
  '',
].join('\n');

export interface Workspace {
  readonly root: string;
  uri(name: string): string;
  dispose(): void;
}

/** Writes the fixture workspace: greeter.pcmod, twin.pcmod (same name), lonely.pcmod (unknown override), config.toml. */
export function makeWorkspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'pcmod-lsp-'));
  mkdirSync(join(root, 'mods'));
  writeFileSync(join(root, 'mods', 'greeter.pcmod'), greeterText);
  writeFileSync(join(root, 'mods', 'twin.pcmod'), 'mod greeter\n\non_request {\n  pass\n}\n');
  writeFileSync(
    join(root, 'mods', 'lonely.pcmod'),
    'mod lonely\noverrides ghost\n\non_request {\n  pass\n}\n',
  );
  writeFileSync(join(root, 'config.toml'), configText);
  return {
    root,
    uri: (name) => pathToFileURL(join(root, name)).href,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
