import { cursorOf, DEFAULT_PAGE_SIZE, numberOfCursor } from '../../../../core/paging.js';
import { type AuthenticatedContext, builder, callerOf } from '../../../../doors/graphql/builder.js';
import { connectionOf, forwardOnly } from '../../../../doors/graphql/connection.js';
import { errorType } from '../../../../doors/graphql/errors.js';
import { AuditEventRef, AuditKind } from '../../../audit/doors/graphql/index.js';
import type { AuditEventView } from '../../../audit/index.js';
import { CredentialProvider } from '../../../credentials/doors/graphql/index.js';
import { ACCESS_ERRORS } from '../../../workspaces/index.js';
import { WebhookNotFound, WebhookNotResumable } from '../../errors.js';
import { CREDENTIAL_EVENT_KINDS, PIPELINE_SECRET_EVENT_KINDS } from '../../use-cases/live.js';
import { MAX_DELIVERY_PAGE, WEBHOOK_ERRORS, type WebhookDeliveryView, type WebhookView } from '../../use-cases/webhooks.js';

errorType(WebhookNotFound, {
  description: 'No webhook with this id in the context named.',
  fields: (t) => ({ webhookId: t.id({ resolve: (e) => e.webhookId }) }),
});

errorType(WebhookNotResumable, {
  description: 'The webhook is ACTIVE already: only a PAUSED or DISABLED webhook is resumed.',
  fields: (t) => ({ webhookId: t.id({ resolve: (e) => e.webhookId }) }),
});

const WebhookStatus = builder.enumType('WebhookStatus', {
  values: {
    ACTIVE: { description: 'Receives its events' },
    PAUSED: {
      description:
        'The user who answers for it (createdBy) may no longer manage the context’s webhooks (removed, role lowered, disabled): it receives and sends nothing until a current manager resumes it (resumeWebhook)',
    },
    DISABLED: {
      description: 'Its deliveries failed for longer than the retry window (WEBHOOK_RETRY_FOR): it receives nothing until a manager resumes it (resumeWebhook)',
    },
  },
});

const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: {
    PENDING: { description: 'Not yet taken by the receiver: sent soon, or retried at nextAttemptAt' },
    DELIVERED: { description: 'The receiver answered 2xx' },
    FAILED: { description: 'Given up: the webhook was disabled' },
  },
});

const WebhookRef = builder.objectRef<WebhookView>('Webhook').implement({
  description: 'Events of a context sent to a URL, signed per the Standard Webhooks specification. Its secret is shown once, at creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    kinds: t.field({ type: [AuditKind], nullable: true, description: 'The kinds it receives (null: every kind)', resolve: (w) => w.kinds as never }),
    workspaceId: t.id({ nullable: true, resolve: (w) => (w.workspaceId === null ? null : String(w.workspaceId)) }),
    status: t.field({ type: WebhookStatus, resolve: (w) => w.status }),
    failingSince: t.expose('failingSince', { type: 'DateTime', nullable: true, description: 'Since when its deliveries fail (null: they do not)' }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy', {
      nullable: true,
      description:
        'The user id of who answers for it: who created it, or resumed it last (null: the operator). It sends only while they may manage the context’s webhooks.',
    }),
  }),
});

const CreatedWebhook = builder.objectRef<{ webhook: WebhookView; secret: string }>('CreatedWebhook').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (c) => c.webhook }),
    secret: t.exposeString('secret', {
      description: 'The signing secret (`whsec_…`): verify each delivery with it (any Standard Webhooks library). Shown this once.',
    }),
  }),
});

const DeliveryRef = builder.objectRef<WebhookDeliveryView>('WebhookDelivery').implement({
  description: 'One event sent (or to send) to a webhook. Never holds what the receiver answered beyond its status.',
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.id({ description: 'The audit event (and the webhook-id header: evt_<eventId>)', resolve: (d) => String(d.eventId) }),
    kind: t.field({ type: AuditKind, nullable: true, resolve: (d) => d.action as never }),
    targetId: t.exposeString('targetId'),
    status: t.field({ type: DeliveryStatus, resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a pending delivery is tried again',
      resolve: (d) => (d.status === 'PENDING' && d.nextAttemptAt > 0 ? new Date(d.nextAttemptAt) : null),
    }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    lastStatus: t.exposeInt('lastStatus', { nullable: true, description: "The receiver's HTTP status at the last attempt" }),
    lastError: t.exposeString('lastError', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    workspaceId: t.id({ required: false, description: 'A workspace you manage (absent: your own context)' }),
    url: t.string({ required: true, description: 'https to a public host (or a host the operator allows with WEBHOOK_ALLOWED_HOSTS)' }),
    kinds: t.field({ type: [AuditKind], required: false, description: 'Only these kinds (absent: every kind)' }),
  }),
});

const inContext = (ctx: AuthenticatedContext, workspaceId: string | number | null | undefined) => ({
  ...callerOf(ctx),
  ...(workspaceId == null ? {} : { workspaceId: String(workspaceId) }),
});

