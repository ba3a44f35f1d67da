/** The model of events: the records its use cases, rules and doors speak in (its store maps rows to them). */
import type { AuditActor, Owner } from '../../core/caller.js';
import type { AuditRecord } from '../audit/index.js';

export type WebhookStatus = 'ACTIVE' | 'PAUSED' | 'DISABLED';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookRecord {
  id: string;
  owner: Owner;
  url: string;
  /** The kinds it receives; undefined: every kind. */
  kinds: string[] | undefined;
  status: WebhookStatus;
  failingSince: Date | null;
  disabledAt: Date | null;
  pausedAt: Date | null;
  createdAt: Date;
  /** Who answers for it: the user who created it, or resumed it last (null: the operator). */
  creatorUserId: string | null;
}

export interface NewWebhook {
  id: string;
  owner: Owner;
  url: string;
  kinds: readonly string[] | undefined;
  /** Sealed. */
  secret: string;
  createdAt: Date;
  by: AuditActor;
  /** The user who answers for it (null: the operator). */
  creatorUserId: string | null;
  /** What the audit row says of it (the URL's host: a URL may hold a token). */
  detail: string;
}

export interface DeliveryRecord {
  id: number;
  webhookId: string;
  eventId: number;
  action: string | null;
  targetId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** An ACTIVE webhook with a delivery that may be due: what the dispatcher needs to send to it. */
export interface DueWebhook {
  id: string;
  owner: Owner;
  creatorUserId: string | null;
  url: string;
  /** Sealed. */
  secret: string;
  failingSince: Date | null;
  /** Deliveries ever queued for it (a later count: more were queued since this was read). */
  queued: number;
}

/** A pending delivery the dispatcher may send now: the event, and how often it was tried. */
export interface DueDelivery {
  id: number;
  webhookId: string;
  attempts: number;
  event: AuditRecord;
}

/** Webhooks the dispatcher does not want to hear of now: by id, and by the user who answers for them. */
export interface DueExceptions {
  ids: readonly string[];
  creators: readonly string[];
}
