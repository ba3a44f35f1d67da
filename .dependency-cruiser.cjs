/**
 * The layers of src/, by position, and the rule that no import runs back up
 * them (and that there is no import circle). `npm run check:layers`; `npm test`
 * runs it, with the folder-level circle check (tools/check-folder-cycles.ts).
 *
 *   src/core/        ids, errors with a kind, the caller, text, time — imports nothing of the app
 *   src/infra/       settings, logger, metrics, guarded outbound HTTP — over core only
 *   src/db/, src/secrets/   storage (one store per aggregate) and sealing — over infra
 *   src/domain/*     the rules and use cases, one folder per feature — over storage
 *   src/wiring/      the services of one process
 *   src/doors/*      GraphQL, REST, HTTP, the CLI: translate to and from the services
 *   src/*.ts         the HTTP app and the entry points
 *
 * Every folder of src/ is one of these (a new one is refused until it is placed), and
 * only storage, the domain and the wiring may import src/db: a door, or any new folder,
 * cannot reach the database but through the services.
 */
const under = (...folders) => `^src/(${folders.join('|')})/`;
const CORE = under('core');
const INFRA = under('infra');
const STORAGE = under('db', 'secrets');
const DOMAIN = under('domain');
const WIRING = under('wiring');
const DOORS = under('doors');
const TOP = '^src/[^/]+\\.ts$';
const GENERATED = under('generated');
const PLACED = ['core', 'infra', 'db', 'secrets', 'domain', 'wiring', 'doors', 'generated'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import circle', from: {}, to: { circular: true } },
    {
      name: 'every-folder-is-in-a-layer',
      severity: 'error',
      comment: `A folder of src/ that is no layer: put it under ${PLACED.map((f) => `src/${f}/`).join(', ')}`,
      from: { path: `^src/(?!(${PLACED.join('|')})/)[^/]+/` },
      to: {},
    },
    {
      name: 'core-imports-nothing-of-the-app',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^src/', pathNot: CORE },
    },
    {
      name: 'infra-over-core-only',
      severity: 'error',
      from: { path: INFRA },
      to: { path: '^src/', pathNot: `(${CORE}|${INFRA})` },
    },
    {
      name: 'storage-below-the-domain',
      severity: 'error',
      from: { path: STORAGE },
      to: { path: '^src/', pathNot: `(${CORE}|${INFRA}|${STORAGE}|${GENERATED})` },
    },
    {
      name: 'domain-below-the-wiring',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/', pathNot: `(${CORE}|${INFRA}|${STORAGE}|${DOMAIN}|${GENERATED})` },
    },
    {
      name: 'wiring-below-the-doors',
      severity: 'error',
      from: { path: WIRING },
      to: { path: `(${DOORS}|${TOP})` },
    },
    {
      name: 'doors-below-the-entry-points',
      severity: 'error',
      from: { path: DOORS },
      to: { path: TOP },
    },
    {
      name: 'only-storage-domain-and-wiring-reach-the-database',
      severity: 'error',
      comment: 'A door (or any other code) calls the services; only the stores (src/db) touch the database',
      from: { path: '^src/', pathNot: `(${STORAGE}|${DOMAIN}|${WIRING})` },
      to: { path: under('db') },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', GENERATED] },
    exclude: { path: GENERATED },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
