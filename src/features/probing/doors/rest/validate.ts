/** Validating credentials with their provider on the legacy REST API: `POST /api/credentials/{credentialsId}/validate`. */
import { z } from 'zod';
import { booleanParam, ErrorResponse, idParams, workspaceId } from '../../../../doors/rest/common.js';
import { component, type RestRoute, route } from '../../../../doors/rest/route.js';
import { credentialStatus } from '../../../credentials/doors/rest/index.js';

const validateCredentialsQuery = z.object({
  workspaceId,
  force: booleanParam('Skip the probe and set an INVALID credential to AVAILABLE (409 for a credential that is not INVALID)'),
});

export const validateResponse = z.object({
  status: credentialStatus.meta({ description: 'The stored status after the validation (unchanged on a transient failure)' }),
  message: z.string().nullable().meta({ description: "The provider's words (INVALID), or what failed (transient); null when valid" }),
  transientError: z.boolean().meta({ description: 'The provider could not be reached or failed (timeout, DNS, 5xx): nothing was stored' }),
});
export const ValidateCredentialsResponse = component('ValidateCredentialsResponse', validateResponse);

export const VALIDATION_ROUTES: readonly RestRoute[] = [
  route({
    method: 'POST',
    url: '/api/credentials/:credentialsId/validate',
    operationId: 'ValidateCredentials',
    summary: 'Validate credentials against their provider and report the outcome',
    description:
      "Runs the provider's checks (offline, then its identity endpoint) and stores the verdict. A transient failure (timeout, " +
      'DNS, 5xx) answers transientError: true and changes nothing. Who may validate: whoever may update the credentials.',
    params: idParams,
    query: validateCredentialsQuery,
    responses: {
      '200': { description: 'Validation outcome: inspect status and transientError', body: ValidateCredentialsResponse },
      '409': { description: 'force=true for a credential that is not INVALID', body: ErrorResponse },
      '503': { description: 'Too many validations in progress, or the database is busy; retry', body: ErrorResponse },
    },
    async handle({ services, params, query, caller }) {
      return services.probing.validate(caller, params.credentialsId, { force: query.force });
    },
  }),
];
