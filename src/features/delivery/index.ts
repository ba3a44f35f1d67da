/** The face of delivery (pairings and the delivery of keys): what other features may import. */
export * from './errors.js';
