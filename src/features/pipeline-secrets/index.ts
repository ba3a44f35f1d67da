/** Pipeline secrets: named, write-only values a Nextflow run reads as `secrets.NAME` (Seqera's `/pipeline-secrets`). */
export * from './errors.js';
export * from './jobs/purge.js';
export type * from './model.js';
export type * from './ports.js';
export {
  MAX_NAME_LENGTH,
  MAX_VALUE_BYTES,
  NAME_PATTERN,
  nameProblem,
  pipelineSecretSealingContext,
  pipelineSecretVersionSealingContext,
} from './rules/input.js';
export * from './use-cases/service.js';
