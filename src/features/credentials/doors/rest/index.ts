/** What other features' REST doors may use of credentials' wire shapes. */
export { credentialStatus, versionNumber } from './schemas.js';
