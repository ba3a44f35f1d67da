/** S3-compatible object storage. */
import { type ProviderSpec, requireAll, str } from './fields.js';

export const storageProviders: ProviderSpec[] = [
  {
    id: 's3',
    title: 'S3-compatible storage',
    fields: {
      accessKey: str(false, 'Access key id'),
      secretKey: str(true, 'Secret access key'),
      pathStyleAccessEnabled: { secret: false, type: 'boolean', description: 'Use path-style bucket addressing' },
    },
    check: (keys) => requireAll(keys, ['accessKey', 'secretKey']),
  },
];
