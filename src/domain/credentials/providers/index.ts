/**
 * The credential providers, each declared once as data, one file per family
 * beside this one. Validation, the returned/secret split, the GraphQL types and
 * the REST/OpenAPI shapes are all derived from this table: adding a provider is
 * one entry in its family's file (and, when it has an identity endpoint, its
 * probe: src/domain/validation/probes/).
 */
import { awsProviders } from './aws.js';
import { azureProviders } from './azure.js';
import { registryProviders } from './container-registry.js';
import { type KeyField, type ProviderSpec, str } from './fields.js';
import { gitProviders } from './git.js';
import { googleProviders } from './google.js';
import { kubernetesProviders } from './kubernetes.js';
import { storageProviders } from './s3.js';
import { sshProviders } from './ssh.js';
import { agentProviders } from './tower-agent.js';

export type { KeyField, KeyFieldType, KeyProblem, KeyValues, ProviderSettings, ProviderSpec } from './fields.js';
export { isParseableSshKey } from './ssh.js';

/** The table, in the order every door lists providers. */
const providerList: ProviderSpec[] = [
  ...awsProviders,
  ...storageProviders,
  ...googleProviders,
  ...gitProviders,
  ...sshProviders,
  ...kubernetesProviders,
  ...azureProviders,
  ...registryProviders,
  ...agentProviders,
];

/**
 * The seed API's generic pair (`accessKey` returned, `secretKey` write-only)
 * stays accepted for every provider whose current keys lack those names.
 */
const legacyPair: Record<string, KeyField> = {
  accessKey: { ...str(false, 'Generic access key (seed API)'), legacy: true },
  secretKey: { ...str(true, 'Generic secret key (seed API)'), legacy: true },
};
for (const provider of providerList) {
  for (const [name, field] of Object.entries(legacyPair)) {
    if (!(name in provider.fields)) provider.fields = { ...provider.fields, [name]: field };
  }
}

export const providers: ReadonlyMap<string, ProviderSpec> = new Map(providerList.map((p) => [p.id, p]));
export const providerIds: readonly string[] = providerList.map((p) => p.id);

// Each provider's field names split once (the reads of every request ask for them).
function splitFields(spec: ProviderSpec) {
  const names = Object.keys(spec.fields);
  return { returned: names.filter((f) => !spec.fields[f]!.secret), secret: names.filter((f) => spec.fields[f]!.secret) };
}
const split = new Map(providerList.map((p) => [p, splitFields(p)]));
const fieldsOf = (spec: ProviderSpec) => split.get(spec) ?? splitFields(spec);

/** The key fields a credential shows (in the table's order). */
export function returnedFields(spec: ProviderSpec): readonly string[] {
  return fieldsOf(spec).returned;
}

/** The key fields no door returns (write-only; sealed at rest). */
export function secretFields(spec: ProviderSpec): readonly string[] {
  return fieldsOf(spec).secret;
}

/** The provider's own fields, without the seed API's generic pair (what GraphQL shows and takes). */
export function ownFields(spec: ProviderSpec): [string, KeyField][] {
  return Object.entries(spec.fields).filter(([, field]) => !field.legacy);
}

/** Compute platforms and the providers whose credentials they can use (REST `platformId`). */
export const platformProviders: Readonly<Record<string, readonly string[]>> = {
  'aws-batch': ['aws'],
  'aws-cloud': ['aws'],
  'seqeracompute-platform': ['seqeracompute'],
  'google-batch': ['google'],
  'google-lifesciences': ['google'],
  'google-cloud': ['google'],
  'azure-batch': ['azure', 'azure_entra'],
  'azure-cloud': ['azure-cloud'],
  'k8s-platform': ['k8s'],
  'eks-platform': ['aws'],
  'gke-platform': ['google'],
  'local-platform': ['ssh', 'tw-agent'],
  'slurm-platform': ['ssh', 'tw-agent'],
  'lsf-platform': ['ssh', 'tw-agent'],
  'uge-platform': ['ssh', 'tw-agent'],
  'altair-platform': ['ssh', 'tw-agent'],
  'moab-platform': ['ssh', 'tw-agent'],
};
