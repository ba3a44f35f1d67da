/**
 * The layers of src/, and the rule that no import runs back up them (and that
 * there is no import circle). `npm run check:layers`; `npm test` runs it, with
 * the folder-level checks of tools/check-folder-cycles.ts (no circle between
 * features, no file over 400 lines). docs/architecture.md draws the picture.
 *
 *   src/core/        ids, errors with a kind, the caller, text, time — imports nothing of the app
 *   src/infra/       settings, logger, metrics, guarded outbound HTTP — over core only
 *   src/platform/    the database client, migrations, sealing — over infra
 *   src/doors/       the plumbing of GraphQL, REST, HTTP and the CLI: knows no feature
 *   src/features/<feature>/   one folder per feature, owning its model:
 *        rules/      what is allowed and how values look (pure)
 *        use-cases/  what a caller can do; jobs/ what runs by itself — over ports, never the store
 *        store/      the feature's tables (the only code that holds the Prisma client)
 *        doors/{graphql,rest,cli}/   translate to and from the use cases — never the store
 *        index.ts    the feature's face: what other features may import
 *   src/wiring/      the composition root: builds the stores and services of one process
 *   src/*.ts         the HTTP app and the entry points
 *
 * Every folder of src/ is one of these (a new one is refused until it is placed).
 */
const under = (...folders) => `^src/(${folders.join('|')})/`;
const CORE = under('core');
const INFRA = under('infra');
const PLATFORM = under('platform');
const PLUMBING = under('doors');
const FEATURES = under('features');
const WIRING = under('wiring');
const TOP = '^src/[^/]+\\.ts$';
const GENERATED = under('generated');
const PLACED = ['core', 'infra', 'platform', 'doors', 'features', 'wiring', 'generated'];
const any = (...paths) => `(${paths.join('|')})`;

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
      name: 'every-folder-is-in-a-layer',
      severity: 'error',
      comment: 'A file in a folder of src/ that is no layer (and imports nothing)',
      from: { orphan: true, path: `^src/(?!(${PLACED.join('|')})/)[^/]+/` },
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
      to: { path: '^src/', pathNot: any(CORE, INFRA) },
    },
    {
      name: 'platform-below-the-features',
      severity: 'error',
      from: { path: PLATFORM },
      to: { path: '^src/', pathNot: any(CORE, INFRA, PLATFORM, GENERATED) },
    },
    {
      name: 'plumbing-knows-no-feature',
      severity: 'error',
      comment: 'src/doors/ is the plumbing every feature uses; what a feature brings is passed in (wiring, app.ts)',
      from: { path: PLUMBING },
      to: { path: '^src/', pathNot: any(CORE, INFRA, PLUMBING) },
    },
    {
      name: 'features-below-the-wiring',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: '^src/', pathNot: any(CORE, INFRA, PLATFORM, PLUMBING, FEATURES, GENERATED) },
    },
    {
      name: 'another-feature-only-through-its-face',
      severity: 'error',
      comment:
        "Import another feature through its index.ts (or, from a door, the same door's index.ts: doors/graphql/index.ts, doors/rest/index.ts): never its insides",
      from: { path: '^src/features/([^/]+)/' },
      to: {
        path: '^src/features/',
        pathNot: ['^src/features/$1/', '^src/features/[^/]+/index\\.ts$', '^src/features/[^/]+/doors/(graphql|rest)/index\\.ts$'],
      },
    },
    {
      name: 'graphql-faces-only-from-graphql-doors',
      severity: 'error',
      comment: "Another feature's GraphQL types are for GraphQL doors (the CLI must not load Pothos)",
      from: { path: '^src/features/([^/]+)/', pathNot: '^src/features/[^/]+/doors/graphql/' },
      to: { path: '^src/features/[^/]+/doors/graphql/index\\.ts$', pathNot: '^src/features/$1/' },
    },
    {
      name: 'rest-faces-only-from-rest-doors',
      severity: 'error',
      comment: "Another feature's REST shapes are for REST doors",
      from: { path: '^src/features/([^/]+)/', pathNot: '^src/features/[^/]+/doors/rest/' },
      to: { path: '^src/features/[^/]+/doors/rest/index\\.ts$', pathNot: '^src/features/$1/' },
    },
    {
      name: 'rules-are-pure',
      severity: 'error',
      comment: 'rules/ decide from values: no use case, job, store, door or database',
      from: { path: '^src/features/[^/]+/rules/' },
      to: { path: any('^src/features/[^/]+/(use-cases|jobs|store|doors)/', '^src/platform/db/') },
    },
    {
      name: 'use-cases-and-jobs-over-ports',
      severity: 'error',
      comment: 'A use case or job reaches storage through a port the wiring fills, never a store or the database',
      from: { path: '^src/features/[^/]+/(use-cases|jobs)/' },
      to: { path: any('^src/features/[^/]+/(store|doors)/', '^src/platform/db/', GENERATED) },
    },
    {
      name: 'stores-serve-the-use-cases',
      severity: 'error',
      comment: 'A store implements the ports of its feature: it imports no use case, job or door',
      from: { path: '^src/features/[^/]+/store/' },
      to: { path: '^src/features/[^/]+/(use-cases|jobs|doors)/' },
    },
    {
      name: 'doors-call-use-cases',
      severity: 'error',
      comment: 'A door translates to and from the use cases: never a store or the database',
      from: { path: '^src/features/[^/]+/doors/' },
      to: { path: any('^src/features/[^/]+/store/', '^src/platform/db/', GENERATED) },
    },
    {
      name: 'only-stores-hold-the-database',
      severity: 'error',
      comment: 'Only a feature’s store/, src/platform/db and the wiring reach the database client or Prisma',
      from: { path: '^src/', pathNot: any('^src/features/[^/]+/store/', '^src/platform/db/', WIRING, GENERATED) },
      to: { path: any('^src/platform/db/', GENERATED, '@prisma/') },
    },
    {
      name: 'wiring-below-the-entry-points',
      severity: 'error',
      from: { path: WIRING },
      to: { path: TOP },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', GENERATED] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
