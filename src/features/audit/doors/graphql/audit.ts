/** The audit trail of a context, for the people who manage it: `auditEvents`, newest first. */

import { cursorOf, DEFAULT_PAGE_SIZE, numberOfCursor } from '../../../../core/paging.js';
import { builder, callerOf } from '../../../../doors/graphql/builder.js';
import { connectionOf, forwardOnly } from '../../../../doors/graphql/connection.js';
import type { AuditEventView } from '../../model.js';
import { AUDIT_ACTIONS, MAX_AUDIT_PAGE } from '../../use-cases/trail.js';

export const AuditKind = builder.enumType('AuditEventKind', {
  description: 'What an audit event records',
  values: Object.fromEntries(AUDIT_ACTIONS.map((action) => [action.replace('.', '_').toUpperCase(), { value: action, description: action }])),
});

export const AuditEventRef = builder.objectRef<AuditEventView>('AuditEvent').implement({
  description: 'One recorded change or delivery: who, through which door, what, when. Never a secret.',
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.expose('at', { type: 'DateTime' }),
    kind: t.field({ type: AuditKind, resolve: (e) => e.action as never }),
    seqeraType: t.exposeString('seqeraType', { nullable: true, description: "Seqera Platform's event type, where one matches (credentials_created, …)" }),
    targetType: t.exposeString('targetType', { description: 'credential, token, user, organization, workspace, pairing, webhook, database' }),
    targetId: t.exposeString('targetId'),
    targetName: t.exposeString('targetName', { nullable: true, description: "The credential's name, for a credential event" }),
    provider: t.exposeString('provider', { nullable: true, description: "The credential's provider, for a credential event" }),
    workspaceId: t.id({ nullable: true, resolve: (e) => (e.workspaceId === null ? null : String(e.workspaceId)) }),
    actor: t.exposeString('actor', { nullable: true, description: 'A user id, operator or background' }),
    actorName: t.exposeString('actorName', { nullable: true, description: 'The name of the user who acted' }),
    door: t.exposeString('door', { nullable: true, description: 'graphql, rest, cli, background or start' }),
    detail: t.exposeString('detail', { nullable: true, description: 'What it concerned beyond its kind (a role, a pairing, a version)' }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.withAuth({ authenticated: true }).connection({
    type: AuditEventRef,
    description:
      `The audit trail, newest first (at most ${MAX_AUDIT_PAGE} a page): of your own credentials and tokens, or of a workspace ` +
      'for its OWNERs and ADMINs. Export it whole with GET /api/audit-events (JSON lines or CSV).',
    args: {
      workspaceId: t.arg.id({ required: false, description: 'A workspace you manage (absent: your own context)' }),
      since: t.arg({ type: 'DateTime', required: false, description: 'From this instant on (included)' }),
      until: t.arg({ type: 'DateTime', required: false, description: 'Before this instant' }),
      actor: t.arg.string({ required: false, description: 'Only what this user id (or operator, background) did' }),
      kinds: t.arg({ type: [AuditKind], required: false, description: 'Only these kinds' }),
    },
    resolve: async (_root, args, ctx) => {
      forwardOnly(args, 'pages');
      const page = await ctx.services.audit.events(
        { ...callerOf(ctx), ...(args.workspaceId == null ? {} : { workspaceId: String(args.workspaceId) }) },
        { since: args.since ?? undefined, until: args.until ?? undefined, actor: args.actor ?? undefined, kinds: (args.kinds as string[] | null) ?? undefined },
        // A cursor that is no event id: the domain refuses it.
        { first: args.first ?? DEFAULT_PAGE_SIZE, after: numberOfCursor(args.after) },
      );
      return connectionOf(
        page.items,
        page.hasNextPage,
        args,
        (e) => cursorOf(e.id),
        (e) => e,
      );
    },
  }),
);
