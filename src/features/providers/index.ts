/**
 * The credential providers, each declared once as data, one file per family
 * beside this one. Validation, the returned/secret split, the GraphQL types and
 * the REST/OpenAPI shapes are all derived from this table: adding a provider is
 * one entry in its family's file, whose `probe` (probes/<family>.ts) and
 * `shortLived` delivery are part of the entry: a provider without a probe does not compile.
 */
import { awsProviders } from './aws.js';
import { azureProviders } from './azure.js';
import { registryProviders } from './container-registry.js';
import type { KeyField, KeyValues, ProviderSpec, ShortLived } from './fields.js';
import { gitProviders } from './git.js';
import { googleProviders } from './google.js';
import { kubernetesProviders } from './kubernetes.js';
import type { Probe } from './probes/common.js';
import { storageProviders } from './s3.js';
import { sshProviders } from './ssh.js';
import { agentProviders } from './tower-agent.js';

export * from './expiry.js';
export * from './federation.js';
export * from './fields.js';
export * from './probes/index.js';
export { isParseableSshKey } from './ssh.js';

/** The table, in the order every door lists providers. */
const providerList = [
  ...awsProviders,
  ...storageProviders,
  ...googleProviders,
  ...gitProviders,
  ...sshProviders,
  ...kubernetesProviders,
  ...azureProviders,
  ...registryProviders,
  ...agentProviders,
] as const satisfies readonly ProviderSpec[];

/** A provider's id: the literal ids of the table (`aws`, `github`, `container-reg`…). */
export type ProviderId = (typeof providerList)[number]['id'];

/** Whether a text is a provider's id. */
export const isProviderId = (id: string): id is ProviderId => providers.has(id);

export const providers: ReadonlyMap<string, ProviderSpec> = new Map(providerList.map((p) => [p.id, p as ProviderSpec]));
export const providerIds: readonly ProviderId[] = providerList.map((p) => p.id);

/** The probe of a provider (undefined for an id the provider table does not have). */
export const probeOf = (providerId: string): Probe | undefined => providers.get(providerId)?.probe;

/** What a credential of this provider with these keys is delivered as; undefined: its stored keys. */
export const shortLivedOf = (providerId: string, keys: KeyValues): ShortLived | undefined => providers.get(providerId)?.shortLived?.(keys);

// Each provider's field names split once (the reads of every request ask for them).
function splitFields(spec: ProviderSpec) {
  const names = Object.keys(spec.fields);
  return { returned: names.filter((f) => !spec.fields[f]!.secret), secret: names.filter((f) => spec.fields[f]!.secret) };
}
const split = new WeakMap<ProviderSpec, ReturnType<typeof splitFields>>();
function fieldsOf(spec: ProviderSpec) {
  let fields = split.get(spec);
  if (!fields) {
    fields = splitFields(spec);
    split.set(spec, fields);
  }
  return fields;
}

const extended = new WeakMap<Readonly<Record<string, KeyField>>, Map<string, ProviderSpec>>();
/**
 * The provider with more key fields: those of `extra` its own fields lack
 * (after its own, in their order). A door that must accept fields of its own
 * (the seed API's generic pair, on REST) hands them to the use cases this way;
 * they are validated, stored, sealed and shown like the provider's.
 */
export function withFields(spec: ProviderSpec, extra: Readonly<Record<string, KeyField>>): ProviderSpec {
  let specs = extended.get(extra);
  if (!specs) {
    specs = new Map();
    extended.set(extra, specs);
  }
  let result = specs.get(spec.id);
  if (!result) {
    const added = Object.fromEntries(Object.entries(extra).filter(([name]) => !(name in spec.fields)));
    result = { ...spec, fields: { ...spec.fields, ...added } };
    specs.set(spec.id, result);
  }
  return result;
}

/** The key fields a credential shows (in the table's order). */
export function returnedFields(spec: ProviderSpec): readonly string[] {
  return fieldsOf(spec).returned;
}

/** The key fields no door returns (write-only; sealed at rest). */
export function secretFields(spec: ProviderSpec): readonly string[] {
  return fieldsOf(spec).secret;
}
