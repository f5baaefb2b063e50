/** File-system paths ↔ `file:` URIs, and the kinds of file the server understands. */
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export function isPcmodUri(uri: string): boolean {
  return uri.endsWith('.pcmod');
}

/** `config.toml`, and variants such as `staging.config.toml` or `proxycache-config.toml`. */
export function isConfigTomlUri(uri: string): boolean {
  const name = basename(uri);
  return name === 'config.toml' || name.endsWith('.config.toml') || name.endsWith('-config.toml');
}
