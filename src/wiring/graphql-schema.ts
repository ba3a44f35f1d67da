import { builder } from '../doors/graphql/builder.js';
import '../doors/graphql/errors.js';
import '../features/credentials/doors/graphql/credential.js';
import '../features/accounts/doors/graphql/viewer.js';
import '../features/workspaces/doors/graphql/workspace.js';
import '../features/delivery/doors/graphql/pairing.js';
import '../features/audit/doors/graphql/audit.js';
import '../features/events/doors/graphql/events.js';

export const schema = builder.toSchema({ sortSchema: false });
