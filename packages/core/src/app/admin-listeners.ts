/**
 * The admin listeners modules open through `HostServices.listenAdmin`. Listeners are app-wide and keyed
 * by address so that a reload re-claiming the same address keeps the socket; the generation that is
 * committed decides which module instance serves it, and addresses no longer claimed are closed.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ClientErrorReporter, HttpServerLimits } from '../http/create-server.js';
import { createHttpServer } from '../http/create-server.js';
import { createRequestHandler, type ServingPipeline } from '../http/request-handler.js';
import { type HostPort, listenOn, parseHostPort } from '../http/socket-address.js';
import { errorResponse } from '../pipeline/error-response.js';
import type { OnComplete } from '../pipeline/hooks.js';
import { Pipeline, type ScriptErrorReporter } from '../pipeline/pipeline.js';
import type { AdminClaim, Generation } from './generation.js';

export interface AdminListenersOptions {
  readonly logger: Logger;
  readonly onComplete: OnComplete | undefined;
  draining(): boolean;
  readonly report: ScriptErrorReporter;
  limits(maxConnections: number): HttpServerLimits;
  readonly onClientError: ClientErrorReporter;
}

interface AdminEntry {
  readonly addr: string;
  readonly server: Server;
  claim: AdminClaim;
  bound: HostPort | undefined;
}

/** Serves one admin request: only the claiming module's on_request runs; no response → 404. */
function servingFor(claim: AdminClaim, report: ScriptErrorReporter): ServingPipeline {
  const gen: Generation = claim.generation;
  const inst = claim.instance();
  const pipeline = new Pipeline(
    [
      {
        name: claim.module.name,
        file: claim.module.file,
        priority: claim.module.priority,
        instance: { onRequest: inst.onRequest === undefined ? undefined : (x) => inst.onRequest?.(x) },
        sourceMap: claim.module.sourceMap,
      },
    ],
    report,
    (x) => x.replaceResponse(errorResponse(404)),
  );
  return {
    pipeline,
    maxBodySize: gen.maxBodySize,
    trustedProxies: gen.trustedProxies,
    enter: () => gen.enter(),
    leave: () => gen.leave(),
  };
}

export class AdminListeners {
  private readonly entries = new Map<string, AdminEntry>();

  constructor(private readonly options: AdminListenersOptions) {}

  address(addr: string): HostPort | undefined {
    return this.entries.get(addr)?.bound;
  }

  /** Claims `addr` for `claim.generation`; opens the listener when no generation holds it yet. */
  async listen(addr: string, claim: AdminClaim): Promise<void> {
    claim.generation.adminClaims.set(addr, claim);
    const existing = this.entries.get(addr);
    if (existing !== undefined) {
      // Owned by the running generation: the new claim takes over on commit.
      if (existing.claim.generation === claim.generation) existing.claim = claim;
      return;
    }
    const hp = parseHostPort(addr);
    if (hp === undefined) throw new Error(`invalid admin listen address ${addr}`);
    const o = this.options;
    const server = createHttpServer(
      o.limits(claim.maxConnections),
      createRequestHandler({
        listener: 'admin',
        current: () => servingFor(entry.claim, o.report),
        onComplete: o.onComplete,
        draining: o.draining,
        onHookError: (err) => o.logger.error({ err }, 'onComplete hook failed'),
      }),
      o.onClientError,
    );
    // The handler above reads `entry` only when a request arrives, after this line.
    const entry: AdminEntry = { addr, claim, bound: undefined, server };
    this.entries.set(addr, entry);
    try {
      entry.bound = await listenOn(server, hp);
    } catch (err) {
      this.entries.delete(addr);
      claim.generation.adminClaims.delete(addr);
      throw err;
    }
    o.logger.info({ listen_addr: addr, module: claim.module.name }, 'admin listener open');
  }

  /** Makes `gen`'s claims current and closes listeners it does not claim. */
  commit(gen: Generation): void {
    for (const [addr, entry] of this.entries) {
      const claim = gen.adminClaims.get(addr);
      if (claim !== undefined) {
        entry.claim = claim;
        entry.server.maxConnections = claim.maxConnections;
      } else {
        this.close(entry);
      }
    }
  }

  /** A build of `gen` failed: close the listeners only it had opened. */
  async release(gen: Generation): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const entry of this.entries.values())
      if (entry.claim.generation === gen) closing.push(this.close(entry));
    await Promise.all(closing);
  }

  closeAll(): Promise<void> {
    return Promise.all([...this.entries.values()].map((e) => this.close(e))).then(() => {});
  }

  /** Destroys connections still open on admin listeners (after the shutdown drain). */
  destroyAll(): void {
    for (const e of this.closing) e.closeAllConnections();
  }

  private readonly closing = new Set<Server>();

  private close(entry: AdminEntry): Promise<void> {
    this.entries.delete(entry.addr);
    this.closing.add(entry.server);
    return new Promise((resolve) => {
      entry.server.close(() => {
        this.closing.delete(entry.server);
        resolve();
      });
      entry.server.closeIdleConnections();
    });
  }
}
