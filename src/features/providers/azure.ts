/**
 * Microsoft Azure: Batch and Storage account keys, Entra service principals
 * (a client secret, or none: federated, the app trusting this service's OIDC
 * issuer — see federation.ts), Azure Cloud. (No setup snippet: a record
 * does not say whether a client secret is stored; docs/delivery.md gives the
 * az command.)
 */
import { azureShortLived } from './federation.js';
import { type KeyValues, type ProviderSpec, requireAll, str } from './fields.js';
import { azure } from './probes/offline.js';

const azureFields = {
  batchName: str(false, 'Azure Batch account name'),
  storageName: str(false, 'Azure Storage account name'),
  batchKey: str(true, 'Azure Batch account key'),
  storageKey: str(true, 'Azure Storage account key'),
};
const entraFields = {
  ...azureFields,
  tenantId: str(false, 'Microsoft Entra tenant id'),
  clientId: str(false, 'Service principal client id'),
  clientSecret: str(true, 'Service principal client secret; empty: federated (the app trusts this service as an OIDC issuer, nothing secret stored)'),
};
const checkEntra = (keys: KeyValues) => requireAll(keys, ['tenantId', 'clientId']);

export const azureProviders = [
  {
    id: 'azure',
    title: 'Azure Batch',
    fields: azureFields,
    check: (keys) => requireAll(keys, ['batchName', 'batchKey', 'storageName', 'storageKey']),
    probe: azure,
  },
  { id: 'azure_entra', title: 'Azure (Microsoft Entra)', fields: entraFields, check: checkEntra, probe: azure, shortLived: azureShortLived },
  {
    id: 'azure-cloud',
    title: 'Azure Cloud',
    fields: { ...entraFields, subscriptionId: str(false, 'Azure subscription id') },
    check: (keys) => [...checkEntra(keys), ...requireAll(keys, ['subscriptionId'])],
    probe: azure,
    shortLived: azureShortLived,
  },
] as const satisfies readonly ProviderSpec[];