builder.queryFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  return {
    webhooks: authenticated.field({
      type: [WebhookRef],
      description:
        'The webhooks of your own context, or of a workspace you manage (OWNER, ADMIN), oldest first: every one of the context, whoever made it (at most WEBHOOKS_PER_CONTEXT).',
      args: { workspaceId: t.arg.id({ required: false }) },
      resolve: (_root, args, ctx) => ctx.services.webhooks.list(inContext(ctx, args.workspaceId)),
    }),
    webhookDeliveries: authenticated.connection({
      type: DeliveryRef,
      description: `A webhook's delivery log, newest first (at most ${MAX_DELIVERY_PAGE} a page; the latest 1000 finished ones are kept).`,
      args: { id: t.arg.id({ required: true, description: 'The webhook' }), workspaceId: t.arg.id({ required: false }) },
      resolve: async (_root, args, ctx) => {
        forwardOnly(args, 'pages');
        const page = await ctx.services.webhooks.deliveries(inContext(ctx, args.workspaceId), String(args.id), {
          first: args.first ?? DEFAULT_PAGE_SIZE,
          after: numberOfCursor(args.after),
        });
        return connectionOf(
          page.items,
          page.hasNextPage,
          args,
          (d) => cursorOf(d.id),
          (d) => d,
        );
      },
    }),
  };
});

builder.mutationFields((t) => {
  const authenticated = t.withAuth({ authenticated: true });
  return {
    createWebhook: authenticated.field({
      type: CreatedWebhook,
      description:
        'Subscribes a URL to the events of your own context, or of a workspace you manage (OWNER, ADMIN). The answer holds its signing secret, shown this once.',
      args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
      errors: { types: [...WEBHOOK_ERRORS.create, ...ACCESS_ERRORS] },
      resolve: (_root, args, ctx) =>
        ctx.services.webhooks.create(inContext(ctx, args.input.workspaceId), {
          url: args.input.url,
          kinds: (args.input.kinds as string[] | null) ?? undefined,
        }),
    }),
    resumeWebhook: authenticated.field({
      type: WebhookRef,
      description:
        'Resumes a PAUSED or DISABLED webhook of your own context, or of a workspace you manage: it receives events again (what was pending is sent), and you answer for it from now on.',
      args: { id: t.arg.id({ required: true }), workspaceId: t.arg.id({ required: false }) },
      errors: { types: [...WEBHOOK_ERRORS.resume, ...ACCESS_ERRORS] },
      resolve: (_root, args, ctx) => ctx.services.webhooks.resume(inContext(ctx, args.workspaceId), String(args.id)),
    }),
    deleteWebhook: authenticated.id({
      description: 'Deletes a webhook and its delivery log (what is pending is not sent); returns its id.',
      args: { id: t.arg.id({ required: true }), workspaceId: t.arg.id({ required: false }) },
      errors: { types: [...WEBHOOK_ERRORS.delete, ...ACCESS_ERRORS] },
      resolve: async (_root, args, ctx) => {
        await ctx.services.webhooks.delete(inContext(ctx, args.workspaceId), String(args.id));
        return String(args.id);
      },
    }),
  };
});

const CredentialEventKind = builder.enumType('CredentialEventKind', {
  description: 'What happened to a credential',
  values: Object.fromEntries(CREDENTIAL_EVENT_KINDS.map((action) => [action.replace('.', '_').toUpperCase(), { value: action, description: action }])),
});

const PipelineSecretEventKind = builder.enumType('PipelineSecretEventKind', {
  description: 'What happened to a pipeline secret',
  values: Object.fromEntries(PIPELINE_SECRET_EVENT_KINDS.map((action) => [action.replace('.', '_').toUpperCase(), { value: action, description: action }])),
});

builder.subscriptionType({});

builder.subscriptionField('pipelineSecretEvents', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: AuditEventRef,
    description:
      'The events of the pipeline secrets of your own context, or of a workspace you take part in, as they happen (from now on; ' +
      'targetName is the secret’s name, never its value). Ends when you lose access and when the server shuts down.',
    args: {
      workspaceId: t.arg.id({ required: false }),
      kinds: t.arg({ type: [PipelineSecretEventKind], required: false }),
    },
    subscribe: (_root, args, ctx) =>
      ctx.services.live.pipelineSecretEvents(
        inContext(ctx, args.workspaceId),
        { id: ctx.viewer.tokenId, expiresAt: ctx.viewer.expiresAt },
        { kinds: (args.kinds as string[] | null) ?? undefined },
      ),
    resolve: (event: AuditEventView) => event,
  }),
);

builder.subscriptionField('credentialEvents', (t) =>
  t.withAuth({ authenticated: true }).field({
    type: AuditEventRef,
    description:
      'The events of the credentials of your own context, or of a workspace you take part in, as they happen (from now on). ' +
      'Ends when you lose access (removed from the workspace, token revoked) and when the server shuts down.',
    args: {
      workspaceId: t.arg.id({ required: false }),
      provider: t.arg({ type: CredentialProvider, required: false }),
      kinds: t.arg({ type: [CredentialEventKind], required: false }),
    },
    subscribe: (_root, args, ctx) =>
      ctx.services.live.credentialEvents(
        inContext(ctx, args.workspaceId),
        { id: ctx.viewer.tokenId, expiresAt: ctx.viewer.expiresAt },
        { provider: args.provider ?? undefined, kinds: (args.kinds as string[] | null) ?? undefined },
      ),
    resolve: (event: AuditEventView) => event,
  }),
);
