/** The face of validation (checking credentials with their providers: probes; a request's input is parsed, not validated, in this vocabulary): what other features may import. */
export * from './rules/slots.js';
export * from './use-cases/service.js';
