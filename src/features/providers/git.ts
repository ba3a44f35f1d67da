/** Git hosting: GitHub (and its Apps), GitLab, Bitbucket, Gitea, Azure Repos, CodeCommit. */
import { type KeyValues, LONG, type ProviderSpec, requireAll, requireOneOf, str } from './fields.js';

const gitFields = {
  username: str(false, 'User name'),
  password: str(true, 'Password'),
  token: str(true, 'Access token'),
};
const checkGit = (keys: KeyValues) => requireOneOf(keys, ['password', 'token', 'secretKey']);

export const gitProviders: ProviderSpec[] = [
  { id: 'github', title: 'GitHub', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
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
  },
  { id: 'gitlab', title: 'GitLab', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
  { id: 'bitbucket', title: 'Bitbucket', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
  { id: 'gitea', title: 'Gitea', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
  { id: 'azurerepos', title: 'Azure Repos', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
  { id: 'codecommit', title: 'AWS CodeCommit', fields: gitFields, check: checkGit, destinations: ['baseUrl'] },
];
