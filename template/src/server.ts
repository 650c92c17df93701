import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, createMetricsApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createAppContainer, disposeContainer } from './container.js';
import { describeDatabase } from './db/database.js';
import { startBackgroundRuns } from './health/background-runs.js';
import { createHttpServer } from './http/create-server.js';
import { exitOnFatalErrors } from './lifecycle/fatal-errors.js';
import { createShutdown } from './lifecycle/shutdown.js';
import { warnIfTracingNotStarted } from './tracing/preload-warning.js';
import { shutdownTracing } from './tracing/shutdown.js';

/**
 * The process: reads the configuration, listens at once (so liveness answers
 * while the database is still coming up), runs the migrations in the
 * background and owns the signals and the errors nothing caught.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  const container = createAppContainer(config);
  const { logger, errorMetrics, health, migrator, service } = container.cradle;
  logger.info({ database: describeDatabase(config) }, `using ${describeDatabase(config)}`);
  warnIfTracingNotStarted(logger);

  const servers: Server[] = [
    await listen(createHttpServer(createApp(container).callback(), config), config.port, config.host),
  ];
  if (config.metricsPort !== undefined) {
    const metricsServer = createHttpServer(createMetricsApp(container).callback(), config);
    servers.push(await listen(metricsServer, config.metricsPort, config.host));
  }
  for (const server of servers) {
    const { address, port } = server.address() as AddressInfo;
    logger.info({ address, port }, `${service.name} listening on ${address}:${port}`);
  }

  // At once, so that the metrics are current before anything probes; probes meanwhile share its first runs.
  const healthRuns = config.healthIntervalMs > 0 ? startBackgroundRuns(health, config.healthIntervalMs) : undefined;

  const shutdown = createShutdown({
    servers,
    health,
    healthRuns,
    logger,
    delayMs: config.shutdownDelayMs,
    timeoutMs: config.shutdownTimeoutMs,
    dispose: () => disposeContainer(container),
    flush: shutdownTracing,
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  exitOnFatalErrors({ logger, errorMetrics, shutdown });

  if (config.migrateOnStart) void migrator.start();
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

await main();
