/**
 * `proxycache run`: compile the modules, load the config, start the proxy, and stay up until SIGTERM or
 * SIGINT (graceful shutdown). SIGHUP and the admin API's `/reload` recompile and reload the config and
 * swap the pipeline atomically; on any error the old pipeline keeps serving and the error is reported.
 */
import { existsSync } from 'node:fs';
import type { CompiledModule } from '@proxycache/pcmod-lang';
import type { Logger } from 'pino';
import { ProxyApp, type SwapResult } from '../app/proxy-app.js';
import { verifyConfig } from '../config/load-config.js';
import { repairConfig } from '../config/repair-config.js';
import { ProxyError } from '../errors/proxy-error.js';
import { formatHostPort } from '../http/socket-address.js';
import { createRequestObserver } from '../observability/access-log.js';
import { createLogger } from '../observability/logger.js';
import { ProxyMetrics } from '../observability/metrics.js';
import type { ConfigFileReport, ReloadResult } from '../pipeline/host.js';
import { createBindings } from '../stdlib/bindings.js';
import { allowOnly, type ParsedArgs } from './args.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { compileModules, loadAndReportConfig, type SourcePaths, sourcePaths } from './modules-and-config.js';
import { prepareGeneration, toReloadDiagnostics } from './prepare-generation.js';

export async function runCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.words.length > 1) throw new UsageError(`unexpected argument '${args.words[1]}'`);
  allowOnly(args, 'run', ['config', 'mods']);
  const paths = sourcePaths(args, io);
  // SIGHUP is handled from the first moment to the last: its default action ends the process, which a
  // logrotate or `systemctl reload` landing while the modules compile or while shutdown drains must not do.
  let hup: () => void = () => io.stderr.write('proxycache: SIGHUP ignored: still starting\n');
  const offHup = io.onSignal('SIGHUP', () => hup());
  try {
    return await serve(paths, io, (next) => {
      hup = next;
    });
  } finally {
    offHup();
  }
}

/** Compiles, loads, starts and runs until SIGTERM/SIGINT; `onHup` sets what SIGHUP does from then on. */
async function serve(paths: SourcePaths, io: CliIo, onHup: (handler: () => void) => void): Promise<number> {
  const loaded = compileModules(paths, io);
  if (!loaded.ok) {
    io.stderr.write('proxycache: not starting: the modules above have errors\n');
    return ExitCode.failure;
  }
  const configResult = loadAndReportConfig(paths, loaded.modules, io);
  if (!configResult.config) {
    io.stderr.write('proxycache: not starting: the config has errors\n');
    return ExitCode.failure;
  }
  const config = configResult.config;
  const logger = createLogger(config.server.log_level);
  for (const note of configResult.notes) logger.info(note);

  const metrics = new ProxyMetrics();
  const app = new ProxyApp();
  const reloader = new Reloader(app, paths, loaded.modules, logger);
  try {
    await app.start({
      config,
      modules: loaded.modules,
      bindingsFactory: createBindings,
      logger,
      metrics,
      onComplete: createRequestObserver({ logger, metrics }),
      reload: () => reloader.reload(),
      verifyConfig: () => Promise.resolve(reloader.verify()),
      repairConfig: () => Promise.resolve(reloader.repair()),
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    logger.fatal({ err: e }, `cannot start: ${message}`);
    logger.flush();
    io.stderr.write(`proxycache: cannot start: ${message}\n`);
    return ExitCode.failure;
  }
  logger.info(`listening on ${formatHostPort(app.address.host, app.address.port)}`);

  await new Promise<void>((resolve) => {
    const unsubscribe: (() => void)[] = [];
    const stop = (signal: NodeJS.Signals) => () => {
      // A second SIGTERM/SIGINT while draining takes the default action (ends the process at once).
      for (const off of unsubscribe) off();
      onHup(() => logger.warn({ signal: 'SIGHUP' }, 'reload ignored: shutting down'));
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    unsubscribe.push(io.onSignal('SIGTERM', stop('SIGTERM')), io.onSignal('SIGINT', stop('SIGINT')));
    onHup(() => {
      logger.info({ signal: 'SIGHUP' }, 'reloading');
      void reloader.reload();
    });
  });
  await app.shutdown();
  logger.info('stopped');
  logger.flush();
  return ExitCode.ok;
}

/** Builds new pipelines from disk for a running app, one reload at a time. */
class Reloader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly app: ProxyApp,
    private readonly paths: SourcePaths,
    /** The modules the live pipeline was built from (for config verify/repair via the admin API). */
    private modules: readonly CompiledModule[],
    private readonly logger: Logger,
  ) {}

  /** Recompiles modules, reloads the config and swaps; concurrent calls run one after another. */
  reload(): Promise<ReloadResult> {
    const next = this.queue.then(() => this.reloadNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<ReloadResult> {
    const current = this.modules.map((m) => m.name);
    const prepared = prepareGeneration(this.paths);
    if (!prepared.ok) {
      const diagnostics = toReloadDiagnostics(prepared.diagnostics, prepared.configErrors);
      this.logger.error({ diagnostics }, 'reload failed: the current pipeline keeps serving');
      return { ok: false, diagnostics, modules: current };
    }
    let swapped: SwapResult;
    try {
      swapped = await this.app.swap(prepared.config, prepared.modules);
    } catch (e) {
      // A reload must never take the process down (the SIGHUP handler does not await it).
      swapped = {
        ok: false,
        error: new ProxyError('PC_ERR_INTERNAL', 'internal', `swap failed: ${String(e)}`, e),
      };
    }
    if (!swapped.ok) {
      const diagnostics = [
        {
          code: swapped.error.code,
          file: '',
          line: 0,
          column: 0,
          message: swapped.error.message,
          severity: 'error',
        },
      ];
      this.logger.error({ diagnostics }, 'reload failed: the current pipeline keeps serving');
      return { ok: false, diagnostics, modules: current };
    }
    this.modules = prepared.modules;
    this.logger.level = prepared.config.server.log_level;
    for (const note of prepared.notes) this.logger.info(note);
    const names = prepared.modules.map((m) => m.name);
    this.logger.info({ modules: names }, 'reloaded');
    return { ok: true, diagnostics: toReloadDiagnostics(prepared.warnings, []), modules: names };
  }

  /** The config file on disk checked against the live modules. */
  verify(): ConfigFileReport {
    const file = this.configFileOnDisk();
    const result = verifyConfig(file, this.modules);
    return { ok: result.valid, file, errors: result.errors };
  }

  /** Appends missing sections for the live modules to the config file (creating it if absent). */
  repair(): ConfigFileReport {
    const result = repairConfig(this.paths.configFile, this.modules);
    return {
      ok: result.errors.length === 0,
      file: this.paths.configFile,
      errors: result.errors,
      added: result.added,
    };
  }

  private configFileOnDisk(): string | undefined {
    return existsSync(this.paths.configFile) ? this.paths.configFile : undefined;
  }
}
