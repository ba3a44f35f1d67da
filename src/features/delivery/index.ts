/** The face of delivery (pairings and the delivery of keys): what other features may import. */
export * from './errors.js';
export { encryptedJwt } from './rules/jwe.js';
export { type RecipientKey, recipientKey } from './rules/recipient.js';
