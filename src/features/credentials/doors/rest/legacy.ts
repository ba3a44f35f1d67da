/**
 * The seed API's generic key pair: `accessKey` (returned) and `secretKey`
 * (write-only), which seed-era clients send for any provider. The REST API
 * accepts and shows them for every provider whose own keys lack those names;
 * the use cases store them like the provider's own fields (withFields).
 * GraphQL does not know them.
 */

import { type KeyField, type ProviderSpec, SHORT, withFields } from '../../../providers/index.js';

export const SEED_KEY_PAIR: Readonly<Record<string, KeyField>> = {
  accessKey: { secret: false, type: 'string', maxLength: SHORT, description: 'Generic access key (seed API)' },
  secretKey: { secret: true, type: 'string', maxLength: SHORT, description: 'Generic secret key (seed API)' },
};

/** A provider as the REST API shows and takes it: its own fields, then the seed pair where they lack it. */
export const restSpec = (spec: ProviderSpec): ProviderSpec => withFields(spec, SEED_KEY_PAIR);
