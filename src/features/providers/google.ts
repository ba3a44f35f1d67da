/**
 * Google Cloud: a service-account key, or workload identity (a provider of a
 * workload identity pool that trusts this service's OIDC issuer: nothing
 * secret stored; delivered with an ID token to exchange at Google's STS).
 */
import { federatedSubject, googleAudience, googleShortLived } from './federation.js';
import { LONG, type ProviderSpec, present, requireAll, str } from './fields.js';
import { googleProbe } from './probes/google.js';

/** projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, as Google names it. */
const WIP = /^(?:\/\/iam\.googleapis\.com\/)?projects\/([^/]+)\/locations\/([^/]+)\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;

export const googleProviders = [
  {
    id: 'google',
    title: 'Google Cloud',
    fields: {
      serviceAccountEmail: str(false, 'Service account e-mail (workload identity)'),
      workloadIdentityProvider: str(false, 'Workload identity provider'),
      tokenAudience: str(false, 'Token audience'),
      data: str(true, 'Service account key, the JSON document as a string', LONG),
    },
    check: (keys) => {
      if (present(keys.data)) {
        try {
          const parsed: unknown = JSON.parse(String(keys.data));
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return [];
        } catch {
          /* reported below */
        }
        return [{ field: 'data', message: 'must be a service account key in JSON' }];
      }
      if (present(keys.serviceAccountEmail) || present(keys.workloadIdentityProvider)) {
        return requireAll(keys, ['serviceAccountEmail', 'workloadIdentityProvider']);
      }
      return [{ message: 'data (a service account key) or serviceAccountEmail with workloadIdentityProvider is required' }];
    },
    setupSnippet: (keys, settings, credential) => {
      const parts = WIP.exec(String(keys.workloadIdentityProvider ?? ''));
      // (Shown for any credential naming a provider: a record does not say whether a key is stored too.)
      if (!parts || !settings.publicUrl) return null;
      const [, project, location, pool, provider] = parts;
      const subject = federatedSubject(credential.owner, credential.id);
      return [
        '# 1. Once per pool: trust this service as an OIDC provider of the workload identity pool.',
        `gcloud iam workload-identity-pools providers create-oidc ${provider} --project=${project} --location=${location} \\`,
        `  --workload-identity-pool=${pool} --issuer-uri=${settings.publicUrl} \\`,
        `  --allowed-audiences=${googleAudience(keys)} --attribute-mapping=google.subject=assertion.sub`,
        '# 2. Let this credential’s tokens act as the service account.',
        `gcloud iam service-accounts add-iam-policy-binding ${keys.serviceAccountEmail} --role=roles/iam.workloadIdentityUser \\`,
        `  --member=principal://iam.googleapis.com/projects/${project}/locations/${location}/workloadIdentityPools/${pool}/subject/${subject}`,
      ].join('\n');
    },
    probe: googleProbe,
    shortLived: googleShortLived,
  },
] as const satisfies readonly ProviderSpec[];
