/** `npm start`: read config, open the database (migrating it), listen. */
import { buildApp } from './app.js';
import { newId } from './core/ids.js';
import { listenForMetrics } from './doors/http/metrics-endpoint.js';
import { type Config, loadConfig, loadEnvFile, unknownSettings } from './infra/config/index.js';
import { createLogger, flushLogs } from './infra/logger.js';
import { checkPortFree } from './infra/ports.js';
import { openRuntime } from './wiring/runtime.js';
import { explainStartupFailure } from './wiring/startup.js';

let config: Config;
let fileSettings: string[];
try {
  fileSettings = loadEnvFile();
  config = loadConfig();
} catch (error) {
  process.stderr.write(`Cannot start: ${(error as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
// A misspelled setting would be silently ignored: say so, on the terminal and in the log.
for (const warning of unknownSettings(process.env, fileSettings)) {
  process.stderr.write(`Warning: ${warning}\n`);
  logger.warn(warning);
}

try {
  // A port in use is found before the database and the key file are made.
  await checkPortFree(config.port, config.host);
  if (config.metrics.port !== undefined) await checkPortFree(config.metrics.port, config.metrics.host);
  const services = await openRuntime(config, logger);

  const app = await buildApp({ services, logger, config });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  // First run: a database without users gets one, and its token is printed once: on stderr, as a plain
  // block for the person starting the service, never into the structured log (stdout).
  // (Of instances starting together on a new database, exactly one makes them.)
  const first = await services.tokens.createFirstUser();
  if (first) {
    const { token } = first;
    logger.info({ user: 'admin' }, 'first run: created the user admin and an access token (printed once on stderr)');
    process.stderr.write(
      `\nFirst run: created user 'admin' and this access token (shown once, store it now):\n\n  ${token}\n\n` +
        `Use it like this:\n\n  curl -s http://localhost:${port}/graphql -H 'Authorization: Bearer ${token}' \\\n` +
        `    -H 'Content-Type: application/json' -d '{"query":"{ viewer { name } }"}'\n\n`,
    );
  }

  services.startBackground();
  if (config.validation.everyMs !== undefined) logger.info({ everyMs: config.validation.everyMs }, 're-validating every credential in the background');
  const metricsServer = await listenForMetrics(services.metrics, config.metrics);
  if (metricsServer) logger.info({ port: config.metrics.port, host: config.metrics.host }, 'metrics served on their own port');
  const base = `http://localhost:${port}`;
  logger.info(
    { graphql: `${base}/graphql`, graphiql: config.graphiql ? `${base}/graphql` : 'disabled' },
    `GraphQL at ${base}/graphql${config.graphiql ? ' (open it in a browser for GraphiQL)' : ''}`,
  );

  // Graceful shutdown: stop accepting, let requests in flight finish (cut after the grace period), close the database.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing requests in flight');
    const cut = setTimeout(() => {
      logger.warn('grace period over: closing the connections still open');
      app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    await app.close();
    clearTimeout(cut);
    metricsServer?.close();
    await services.close();
    logger.info('stopped');
    await flushLogs(logger);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  // One plain line on stderr saying what to change; the log keeps its line (with the error itself only when
  // it is not one the service can explain: a bug, whose id the operator can report).
  const explained = explainStartupFailure(error, config);
  if (explained) {
    logger.fatal({ code: (error as { code?: unknown }).code }, `cannot start: ${explained}`);
    process.stderr.write(`Cannot start: ${explained}\n`);
  } else {
    const errorId = newId();
    logger.fatal({ errorId, err: error }, 'failed to start');
    process.stderr.write(`Cannot start: an unexpected error (Error ID: ${errorId}, in the log)\n`);
  }
  await flushLogs(logger);
  process.exit(1);
}
