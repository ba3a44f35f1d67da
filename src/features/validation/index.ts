/** The face of validation (checking credentials with their providers): what other features may import. */
export * from './rules/slots.js';
export * from './use-cases/service.js';
