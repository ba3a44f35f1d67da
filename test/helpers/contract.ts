/**
 * The key fields of each provider as the contract states them
 * (../shared/reference/credentials-contract.md, "Keys by provider"), written out
 * here by hand, independently of the provider table the code derives from: a
 * field flagged wrongly in the code (a secret shown, a field lost) differs from this.
 * R: returned; W: write-only. Server-set: returned but never taken from a client.
 */
const git = { R: ['username'], W: ['password', 'token'] };
const aws = { R: ['accessKey', 'assumeRoleArn', 'mode', 'externalId'], W: ['secretKey'] };
const entra = { R: ['batchName', 'storageName', 'tenantId', 'clientId'], W: ['batchKey', 'storageKey', 'clientSecret'] };

export const contractKeys: Record<string, { R: string[]; W: string[] }> = {
  aws,
  seqeracompute: aws,
  s3: { R: ['accessKey', 'pathStyleAccessEnabled'], W: ['secretKey'] },
  google: { R: ['serviceAccountEmail', 'workloadIdentityProvider', 'tokenAudience'], W: ['data'] },
  github: git,
  github_app: { R: ['appId', 'clientId', 'slug'], W: ['clientSecret', 'privateKey', 'webhookSecret'] },
  gitlab: git,
  bitbucket: git,
  gitea: git,
  azurerepos: git,
  codecommit: git,
  ssh: { R: [], W: ['privateKey', 'passphrase'] },
  k8s: { R: ['certificate'], W: ['privateKey', 'token'] },
  azure: { R: ['batchName', 'storageName'], W: ['batchKey', 'storageKey'] },
  azure_entra: entra,
  'azure-cloud': { R: [...entra.R, 'subscriptionId'], W: entra.W },
  'container-reg': { R: ['userName', 'registry'], W: ['password'] },
  'tw-agent': { R: ['connectionId', 'workDir', 'shared'], W: [] },
};

export const serverSetKeys = ['externalId'];

/** GraphQL's names: `azure-cloud` → enum value `azure_cloud`, types `AzureCloudKeys` / `AzureCloudKeysInput`. */
export const graphqlProvider = (id: string) => id.replace(/-/g, '_');
export const keysTypeName = (id: string) =>
  `${id
    .split(/[-_]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Keys`;
