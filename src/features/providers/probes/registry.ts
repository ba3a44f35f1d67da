/** Container registries: the /v2/ API with the registry's token flow (https first, then http for an allowed host). */
import { type ProbeResponse, ProbeUnreachable, type PublicHosts } from '../../../infra/guarded-http.js';
import { basic, guarded, invalid, type Probe, text, verdict } from './common.js';

const REGISTRY_HOSTS: PublicHosts = [
  'registry-1.docker.io',
  'auth.docker.io',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'registry.gitlab.com',
  'gitlab.com',
  'public.ecr.aws',
  'mcr.microsoft.com',
  'nvcr.io',
  'authn.nvidia.com',
  'cr.seqera.io',
  'registry.access.redhat.com',
  'registry.redhat.io',
  'sso.redhat.com',
  /^[a-z0-9-]+\.gcr\.io$/,
  /^[a-z0-9-]+-docker\.pkg\.dev$/,
  /^[a-z0-9-]+\.azurecr\.io$/,
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/,
];

/** `realm="…",service="…"` of a WWW-Authenticate header. */
function challenge(header: string | string[] | undefined): { scheme: string; params: Record<string, string> } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^(\w+)\s*(.*)$/.exec(value ?? '');
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[2]!.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) params[key!.toLowerCase()] = quoted ?? bare ?? '';
  return { scheme: match[1]!.toLowerCase(), params };
}

export const registryProbe: Probe = (target, ctx) =>
  guarded(async () => {
    const registry = text(target.keys.registry) || 'docker.io';
    const host = registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    let base: URL;
    try {
      base = new URL(`https://${host}/v2/`);
    } catch {
      return invalid(`registry ${JSON.stringify(registry)} is not a host name`);
    }
    const auth = basic(text(target.keys.userName), text(target.keys.password));
    let first: ProbeResponse;
    try {
      first = await ctx.http.request(base, { publicHosts: REGISTRY_HOSTS });
    } catch (error) {
      // As Docker does for an insecure registry: https first, then plain http, for a host the operator allowed.
      const plain = new URL(`http://${host}/v2/`);
      if (!(error instanceof ProbeUnreachable) || ctx.http.refusal(plain, REGISTRY_HOSTS)) throw error;
      base = plain;
      first = await ctx.http.request(base, { publicHosts: REGISTRY_HOSTS });
    }
    const offered = challenge(first.headers['www-authenticate']);
    if (first.status === 401 && offered?.scheme === 'bearer' && offered.params.realm) {
      let realm: URL;
      try {
        realm = new URL(offered.params.realm);
      } catch {
        return invalid(`registry ${host} names a token service that is not a URL`);
      }
      if (offered.params.service) realm.searchParams.set('service', offered.params.service);
      return verdict(
        await ctx.http.request(realm, { headers: { authorization: auth }, publicHosts: REGISTRY_HOSTS }),
        `the registry's token service (${realm.hostname})`,
      );
    }
    if (first.status === 401 || (first.status >= 200 && first.status < 300)) {
      return verdict(await ctx.http.request(base, { headers: { authorization: auth }, publicHosts: REGISTRY_HOSTS }), `registry ${host}`);
    }
    return verdict(first, `registry ${host}`);
  });
