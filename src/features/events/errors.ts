/** The errors of webhooks and live subscriptions. */
import { DomainError, NotFound } from '../../core/errors.js';
import { quoted } from '../../core/text.js';

/** No webhook with this id in the context named. */
export class WebhookNotFound extends NotFound {
  override readonly code = 'WEBHOOK_NOT_FOUND';
  constructor(readonly webhookId: string) {
    super(`No webhook ${quoted(webhookId, 40)} in this context`);
  }
}

/** The webhook is ACTIVE already (or went away meanwhile): nothing to resume. */
export class WebhookNotResumable extends DomainError {
  readonly kind = 'conflict';
  readonly code = 'WEBHOOK_NOT_RESUMABLE';
  constructor(
    readonly webhookId: string,
    readonly status: string,
  ) {
    super(`Webhook ${quoted(webhookId, 40)} is ${status === 'gone' ? 'gone' : status}: only a PAUSED or DISABLED webhook is resumed`);
  }
}

/** The caller holds as many live subscriptions open as they may (per token, per user), or the instance does. */
export class TooManySubscriptions extends DomainError {
  readonly kind = 'rate-limited';
  readonly code = 'TOO_MANY_SUBSCRIPTIONS';
  override readonly retryAfterSeconds = 5;
  constructor(
    readonly scope: string,
    readonly limit: number,
    readonly setting: string,
  ) {
    super(`At most ${limit} live subscriptions ${scope} at once: close one first (the operator sets ${setting})`);
  }
}
