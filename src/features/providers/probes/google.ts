/** Google: the service-account key signs an assertion, exchanged for a token at its token_uri. */
import { createPrivateKey } from 'node:crypto';
import type { PublicHosts } from '../../../infra/guarded-http.js';
import { guarded, invalid, type Probe, providerMessage, text, VALID, verdict } from './common.js';
import { privateKeyProblem } from './offline.js';

const GOOGLE_HOSTS: PublicHosts = ['oauth2.googleapis.com', 'www.googleapis.com', 'accounts.google.com'];

export const googleProbe: Probe = async (target, ctx) => {
  if (!text(target.keys.data)) return VALID; // workload identity: nothing to exchange here
  let key: { type?: string; client_email?: string; private_key?: string; private_key_id?: string; token_uri?: string };
  try {
    key = JSON.parse(text(target.keys.data)) as typeof key;
  } catch {
    return invalid('data is not a service account key in JSON');
  }
  if (key.type !== 'service_account' || !key.client_email) return invalid('data is not a service account key (type service_account, with client_email)');
  const problem = privateKeyProblem(key.private_key, 'data.private_key');
  if (problem) return invalid(problem);
  let tokenUri: URL;
  try {
    tokenUri = new URL(key.token_uri ?? 'https://oauth2.googleapis.com/token');
  } catch {
    return invalid('data.token_uri is not a URL');
  }
  return guarded(async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const assertion = await new SignJWT({ scope: 'https://www.googleapis.com/auth/cloud-platform' })
      .setProtectedHeader({ alg: 'RS256', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
      .setIssuer(key.client_email!)
      .setAudience(tokenUri.toString())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(createPrivateKey(key.private_key!));
    const response = await ctx.http.request(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      publicHosts: GOOGLE_HOSTS,
    });
    // Google answers a refused key with 400 invalid_grant.
    return response.status === 400 ? invalid(`Google refused the key: ${providerMessage(response)}`) : verdict(response, 'Google');
  });
};

/** The probes, by kind; the provider table names one per provider. */
