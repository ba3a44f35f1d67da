/** The domain errors that result unions carry, as typed GraphQL errors (their names come from the error table). */

import { Forbidden, LimitReached, ValidationError } from '../../core/errors.js';
import { AccessTokenNotFound } from '../../domain/auth/errors.js';
import { CredentialNameTaken, CredentialNotFound, IdempotencyKeyReused, IdempotentCreateDeleted } from '../../domain/credentials/errors.js';
import { PairingNotFound } from '../../domain/delivery/errors.js';
import { NotInvalid } from '../../domain/validation/service.js';
import {
  LastOwner,
  OrganizationNameTaken,
  OrganizationNotFound,
  ParticipantExists,
  ParticipantNotFound,
  UserNotFound,
  WorkspaceNameTaken,
  WorkspaceNotFound,
} from '../../domain/workspaces/errors.js';
import { graphqlTypeOf } from '../error-table.js';
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
  name: graphqlTypeOf(ValidationError),
  description: 'The input is invalid; `fields` names each invalid field. Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.problems }) }),
});

builder.objectType(CredentialNameTaken, {
  name: graphqlTypeOf(CredentialNameTaken),
  description: 'Another credential of this owner already has this name.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ name: t.string({ resolve: (e) => e.credentialName }) }),
});

builder.objectType(CredentialNotFound, {
  name: graphqlTypeOf(CredentialNotFound),
  description: 'No credential with this id is visible to the caller.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});

builder.objectType(IdempotencyKeyReused, {
  name: graphqlTypeOf(IdempotencyKeyReused),
  description: 'The idempotency key was used for a different createCredential request.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(IdempotentCreateDeleted, {
  name: graphqlTypeOf(IdempotentCreateDeleted),
  description: 'The credential an earlier createCredential with this idempotency key made was deleted since; use a new key.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});

builder.objectType(AccessTokenNotFound, {
  name: graphqlTypeOf(AccessTokenNotFound),
  description: 'No active access token with this id belongs to the caller.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.tokenId }) }),
});

builder.objectType(Forbidden, {
  name: graphqlTypeOf(Forbidden),
  description: 'Your role does not allow this (in the workspace or organization named).',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(WorkspaceNotFound, {
  name: graphqlTypeOf(WorkspaceNotFound),
  description: 'No workspace with this id that you take part in (or whose organization you own).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.workspaceId }) }),
});

builder.objectType(OrganizationNotFound, {
  name: graphqlTypeOf(OrganizationNotFound),
  description: 'No organization with this id that you are a member of.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.organizationId }) }),
});

builder.objectType(UserNotFound, {
  name: graphqlTypeOf(UserNotFound),
  description: 'No user with this name.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});

builder.objectType(ParticipantNotFound, {
  name: graphqlTypeOf(ParticipantNotFound),
  description: 'The user does not take part in the workspace.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});

builder.objectType(ParticipantExists, {
  name: graphqlTypeOf(ParticipantExists),
  description: 'The user takes part in the workspace already (change their role instead).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});

builder.objectType(LastOwner, {
  name: graphqlTypeOf(LastOwner),
  description: 'The change would leave the workspace without an OWNER.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ userName: t.string({ resolve: (e) => e.userName }) }),
});

builder.objectType(OrganizationNameTaken, {
  name: graphqlTypeOf(OrganizationNameTaken),
  description: 'Another organization has this name.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ name: t.string({ resolve: (e) => e.organizationName }) }),
});

builder.objectType(WorkspaceNameTaken, {
  name: graphqlTypeOf(WorkspaceNameTaken),
  description: 'The organization has another workspace of this name.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ name: t.string({ resolve: (e) => e.workspaceName }) }),
});

builder.objectType(PairingNotFound, {
  name: graphqlTypeOf(PairingNotFound),
  description: 'No paired service with this id: the keys could be encrypted for no one.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ pairingId: t.id({ resolve: (e) => e.pairingId }) }),
});

builder.objectType(NotInvalid, {
  name: graphqlTypeOf(NotInvalid),
  description: 'force only clears a failed validation, and this credential is not INVALID.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.id({ resolve: (e) => e.credentialId }) }),
});

builder.objectType(LimitReached, {
  name: graphqlTypeOf(LimitReached),
  description: 'The context holds as many as the operator allows (of credentials, of organizations): nothing was created.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    limit: t.int({ resolve: (e) => e.limit }),
    setting: t.string({ description: 'The setting that decides the limit', resolve: (e) => e.setting }),
  }),
});
