/**
 * The services a door calls, as the doors' plumbing knows them: by name only.
 * The plumbing (builder, Yoga, the REST plugin, the CLI context) knows no
 * feature; the composition root (src/wiring/services.ts) fills this interface
 * in by declaration merging, as Fastify's plugins add to `FastifyInstance`, so
 * every door still sees each service's real type.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by src/wiring/services.ts (declaration merging)
export interface Services {}
