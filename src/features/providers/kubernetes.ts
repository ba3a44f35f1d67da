/** Kubernetes: a service-account token, or a client certificate with its key. */
import { LONG, type ProviderSpec, present, requireAll, str } from './fields.js';
import { kubernetes } from './probes/offline.js';

export const kubernetesProviders = [
  {
    id: 'k8s',
    title: 'Kubernetes',
    fields: {
      certificate: str(false, 'Client certificate (PEM)', LONG),
      privateKey: str(true, 'Client private key (PEM)', LONG),
      token: str(true, 'Service account token', LONG),
    },
    check: (keys) =>
      present(keys.token)
        ? []
        : present(keys.certificate) || present(keys.privateKey)
          ? requireAll(keys, ['certificate', 'privateKey'])
          : [{ message: 'token, or certificate with privateKey, is required' }],
    probe: kubernetes,
  },
] as const satisfies readonly ProviderSpec[];
