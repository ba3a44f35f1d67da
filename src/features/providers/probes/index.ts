/**
 * How credentials are checked: each provider's probe is part of its entry in
 * the provider table (../<family>.ts, `probe`), one file per family here.
 * Offline checks first (a key parses and its passphrase opens it, an id has
 * the right form), then, where the provider has an identity endpoint, one call
 * to it through the guarded client (public endpoints or allowed hosts only,
 * with a timeout). A probe answers valid, invalid (with the provider's words),
 * or transient (the provider could not be reached, or failed: timeout, DNS,
 * 5xx), which changes nothing stored.
 */
export type { Probe, ProbeContext, ProbeOutcome, ProbeTarget } from './common.js';
