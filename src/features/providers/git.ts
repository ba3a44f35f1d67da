/** Git hosting: GitHub (and its Apps), GitLab, Bitbucket, Gitea, Azure Repos, CodeCommit. */
import { type KeyValues, LONG, type ProviderSpec, requireAll, requireOneOf, str } from './fields.js';
import { azureReposProbe, bitbucketProbe, giteaProbe, githubApp, githubProbe, gitlabProbe } from './probes/git.js';
import { formOnly } from './probes/offline.js';

const gitFields = {
  username: str(false, 'User name'),
  password: str(true, 'Password'),
  token: str(true, 'Access token'),
};
const checkGit = (keys: KeyValues) => requireOneOf(keys, ['password', 'token', 'secretKey']);

export const gitProviders = [
  { id: 'github', title: 'GitHub', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: githubProbe },
  {
    id: 'github_app',
    title: 'GitHub App',
    fields: {
      appId: str(false, 'App id'),
      clientId: str(false, 'Client id'),
      slug: str(false, 'App slug'),
      clientSecret: str(true, 'Client secret'),
      privateKey: str(true, 'App private key (PEM)', LONG),
      webhookSecret: str(true, 'Webhook secret'),
    },
    check: (keys) => requireAll(keys, ['appId', 'privateKey']),
    destinations: ['baseUrl'],
    probe: githubApp,
  },
  { id: 'gitlab', title: 'GitLab', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: gitlabProbe },
  { id: 'bitbucket', title: 'Bitbucket', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: bitbucketProbe },
  { id: 'gitea', title: 'Gitea', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: giteaProbe },
  { id: 'azurerepos', title: 'Azure Repos', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: azureReposProbe },
  { id: 'codecommit', title: 'AWS CodeCommit', fields: gitFields, check: checkGit, destinations: ['baseUrl'], probe: formOnly },
] as const satisfies readonly ProviderSpec[];
