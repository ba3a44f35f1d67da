/** Git providers: one call to the identity endpoint of each one's API, derived from the credential's baseUrl. */
import { createPrivateKey } from 'node:crypto';
import type { ProbeResponse, PublicHosts } from '../../../infra/guarded-http.js';
import { githubTokenExpiration } from '../expiry.js';
import { baseOf, basic, guarded, invalid, type Probe, type ProbeTarget, text, verdict } from './common.js';
import { privateKeyProblem } from './offline.js';

interface GitApi {
  /** The identity endpoint for this credential. */
  url: (base: URL, keys: ProbeTarget['keys']) => URL;
  auth: (keys: ProbeTarget['keys']) => Record<string, string>;
  cloud: string;
  publicHosts: PublicHosts;
  name: string;
  /** When the provider's answer says the credential expires. */
  expiry?: (response: ProbeResponse) => Date | null;
}

const secretOf = (keys: ProbeTarget['keys']) => text(keys.token) || text(keys.password) || text(keys.secretKey);
const userOf = (keys: ProbeTarget['keys']) => text(keys.username) || text(keys.accessKey);

const gitProbe =
  (api: GitApi): Probe =>
  (target, ctx) =>
    guarded(async () => {
      const url = api.url(baseOf(target, api.cloud), target.keys);
      const response = await ctx.http.request(url, {
        headers: { accept: 'application/json', 'user-agent': 'credentials-service', ...api.auth(target.keys) },
        publicHosts: api.publicHosts,
      });
      const outcome = verdict(response, api.name);
      const expiresAt = outcome.result === 'valid' ? api.expiry?.(response) : null;
      return expiresAt ? { result: 'valid', expiresAt } : outcome;
    });

/** github.com's API is api.github.com; GitHub Enterprise Server's is `<host>/api/v3`. */
const githubApiBase = (base: URL) => (base.hostname === 'github.com' ? new URL('https://api.github.com/') : new URL('/api/v3/', base.origin));

const github: GitApi = {
  name: 'GitHub',
  cloud: 'https://github.com',
  publicHosts: ['api.github.com'],
  url: (base) => new URL('user', githubApiBase(base)),
  // Fine-grained and expiring classic tokens: `github-authentication-token-expiration: 2026-12-31 00:00:00 UTC`.
  expiry: (response) => {
    const header = response.headers['github-authentication-token-expiration'];
    return githubTokenExpiration(Array.isArray(header) ? header[0] : header);
  },
  auth: (keys) => (text(keys.token) ? { authorization: `Bearer ${text(keys.token)}` } : { authorization: basic(userOf(keys), secretOf(keys)) }),
};

const gitlab: GitApi = {
  name: 'GitLab',
  cloud: 'https://gitlab.com',
  publicHosts: ['gitlab.com'],
  url: (base) => new URL('/api/v4/user', base.origin),
  auth: (keys) => ({ 'private-token': secretOf(keys) }),
};

const bitbucket: GitApi = {
  name: 'Bitbucket',
  cloud: 'https://bitbucket.org',
  publicHosts: ['api.bitbucket.org'],
  url: (base, keys) =>
    base.hostname === 'bitbucket.org'
      ? new URL('https://api.bitbucket.org/2.0/user')
      : new URL(`/rest/api/1.0/users/${encodeURIComponent(userOf(keys))}`, base.origin),
  auth: (keys) => ({ authorization: basic(userOf(keys), secretOf(keys)) }),
};

const gitea: GitApi = {
  name: 'Gitea',
  cloud: 'https://gitea.com',
  publicHosts: ['gitea.com'],
  url: (base) => new URL('/api/v1/user', base.origin),
  auth: (keys) => (text(keys.token) ? { authorization: `token ${text(keys.token)}` } : { authorization: basic(userOf(keys), secretOf(keys)) }),
};

const azureRepos: GitApi = {
  name: 'Azure DevOps',
  cloud: 'https://dev.azure.com',
  publicHosts: ['app.vssps.visualstudio.com'],
  url: (base) =>
    base.hostname === 'dev.azure.com' || base.hostname.endsWith('.visualstudio.com')
      ? new URL('https://app.vssps.visualstudio.com/_apis/profile/profiles/me?api-version=7.1')
      : new URL('/_apis/connectionData', base.origin),
  auth: (keys) => ({ authorization: basic(userOf(keys), secretOf(keys)) }),
};

/** A GitHub App: its private key signs a JWT, which GET /app accepts when key and app id belong together. */
export const githubApp: Probe = async (target, ctx) => {
  const problem = privateKeyProblem(target.keys.privateKey, 'privateKey');
  if (problem) return invalid(problem);
  return guarded(async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt(now - 60)
      .setExpirationTime(now + 540)
      .setIssuer(text(target.keys.appId))
      .sign(createPrivateKey(text(target.keys.privateKey)));
    const url = new URL('app', githubApiBase(baseOf(target, github.cloud)));
    const response = await ctx.http.request(url, {
      headers: { accept: 'application/vnd.github+json', 'user-agent': 'credentials-service', authorization: `Bearer ${jwt}` },
      publicHosts: github.publicHosts,
    });
    return verdict(response, 'GitHub');
  });
};

export const githubProbe = gitProbe(github);
export const gitlabProbe = gitProbe(gitlab);
export const bitbucketProbe = gitProbe(bitbucket);
export const giteaProbe = gitProbe(gitea);
export const azureReposProbe = gitProbe(azureRepos);
