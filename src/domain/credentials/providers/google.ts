/** Google Cloud: a service-account key, or workload identity. */
import { LONG, type ProviderSpec, present, requireAll, str } from './fields.js';

export const googleProviders: ProviderSpec[] = [
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
  },
];
