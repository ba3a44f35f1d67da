/** What other features' GraphQL doors may use of accounts: the User type and its loader. */
export { UserRef, userLoader } from './viewer.js';
