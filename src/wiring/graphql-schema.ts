/**
 * The GraphQL schema: the builder's plumbing and every feature's GraphQL door.
 * Printed sorted (types and fields by name), so the contract does not depend on
 * the order features load in.
 */
import { builder } from '../doors/graphql/builder.js';
import '../doors/graphql/errors.js';
import '../features/accounts/doors/graphql/viewer.js';
import '../features/workspaces/doors/graphql/workspace.js';
import '../features/credentials/doors/graphql/operations.js';
import '../features/pipeline-secrets/doors/graphql/pipeline-secret.js';
import '../features/probing/doors/graphql/validation.js';
import '../features/delivery/doors/graphql/pairing.js';
import '../features/delivery/doors/graphql/direct-delivery.js';
import '../features/audit/doors/graphql/audit.js';
import '../features/events/doors/graphql/events.js';

export const schema = builder.toSchema({ sortSchema: true });
