/**
 * Short-lived credentials on delivery (federation.ts says which): an AWS role
 * is assumed with the service's own identity (AssumeRole, with the
 * credential's external id), a federated credential gets an ID token signed
 * by the service's OIDC issuer (and, for AWS, the credentials STS
 * AssumeRoleWithWebIdentity gives for it). STS sessions are kept in memory per
 * (credential, its keys, caller) until five minutes before they expire — never
 * stored, never logged — so a pipeline's many fetches make one STS call an
 * hour. A failure names the role and AWS's words, never a secret. STS calls
 * take slots as probes do (so many in flight, so many for one owner).
 */
import { LRUCache } from 'lru-cache';
import type { Owner } from '../../../core/caller.js';
import { AwsRefused, type AwsSession, type AwsSts, AwsUnavailable } from '../../../infra/aws-sts.js';
import { ProbeRefused, ProbeUnreachable } from '../../../infra/guarded-http.js';
import type { ProbeSlots } from '../../probing/index.js';
import { federatedSubject, type ShortLived, shortLivedOf } from '../../providers/index.js';
import { RoleNotAssumed, StsBusy, StsNotAllowed, StsUnavailable } from '../errors.js';
import type { OidcIssuer } from './oidc-issuer.js';

/** A cached session is used until this long before it expires. */
export const SESSION_MARGIN_MS = 5 * 60_000;
const MAX_SESSIONS = 10_000;

export interface ShortLivedOptions {
  /** AWS_ASSUME_ROLE_ON_DELIVERY: false delivers a role's stored fields only (and a federated one's ID token). */
  assumeRoleOnDelivery: boolean;
  sessionSeconds: number;
  clock: () => number;
  /** STS calls in flight at once, and of one owner's credentials (one user cannot spend the service's AWS quota). */
  slots: ProbeSlots;
  /** Each STS call's outcome, for the metrics. */
  observe?: (action: 'AssumeRole' | 'AssumeRoleWithWebIdentity', outcome: 'ok' | 'refused' | 'unavailable' | 'cached') => void;
}

/** The credential a delivery is for. */
export interface ShortLivedTarget {
  id: string;
  owner: Owner;
  provider: string;
}

/** STS's session name: who and what (64 characters of [\w+=,.@-]). */
const sessionName = (userId: string, credentialId: string) => `${userId}-${credentialId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);

export class ShortLivedCredentials {
  readonly #sessions = new LRUCache<string, Promise<AwsSession>>({ max: MAX_SESSIONS });

  constructor(
    private readonly sts: AwsSts,
    private readonly issuer: OidcIssuer,
    private readonly options: ShortLivedOptions,
  ) {}

  /** Sessions held in memory now (bounded). */
  get cached(): number {
    return this.#sessions.size;
  }

  /** The keys a delivery carries: the stored ones, with the short-lived ones added where federation.ts says so. */
  async keysFor(callerId: string, target: ShortLivedTarget, keys: Record<string, unknown>): Promise<Record<string, unknown>> {
    const how = shortLivedOf(target.provider, keys as never);
    if (!how) return keys;
    if (how.kind === 'federated') {
      const { token, expiresAt } = await this.#mint(target, how);
      const delivered = { ...keys, idToken: token, idTokenExpiration: expiresAt.toISOString() };
      if (how.cloud !== 'aws' || !this.options.assumeRoleOnDelivery) return delivered;
      const session = await this.#cached(callerId, target, how, () =>
        this.sts.assumeRoleWithWebIdentity({
          roleArn: how.roleArn,
          webIdentityToken: token,
          sessionName: sessionName(callerId, target.id),
          durationSeconds: this.options.sessionSeconds,
        }),
      );
      return { ...delivered, ...awsKeys(session) };
    }
    if (!this.options.assumeRoleOnDelivery) return keys;
    const session = await this.#cached(callerId, target, how, () =>
      this.sts.assumeRole({
        roleArn: how.roleArn,
        externalId: how.externalId,
        sessionName: sessionName(callerId, target.id),
        durationSeconds: this.options.sessionSeconds,
      }),
    );
    return { ...keys, ...awsKeys(session) };
  }

  /**
   * A federated AWS credential's validation: a fresh token exchanged at STS
   * (with `sts`, the probe's deadline); the identity AWS answered. Throws the
   * STS client's errors (the probe turns them into its outcome).
   */
  async checkFederated(target: ShortLivedTarget, keys: Record<string, unknown>, sts: AwsSts): Promise<string> {
    const how = shortLivedOf(target.provider, keys as never);
    if (how?.kind !== 'federated' || how.cloud !== 'aws') return '';
    const { token } = await this.#mint(target, how);
    const session = await sts.assumeRoleWithWebIdentity({
      roleArn: how.roleArn,
      webIdentityToken: token,
      sessionName: 'credentials-validation',
      durationSeconds: 900,
    });
    return session.assumedRoleArn;
  }

  #mint(target: ShortLivedTarget, how: Extract<ShortLived, { kind: 'federated' }>) {
    return this.issuer.mint({
      subject: federatedSubject(target.owner, target.id),
      audience: how.audience,
      claims: { credentials_id: target.id, provider: target.provider },
    });
  }

  async #cached(callerId: string, target: ShortLivedTarget, how: ShortLived, call: () => Promise<AwsSession>): Promise<AwsSession> {
    const action = how.kind === 'role' ? 'AssumeRole' : 'AssumeRoleWithWebIdentity';
    // The keys that decide the session are part of the key: an edited role ARN or external id is a new session.
    const key = JSON.stringify([target.id, callerId, how]);
    const held = this.#sessions.get(key);
    if (held) {
      const session = await held.catch(() => undefined);
      if (session && session.expiration.getTime() - SESSION_MARGIN_MS > this.options.clock()) {
        this.options.observe?.(action, 'cached');
        return session;
      }
      if (this.#sessions.get(key) === held) this.#sessions.delete(key);
    }
    const roleArn = 'roleArn' in how ? how.roleArn : '';
    const release = this.options.slots.tryTake(`${target.owner.kind}:${target.owner.id}`);
    if (!release) throw new StsBusy();
    const pending = call()
      .finally(release)
      .then(
        (session) => {
          this.options.observe?.(action, 'ok');
          return session;
        },
        (error: unknown) => {
          this.#sessions.delete(key);
          if (error instanceof AwsRefused) {
            this.options.observe?.(action, 'refused');
            throw new RoleNotAssumed(roleArn, error.status, error.code, error.message);
          }
          if (error instanceof ProbeRefused) {
            this.options.observe?.(action, 'refused');
            throw new StsNotAllowed(`AWS STS may not be called: ${error.message}`);
          }
          if (error instanceof AwsUnavailable || error instanceof ProbeUnreachable) {
            this.options.observe?.(action, 'unavailable');
            throw new StsUnavailable(`AWS STS could not give the role's credentials now: ${error.message}`);
          }
          throw error;
        },
      );
    this.#sessions.set(key, pending);
    return pending;
  }
}

/** A session as AWS keys are delivered (Seqera's AwsSecurityKeys names, and the session's). */
const awsKeys = (s: AwsSession) => ({
  accessKey: s.accessKeyId,
  secretKey: s.secretAccessKey,
  sessionToken: s.sessionToken,
  expiration: s.expiration.toISOString(),
});
