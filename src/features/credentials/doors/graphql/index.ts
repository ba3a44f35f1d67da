/** What other features' GraphQL doors may use of credentials's GraphQL types. */
export { CredentialProvider, CredentialRef, CredentialStatus, callerIn, DEFAULT_PAGE_SIZE, WORKSPACE_ARG, WORKSPACE_ERRORS } from './credential.js';
export { pageOf } from './operations.js';
