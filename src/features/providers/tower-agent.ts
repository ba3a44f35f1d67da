/** Tower Agent connections. */
import { type ProviderSpec, requireAll, str } from './fields.js';
import { formOnly } from './probes/offline.js';

export const agentProviders = [
  {
    id: 'tw-agent',
    title: 'Tower Agent',
    fields: {
      connectionId: str(false, 'Agent connection id'),
      workDir: str(false, 'Work directory'),
      shared: { secret: false, type: 'boolean', default: false, description: 'Agent shared between users' },
    },
    check: (keys) => requireAll(keys, ['connectionId']),
    probe: formOnly,
  },
] as const satisfies readonly ProviderSpec[];
