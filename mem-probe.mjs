const mb = (n) => (n / 1048576).toFixed(0);
const t0 = performance.now();
const show = (label) => {
  const m = process.memoryUsage();
  console.log(
    label.padEnd(20),
    'rss',
    mb(m.rss),
    'heap',
    mb(m.heapUsed),
    '/',
    mb(m.heapTotal),
    'ext',
    mb(m.external),
    `${(performance.now() - t0).toFixed(0)} ms`,
  );
};
const { loadConfig } = await import('./dist/config.js');
const { createLogger } = await import('./dist/logger.js');
const { openRuntime } = await import('./dist/runtime.js');
const { buildApp } = await import('./dist/app.js');
show('imported');
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: 'file:/tmp/rss/db.sqlite',
  MASTER_KEY_FILE: '/tmp/rss/keys/k.json',
  PORT: '18951',
  HOST: '127.0.0.1',
});
const logger = createLogger('warn');
const services = await openRuntime(config, logger);
show('runtime');
const app = await buildApp({ services, logger, config });
show('app');
await app.listen({ port: 18951, host: '127.0.0.1' });
show('listen');
await fetch('http://127.0.0.1:18951/healthz');
show('first answer');
global.gc?.();
show('after gc');
process.exit(0);
