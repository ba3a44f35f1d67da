/** Checking a credential with its provider, on demand: the validateCredential mutation and its outcome. */
import { builder } from '../../../../doors/graphql/builder.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { CredentialStatus, callerIn, WORKSPACE_ARG, WORKSPACE_ERRORS } from '../../../credentials/doors/graphql/index.js';
import { NotInvalid } from '../../errors.js';
import type { ValidationResult } from '../../use-cases/service.js';
import { VALIDATE_ERRORS } from '../../use-cases/service.js';

errorType(NotInvalid, {
  name: 'CredentialNotInvalidError',
  description: 'force only clears a failed validation, and this credential is not INVALID.',
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});

const ValidationOutcome = builder.objectRef<ValidationResult>('CredentialValidation').implement({
  description: 'The outcome of a validation',
  fields: (t) => ({
    status: t.field({
      type: CredentialStatus,
      description: 'The stored status after the validation (unchanged on a transient failure)',
      resolve: (v) => v.status,
    }),
    message: t.exposeString('message', { nullable: true, description: "The provider's words (INVALID), or what failed (transient); null when valid" }),
    transientError: t.exposeBoolean('transientError', {
      description: 'The provider could not be reached or failed (timeout, DNS, 5xx): nothing was stored; not a verdict',
    }),
  }),
});

builder.mutationField('validateCredential', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: ValidationOutcome,
    description:
      'Checks the credential with its provider (offline checks, then its identity endpoint) and stores the verdict. ' +
      'force: skip the probe and set an INVALID credential to AVAILABLE. Who may: whoever may update it.',
    args: {
      id: t.arg.id({ required: true }),
      workspaceId: t.arg.id({ required: false, description: WORKSPACE_ARG }),
      force: t.arg.boolean({ required: false, description: 'Skip the probe and clear an INVALID status (refused for any other status)' }),
    },
    errors: { types: [...VALIDATE_ERRORS, ...WORKSPACE_ERRORS] },
    resolve: (_root, args, ctx) => ctx.services.probing.validate(callerIn(ctx, args.workspaceId), String(args.id), { force: args.force ?? false }),
  }),
);
