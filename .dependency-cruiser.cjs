/**
 * The layers of src/ and the rule that no import runs back up them (and that
 * there is no import circle). `npm run check:layers`; `npm test` runs it.
 *
 *   core/                         ids, app-wide errors, the caller — imports nothing of the app
 *   logger, metrics               infrastructure — imports nothing of the app
 *   config, db/, secrets/         settings, storage (stores own their tables), sealing
 *   credentials/, auth/, audit/, workspaces/, delivery/, validation/   the domain: rules and use cases, over the stores
 *   services, runtime             wiring the services of one process
 *   doors/, http/, graphql/, rest/, cli/   the doors: translate to and from the services
 *   app, main                     the HTTP app and the entry point
 */
const layer = (...folders) => `^src/(${folders.join('|')})(/|\\.ts$)`;
const CORE = layer('core');
const INFRA = layer('logger', 'metrics');
const STORAGE = layer('config', 'db', 'secrets');
const DOMAIN = layer('credentials', 'auth', 'audit', 'workspaces', 'delivery', 'validation');
const WIRING = layer('services', 'runtime');
const DOORS = layer('doors', 'http', 'graphql', 'rest', 'cli');
const TOP = layer('app', 'main');

const above = (...layers) => `(${layers.join('|')})`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import circle', from: {}, to: { circular: true } },
    {
      name: 'core-imports-nothing-of-the-app',
      severity: 'error',
      from: { path: `(${CORE}|${INFRA})` },
      to: { path: '^src/', pathNot: CORE },
    },
    {
      name: 'storage-below-the-domain',
      severity: 'error',
      from: { path: STORAGE },
      to: { path: above(DOMAIN, WIRING, DOORS, TOP) },
    },
    {
      name: 'domain-below-the-doors',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: above(WIRING, DOORS, TOP) },
    },
    {
      name: 'wiring-below-the-doors',
      severity: 'error',
      from: { path: WIRING },
      to: { path: above(DOORS, TOP) },
    },
    {
      name: 'doors-below-the-app',
      severity: 'error',
      from: { path: DOORS },
      to: { path: TOP },
    },
    {
      name: 'doors-use-services-not-the-database',
      severity: 'error',
      comment: 'A door calls the services; only the stores (src/db) touch the database',
      from: { path: DOORS },
      to: { path: '^src/db/', pathNot: '^src/db/paths\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
