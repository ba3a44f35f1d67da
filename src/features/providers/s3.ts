/** S3-compatible object storage. */
import { type ProviderSpec, requireAll, str } from './fields.js';
import { formOnly } from './probes/offline.js';

export const storageProviders = [
  {
    id: 's3',
    title: 'S3-compatible storage',
    fields: {
      accessKey: str(false, 'Access key id'),
      secretKey: str(true, 'Secret access key'),
      pathStyleAccessEnabled: { secret: false, type: 'boolean', description: 'Use path-style bucket addressing' },
    },
    check: (keys) => requireAll(keys, ['accessKey', 'secretKey']),
    probe: formOnly,
  },
] as const satisfies readonly ProviderSpec[];
