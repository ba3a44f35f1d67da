/**
 * What a provider declares: its key fields (returned or secret, type, limits,
 * default), its cross-field check, the fields that decide where its secret is
 * sent, its probe and how it is delivered short-lived. One file per family of providers beside this one; index.ts lists them.
 */
import type { Owner } from '../../core/caller.js';
import type { Probe } from './probes/common.js';

/** A field's type; a fixed set of values has a name (its GraphQL enum). */
export type KeyFieldType = 'string' | 'boolean' | { enum: readonly string[]; name: string };

export interface KeyField {
  /** Secret fields are write-only: sealed at rest, never returned by any door. */
  secret: boolean;
  type: KeyFieldType;
  /** Longest accepted string value. */
  maxLength?: number;
  /** What the text must be beyond free text: `host`, a host name with an optional port. */
  format?: 'host';
  /** Value stored when the client sends none. */
  default?: string | boolean;
  /** Set by the server only (a client-sent value is ignored). */
  serverSet?: boolean;
  description: string;
}

/** How a credential is delivered when not as stored: temporary credentials of a role, or an ID token of this service for a cloud. */
export type ShortLived =
  | { kind: 'role'; roleArn: string; externalId: string | undefined }
  | { kind: 'federated'; cloud: 'aws'; roleArn: string; audience: string }
  | { kind: 'federated'; cloud: 'google' | 'azure'; audience: string };

/** The stored keys of a credential, split as they are stored. */
export interface KeyValues {
  [field: string]: string | boolean | null | undefined;
}

export interface KeyProblem {
  /** The key field at fault, or undefined when the problem concerns the keys as a whole. */
  field?: string;
  message: string;
}

export interface ProviderSpec {
  id: string;
  title: string;
  fields: Record<string, KeyField>;
  /** Cross-field requirements, checked on the complete keys (returned and secret together). */
  check?: (keys: KeyValues) => KeyProblem[];
  /**
   * Fields these keys forbid (e.g. static keys in AWS role mode): on an update,
   * stored values of these fields are dropped rather than kept.
   */
  forbids?: (keys: KeyValues) => string[];
  /**
   * The fields that decide where the secret is sent (a probe's or a delivery's
   * destination): `baseUrl` or key fields. An update that changes one of them
   * and keeps a stored secret must send the secret again, unless its caller may
   * fetch the keys anyway: otherwise a writer could point the probe at a host
   * of theirs and receive the secret it carries.
   */
  destinations?: readonly string[];
  /**
   * How its credentials are checked (validation): offline checks, then its
   * identity endpoint where it has one (probes/<family>.ts); `formOnly` when
   * offline checks decide. Every provider has one: a provider without is a type error.
   */
  probe: Probe;
  /** What these keys are delivered as when not as stored (an AWS role: temporary credentials; a federated credential: an ID token). */
  shortLived?: (keys: KeyValues) => ShortLived | undefined;
  /** What to set up at the provider for these keys (an AWS role's trust policy), when the installation says enough. */
  setupSnippet?: (keys: KeyValues, settings: ProviderSettings, credential: { id: string; owner: Owner }) => string | null;
}

/** What the installation tells the providers (configuration). */
export interface ProviderSettings {
  /** The AWS principal (ARN) that assumes customers' roles: AWS_TRUST_PRINCIPAL_ARN. */
  awsTrustPrincipalArn?: string;
  /** PUBLIC_URL: the OIDC issuer federated credentials are trusted by. */
  publicUrl?: string;
}

export const SHORT = 1024;
export const LONG = 65536;

export const str = (secret: boolean, description: string, maxLength = SHORT): KeyField => ({
  secret,
  type: 'string',
  maxLength,
  description,
});

export const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

export function requireAll(keys: KeyValues, fields: string[]): KeyProblem[] {
  return fields.filter((f) => !present(keys[f])).map((field) => ({ field, message: 'is required' }));
}

export function requireOneOf(keys: KeyValues, fields: string[]): KeyProblem[] {
  return fields.some((f) => present(keys[f])) ? [] : [{ message: `one of ${fields.join(', ')} is required` }];
}
