/** The audit trail's export on the legacy REST API: `GET /api/audit-events`, JSON lines or CSV. */
import { negotiate } from '@fastify/accept-negotiator';
import { z } from 'zod';
import { instantText } from '../../../../core/time.js';
import { ErrorResponse, workspaceId } from '../../../../doors/rest/common.js';
import { type RestRoute, route } from '../../../../doors/rest/route.js';
import { AUDIT_COLUMNS, type AuditFormat, auditStream } from '../../rules/formats.js';

const AUDIT_TYPES: Record<AuditFormat, string> = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };

const auditQuery = z.object({
  workspaceId,
  since: instantText().optional().meta({ description: 'From this instant on (included)' }),
  until: instantText().optional().meta({ description: 'Before this instant' }),
  actor: z.string().max(64).optional().meta({ description: 'Only what this user id (or operator, background) did' }),
  kinds: z
    .string()
    .max(2000)
    .optional()
    .meta({ description: 'Only these kinds, separated by commas (credential.create, credential.update, …; see the GraphQL AuditEventKind)' }),
});

export const AUDIT_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    url: '/api/audit-events',
    operationId: 'ExportAuditEvents',
    summary: 'Export the audit trail',
    description:
      "This service's extension. The events of your own credentials and tokens, or of a workspace you manage (OWNER, ADMIN), " +
      'oldest first, streamed: JSON lines (Accept: application/x-ndjson, the default) or CSV (Accept: text/csv; columns ' +
      `${AUDIT_COLUMNS.join(', ')}). Never a secret.`,
    extension: true,
    query: auditQuery,
    responses: {
      '200': { description: 'The events, one per line (application/x-ndjson) or one per CSV row after a header (text/csv)' },
      '406': { description: 'Accept names neither application/x-ndjson nor text/csv', body: ErrorResponse },
    },
    async handle({ services, request, reply, query, caller }) {
      const accepted = negotiate(String(request.headers.accept ?? 'application/x-ndjson'), ['application/x-ndjson', 'text/csv', 'application/json', '*/*']);
      if (accepted === null) return reply.status(406).send({ message: 'Accept application/x-ndjson or text/csv' });
      const format = accepted === 'text/csv' ? 'csv' : 'ndjson';
      const filter = {
        since: query.since,
        until: query.until,
        actor: query.actor,
        kinds:
          query.kinds === undefined
            ? undefined
            : query.kinds
                .split(',')
                .map((k) => k.trim())
                .filter(Boolean),
      };
      // The first page is read before the answer starts, so that a refusal (a role, a filter) is an error answer.
      const events = services.audit.export(caller, filter);
      const first = await events.next();
      async function* all() {
        if (first.done) return;
        yield first.value;
        yield* events;
      }
      return reply
        .type(AUDIT_TYPES[format])
        .header('content-disposition', `attachment; filename="audit-events.${format === 'csv' ? 'csv' : 'jsonl'}"`)
        .send(auditStream(all(), format));
    },
  }),
];
