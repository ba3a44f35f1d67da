/** The domain errors as typed GraphQL errors (each mapped once, here). */
import { AccessTokenNotFound, CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, ValidationError } from '../credentials/errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldError = builder.objectRef<{ path: string; message: string }>('FieldError').implement({
  description: 'One invalid input field',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Dotted path of the field, e.g. `keys.secretKey`' }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is invalid; `fields` names each invalid field. Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.problems }) }),
});

builder.objectType(CredentialNameTaken, {
  name: 'CredentialNameTakenError',
  description: 'Another credential of this owner already has this name.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ name: t.string({ resolve: (e) => e.credentialName }) }),
});

builder.objectType(CredentialNotFound, {
  name: 'CredentialNotFoundError',
  description: 'No credential with this id is visible to the caller.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});

builder.objectType(IdempotencyKeyReused, {
  name: 'IdempotencyKeyReusedError',
  description: 'The idempotency key was used for a different createCredential request.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(AccessTokenNotFound, {
  name: 'AccessTokenNotFoundError',
  description: 'No active access token with this id belongs to the caller.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.tokenId }) }),
});
