/**
 * Prometheus metrics of one app instance: HTTP, GraphQL operations, errors,
 * database queries, process. No label takes a value a client chooses freely:
 * routes are the declared patterns, methods are the ones Node's parser knows,
 * and GraphQL operation names are labels only for authenticated requests, at
 * most OPERATION_LABELS distinct names of at most OPERATION_NAME_LENGTH
 * characters (then `other`).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Distinct GraphQL operation names kept as labels; later names count as `other`. */
export const OPERATION_LABELS = 100;
/** Longest operation name kept as a label (a longer one counts as `other`). */
export const OPERATION_NAME_LENGTH = 64;

/** A GraphQL request as the metrics see it. */
export interface GraphQLOperation {
  /** The operation's name as sent (`anonymous` without one). */
  name: string;
  type: string;
  /** Only an authenticated caller's operation names become labels. */
  authenticated: boolean;
}

/** How long a read of the INVALID counts serves scrapes. */
const INVALID_COUNT_TTL_MS = 5000;

/** The windows of credentials_expiring: its only label values. */
const EXPIRY_WINDOWS = [
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
] as const;

/** Request latency buckets, in seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL request latency by operation name and type',
    labelNames: ['operation', 'type'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'errors_total',
    help: 'Failed requests by kind: client (4xx), auth (401/429), server (5xx)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly dbQueries = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database statement latency as measured by Prisma',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
    registers: [this.registry],
  });

  /** Provider labels are the provider table's ids (or `unknown`): a fixed set. */
  readonly deliveries = new Counter({
    name: 'credential_deliveries_total',
    help: 'Key deliveries to paired services by provider and outcome (delivered, refused, unknown_pairing, failed)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Fixed labels: two actions, four outcomes. */
  readonly stsSessions = new Counter({
    name: 'aws_sts_sessions_total',
    help: 'Short-lived AWS credentials for deliveries by STS action and outcome (ok, cached, refused, unavailable)',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly validations = new Counter({
    name: 'credential_validations_total',
    help: 'Credential validations by provider and outcome (available, invalid, transient, forced)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook delivery attempts of this instance by result (delivered, failed, refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly webhooksDisabled = new Counter({
    name: 'webhooks_disabled_total',
    help: 'Webhooks this instance disabled after their deliveries failed for WEBHOOK_RETRY_FOR',
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: 'graphql_subscriptions',
    help: 'Live GraphQL subscriptions open on this instance',
    registers: [this.registry],
  });

  readonly subscriptionsCut = new Counter({
    name: 'graphql_subscriptions_cut_total',
    help: 'Live subscriptions this instance cut off because their client read too slowly (SUBSCRIPTION_BACKLOG_BYTES)',
    registers: [this.registry],
  });

  readonly graphqlFastPath = new Counter({
    name: 'graphql_fast_path_answers_total',
    help: 'GraphQL queries answered by the fast path (a query Yoga already ran, from its compiled form) rather than by Yoga',
    registers: [this.registry],
  });

  readonly webhooksPaused = new Counter({
    name: 'webhooks_paused_total',
    help: 'Webhooks this instance paused because the user who answers for them may no longer manage them',
    registers: [this.registry],
  });

  #lastEventId?: { read: () => Promise<number>; readAt: number };

  readonly #eventsWritten = new Gauge({
    name: 'audit_events_written',
    help: 'Events ever written to the audit trail, by every instance (the latest event id)',
    registers: [this.registry],
    collect: async () => {
      const source = this.#lastEventId;
      if (!source || Date.now() - source.readAt < INVALID_COUNT_TTL_MS) return;
      source.readAt = Date.now();
      this.#eventsWritten.set(await source.read());
    },
  });

  #countInvalid?: { count: () => Promise<ReadonlyMap<string, number>>; providers: readonly string[]; readAt: number };

  readonly #invalid = new Gauge({
    name: 'credentials_invalid',
    help: 'Live credentials whose last validation failed, by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
    // On every scrape; the database is read at most every INVALID_COUNT_TTL_MS.
    collect: async () => {
      const source = this.#countInvalid;
      if (!source || Date.now() - source.readAt < INVALID_COUNT_TTL_MS) return;
      source.readAt = Date.now();
      const counts = await source.count();
      for (const provider of source.providers) this.#invalid.set({ provider }, counts.get(provider) ?? 0);
    },
  });

  #countExpiring?: { count: (withinMs: number) => Promise<number>; readAt: number };

  readonly #expiring = new Gauge({
    name: 'credentials_expiring',
    help: 'Live credentials whose expiresAt falls within 7d or 30d from now (expired ones included): counts only',
    labelNames: ['within'] as const,
    registers: [this.registry],
    collect: async () => {
      const source = this.#countExpiring;
      if (!source || Date.now() - source.readAt < INVALID_COUNT_TTL_MS) return;
      source.readAt = Date.now();
      for (const [within, ms] of EXPIRY_WINDOWS) this.#expiring.set({ within }, await source.count(ms));
    },
  });

  readonly #operations = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /**
   * Where the INVALID counts come from (read at most every INVALID_COUNT_TTL_MS,
   * however often /metrics is scraped).
   */
  countInvalidWith(count: () => Promise<ReadonlyMap<string, number>>, providers: readonly string[]): void {
    this.#countInvalid = { count, providers, readAt: 0 };
  }

  /** Where the number of events written comes from (read at most every 5 s). */
  countEventsWith(read: () => Promise<number>): void {
    this.#lastEventId = { read, readAt: 0 };
  }

  /** Where the expiring counts come from: live credentials expiring within `withinMs` of now (read at most every 5 s). */
  countExpiringWith(count: (withinMs: number) => Promise<number>): void {
    this.#countExpiring = { count, readAt: 0 };
  }

  /** The label of an operation: its name while the set of names is small, else `other`; `unauthenticated` without a caller. */
  operationLabel({ name, authenticated }: GraphQLOperation): string {
    if (!authenticated) return 'unauthenticated';
    if (this.#operations.has(name)) return name;
    if (name.length > OPERATION_NAME_LENGTH || this.#operations.size >= OPERATION_LABELS) return 'other';
    this.#operations.add(name);
    return name;
  }

  observeRequest(method: string, route: string, status: number, seconds: number, graphql?: GraphQLOperation) {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
    if (graphql) this.graphqlDuration.observe({ operation: this.operationLabel(graphql), type: graphql.type }, seconds);
    if (status === 401 || status === 429) this.errors.inc({ kind: 'auth' });
    else if (status >= 500) this.errors.inc({ kind: 'server' });
    else if (status >= 400) this.errors.inc({ kind: 'client' });
  }
}
