/** The errors of pipeline secrets (the app-wide ones are in src/core/errors.ts). */
import { Conflict, NotFound } from '../../core/errors.js';

/** Another pipeline secret of the context already has this name. */
export class PipelineSecretNameTaken extends Conflict {
  readonly code = 'NAME_TAKEN';
  constructor(readonly secretName: string) {
    super(`A pipeline secret named '${secretName}' already exists`);
  }
}

/** Unknown and other contexts' pipeline secrets (and a malformed id) all look the same. */
export class PipelineSecretNotFound extends NotFound {
  constructor(readonly secretId: string) {
    super(`Pipeline secret '${secretId}' not found`);
  }
}

/** The secret has no such version: never made, or no longer kept (only the last CREDENTIAL_VERSIONS_KEPT are). */
export class PipelineSecretVersionNotFound extends NotFound {
  override readonly code = 'VERSION_NOT_FOUND';
  constructor(
    readonly secretId: string,
    readonly version: number,
  ) {
    super(`Pipeline secret '${secretId}' has no version ${version}`);
  }
}

/** Names asked for a run that the caller has no secret of (neither their own nor the workspace's). */
export class PipelineSecretsMissing extends NotFound {
  override readonly code = 'PIPELINE_SECRETS_MISSING';
  constructor(readonly names: readonly string[]) {
    super(`No pipeline secret named ${names.map((n) => `'${n}'`).join(', ')}`);
  }
}
