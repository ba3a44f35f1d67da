/** Container registries (Docker Hub, Quay, GHCR, ECR, ACR, …): a user and a password or token for one registry host. */
import { type ProviderSpec, requireAll, str } from './fields.js';
import { registryProbe } from './probes/registry.js';

export const registryProviders = [
  {
    id: 'container-reg',
    title: 'Container registry',
    fields: {
      userName: str(false, 'Registry user name'),
      registry: { ...str(false, 'Registry host, with a port if needed (quay.io, registry.example.com:5000)'), format: 'host', default: 'docker.io' },
      password: str(true, 'Registry password or token'),
    },
    check: (keys) => requireAll(keys, ['userName', 'password', 'registry']),
    // The registry (and the token realm it names) receives the password; so does Wave, delivering it there.
    destinations: ['registry'],
    probe: registryProbe,
  },
] as const satisfies readonly ProviderSpec[];
