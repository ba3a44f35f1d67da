/**
 * Which credentials are delivered as something short-lived rather than as
 * what is stored, and how — the one place these rules live:
 *
 * - `role`: an AWS role (aws, seqeracompute; role mode) assumed with this
 *   service's own identity and the credential's external id (STS AssumeRole).
 * - `federated`: no secret stored at all. The service, as an OIDC issuer,
 *   signs an ID token for the credential (`sub` = its context and itself,
 *   `aud` = what the cloud expects); AWS federated mode (exchanged at STS
 *   AssumeRoleWithWebIdentity), Google workload identity (a provider and no
 *   key: the client exchanges the token at Google's STS), a Microsoft Entra
 *   app without a client secret (the client signs in with the token as its
 *   client assertion).
 */
import type { Owner } from '../../core/caller.js';
import type { KeyValues, ShortLived } from './fields.js';

/** The audience AWS expects by default (the client id of an IAM OIDC provider). */
export const AWS_AUDIENCE = 'sts.amazonaws.com';
/** The audience Microsoft Entra expects of a federated identity credential. */
export const AZURE_AUDIENCE = 'api://AzureADTokenExchange';

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** AWS keys in role or federated mode (said, or role implied by no static keys). */
export const awsModeOf = (keys: KeyValues): 'keys' | 'role' | 'federated' =>
  (keys.mode as 'keys' | 'role' | 'federated' | undefined) ?? (text(keys.accessKey) || text(keys.secretKey) ? 'keys' : 'role');

/** AWS keys in role mode: temporary credentials from STS; federated: an ID token of this service for AWS. */
export function awsShortLived(keys: KeyValues): ShortLived | undefined {
  const mode = awsModeOf(keys);
  if (mode === 'role') return { kind: 'role', roleArn: text(keys.assumeRoleArn), externalId: text(keys.externalId) || undefined };
  if (mode === 'federated') return { kind: 'federated', cloud: 'aws', roleArn: text(keys.assumeRoleArn), audience: AWS_AUDIENCE };
  return undefined;
}

/** Google keys without a service account key, with a workload identity provider: federated. */
export const googleShortLived = (keys: KeyValues): ShortLived | undefined =>
  !text(keys.data) && text(keys.workloadIdentityProvider) ? { kind: 'federated', cloud: 'google', audience: googleAudience(keys) } : undefined;

/** An Entra app without a client secret: federated. */
export const azureShortLived = (keys: KeyValues): ShortLived | undefined =>
  !text(keys.clientSecret) ? { kind: 'federated', cloud: 'azure', audience: AZURE_AUDIENCE } : undefined;

/** Google's audience: the credential's tokenAudience, else the provider's full resource name (what Google checks by default). */
export const googleAudience = (keys: KeyValues): string =>
  text(keys.tokenAudience) || `//iam.googleapis.com/${text(keys.workloadIdentityProvider).replace(/^\/\/iam\.googleapis\.com\//, '')}`;

/** The stable subject of a credential's ID tokens: its context and itself (what a cloud's trust policy names). */
export const federatedSubject = (owner: Owner, credentialId: string): string =>
  `${owner.kind === 'workspace' ? `workspace:${owner.id}` : `user:${owner.id}`}:credential:${credentialId}`;
