/**
 * The certificate and key of the TLS listeners (`server.tls_cert` / `server.tls_key`, PEM files), read and
 * checked together so that a reload with a broken pair is refused before anything changes.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ProxyError } from '../errors/proxy-error.js';

/** A PEM certificate chain and its private key, known to belong together. */
export interface TlsMaterial {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** ALPN protocols of the TLS listener, in server preference order. */
export const alpnProtocols: readonly string[] = ['h2', 'http/1.1'];

/** Reads and validates the pair; a coded error (never a throw) when a file is unreadable or they differ. */
export function readTlsMaterial(
  certFile: string,
  keyFile: string,
): { ok: true; material: TlsMaterial } | { ok: false; error: ProxyError } {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certFile);
    key = readFileSync(keyFile);
    // Fails on unparsable PEM and on a key that does not match the certificate.
    createSecureContext({ cert, key });
  } catch (err) {
    return {
      ok: false,
      error: new ProxyError(
        'PC_ERR_INTERNAL',
        'internal',
        `cannot load TLS certificate ${certFile} / key ${keyFile}: ${(err as Error).message}`,
        err,
      ),
    };
  }
  return { ok: true, material: { certFile, keyFile, cert, key } };
}

/** True when the two pairs have the same bytes (a reload with unchanged files keeps the context). */
export function sameMaterial(a: TlsMaterial | undefined, b: TlsMaterial | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.cert.equals(b.cert) && a.key.equals(b.key);
}
