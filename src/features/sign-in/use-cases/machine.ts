/**
 * Machine sign-in with OIDC tokens: a CI job (GitHub Actions, GitLab CI, a
 * Kubernetes service account) holds a short-lived JWT from an issuer the
 * operator trusts, and exchanges it (`POST /api/auth/oidc`) for a short-lived
 * access token of this service — no stored secret in the CI system.
 *
 * The operator's rules (OIDC_MACHINE_ISSUERS, a JSON file; see
 * docs/operating.md) name each trusted issuer, the audience its tokens must
 * carry, and rules: claims that must match exactly (a value, or any of a
 * list), and what a match gets — a token of an existing (service) user, or of
 * the rule's service user `oidc:<rule>` (made by the service for that rule, in
 * a name space no person's name can take) that takes part in one workspace
 * with one role (kept so on every exchange) — with a scope and a lifetime of at
 * most an hour.
 *
 * The JWT is verified with jose: the issuer's keys from its discovery
 * document's JWKS (cached, fetched again for an unknown `kid` at most every
 * 30 s), an allow-list of asymmetric algorithms (never `none`, never HS*, so a
 * public key cannot be used as an HMAC secret), `iss`, `aud`, `exp` and `nbf`
 * with 30 s of skew. Every exchange is audited with the rule and the claims
 * that matched; a refusal says why, without echoing the token.
 */
import { z } from 'zod';
import { type AuditActor, OPERATOR } from '../../../core/caller.js';
import { durationWithin } from '../../../core/time.js';
import { type AccessTokens, serviceUserName, TOKEN_SCOPES } from '../../accounts/index.js';
import type { ExchangeEvent } from '../../audit/index.js';
import type { WorkspaceService } from '../../workspaces/index.js';
import { WORKSPACE_ROLES } from '../../workspaces/index.js';
import { MachineTokenRefused } from '../errors.js';

/** The algorithms a machine token may be signed with: asymmetric only. */
export const MACHINE_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SKEW_SECONDS = 30;
/** The longest a JWT may be (a larger body is refused before any parsing). */
export const MAX_JWT_LENGTH = 16 * 1024;
const MAX_TOKEN_LIFETIME = { min: 60_000, max: 3_600_000 };

const claimValue = z.union([z.string().min(1).max(1024), z.array(z.string().min(1).max(1024)).min(1).max(100)]);
const ruleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1-40 lower-case letters, digits and -'),
    claims: z.record(z.string().min(1).max(100), claimValue).refine((c) => Object.keys(c).length > 0, 'must name at least one claim'),
    user: z.string().min(1).max(64).optional(),
    workspace: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, 'must be <organization>/<workspace>')
      .optional(),
    role: z.enum(WORKSPACE_ROLES as unknown as [string, ...string[]]).optional(),
    scope: z.enum(TOKEN_SCOPES).default('keys:read'),
    expiresIn: z
      .string()
      .default('15m')
      .superRefine((text, ctx) => {
        const parsed = durationWithin(text, MAX_TOKEN_LIFETIME);
        if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
      }),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.user === undefined) === (rule.workspace === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must name either a user, or a workspace with a role' });
    }
    if (rule.workspace !== undefined && rule.role === undefined) ctx.addIssue({ code: 'custom', path: ['role'], message: 'is required with a workspace' });
  });
const issuerSchema = z
  .object({
    issuer: z.string().url('must be the issuer URL, exactly as its tokens carry it in iss'),
    audience: z.string().min(1).max(1024),
    /** Default: the jwks_uri of the issuer's discovery document. */
    jwksUri: z.string().url().optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();
const fileSchema = z.object({ issuers: z.array(issuerSchema) }).strict();

export type MachineRule = z.output<typeof ruleSchema>;
export type MachineIssuer = z.output<typeof issuerSchema>;

/** The rules of OIDC_MACHINE_ISSUERS's file, or the problem naming where it is. */
export function parseMachineIssuers(text: string, file: string): MachineIssuer[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`OIDC_MACHINE_ISSUERS: ${file} is not JSON (${(error as Error).message.replace(/".*"/s, '…')})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(the file)'}: ${i.message}`).join('; ');
    throw new Error(`OIDC_MACHINE_ISSUERS: ${file}: ${problems}`);
  }
  const names = new Set<string>();
  for (const rule of parsed.data.issuers.flatMap((i) => i.rules)) {
    if (names.has(rule.name)) throw new Error(`OIDC_MACHINE_ISSUERS: ${file}: the rule name ${rule.name} is used twice`);
    names.add(rule.name);
  }
  return parsed.data.issuers;
}

export interface ExchangedToken {
  accessToken: string;
  expiresAt: Date;
  scope: string;
  user: string;
  /** The workspace the rule gives a role in (its `org/ws`), if any. */
  workspace?: string;
  rule: string;
}

export interface MachineSignInOptions {
  clock: () => number;
  /**
   * Records the exchange (the audit trail): the rule and the claims that matched; a `token.refuse` names the
   * user the token would have acted as.
   */
  record: (event: ExchangeEvent) => Promise<void>;
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const matches = (expected: string | string[], actual: unknown) =>
  typeof actual === 'string' && (Array.isArray(expected) ? expected.includes(actual) : expected === actual);

export class MachineSignIn {
  readonly #keys = new Map<string, Promise<(header: unknown, token: unknown) => Promise<unknown>>>();

  constructor(
    private readonly issuers: readonly MachineIssuer[],
    private readonly tokens: AccessTokens,
    private readonly workspaces: WorkspaceService,
    private readonly options: MachineSignInOptions,
  ) {}

  get configured(): boolean {
    return this.issuers.length > 0;
  }

  /** Exchanges a trusted issuer's JWT for a short-lived access token, by the first rule its claims match. */
  async exchange(jwt: string, door: AuditActor['door']): Promise<ExchangedToken> {
    if (!this.configured) throw new MachineTokenRefused('No OIDC issuer is trusted here (the operator sets OIDC_MACHINE_ISSUERS)');
    if (jwt.length > MAX_JWT_LENGTH) throw new MachineTokenRefused(`The token is longer than ${MAX_JWT_LENGTH} characters`);
    const jose = await import('jose');
    let header: { alg?: string };
    let unverified: { iss?: unknown };
    try {
      header = jose.decodeProtectedHeader(jwt);
      unverified = jose.decodeJwt(jwt);
    } catch {
      throw new MachineTokenRefused('The token is not a signed JWT (JWS compact serialization)');
    }
    if (!header.alg || !MACHINE_ALGORITHMS.includes(header.alg)) {
      throw new MachineTokenRefused(
        `Tokens signed with ${String(header.alg ?? 'no algorithm').slice(0, 20)} are not accepted: ${MACHINE_ALGORITHMS.join(', ')} only`,
      );
    }
    const issuer = this.issuers.find((i) => i.issuer === unverified.iss);
    if (!issuer) throw new MachineTokenRefused(`The token's issuer ${text(unverified.iss).slice(0, 200)} is not trusted here`);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jose.jwtVerify(jwt, (await this.#keySet(issuer)) as never, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: MACHINE_ALGORITHMS,
        clockTolerance: SKEW_SECONDS,
        currentDate: new Date(this.options.clock()),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new MachineTokenRefused(`The token was not accepted: ${refusal(error)}`);
    }
    const rule = issuer.rules.find((r) => Object.entries(r.claims).every(([claim, expected]) => matches(expected, payload[claim])));
    if (!rule) throw new MachineTokenRefused(`The token of ${issuer.issuer} (sub ${text(payload.sub).slice(0, 200)}) matches no rule`);
    const actor = `oidc:${rule.name}`;
    const matched = Object.keys(rule.claims).map((claim) => `${claim}=${text(payload[claim]).slice(0, 200)}`);
    const detail = [`iss=${issuer.issuer}`, `sub=${text(payload.sub).slice(0, 200)}`, ...matched].join('; ').slice(0, 2000);
    const userId = await this.#userOf(rule, { actor, door, detail });
    const now = this.options.clock();
    const lifetime = (durationWithin(rule.expiresIn, MAX_TOKEN_LIFETIME) as { ms: number }).ms;
    const { token, info } = await this.tokens.createToken(
      userId,
      `${actor}:${text(payload.jti ?? payload.sub).slice(0, 40)}`.slice(0, 64),
      { actor, door },
      { scope: rule.scope, expiresAt: new Date(now + lifetime), origin: 'oidc' },
    );
    await this.options.record({ action: 'token.exchange', targetId: info.id, userId, actor, door, detail });
    return {
      accessToken: token,
      expiresAt: info.expiresAt!,
      scope: rule.scope,
      user: rule.user ?? serviceUserName(rule.name),
      ...(rule.workspace ? { workspace: rule.workspace } : {}),
      rule: rule.name,
    };
  }

  /**
   * The user a rule's tokens are for: the named one, or the rule's service user (made for it by the service),
   * taking part in its workspace with its role. A user holding the service user's name without being it (never
   * a person's account) is refused, and the refusal audited.
   */
  async #userOf(rule: MachineRule, exchange: { actor: string; door: AuditActor['door']; detail: string }): Promise<string> {
    if (rule.user !== undefined) {
      const user = await this.tokens.findUser(rule.user);
      if (!user) throw new MachineTokenRefused(`The rule ${rule.name} names the user ${rule.user}, who does not exist (the operator's rules)`);
      return user.id;
    }
    const name = serviceUserName(rule.name);
    const user = await this.tokens.serviceUserOf(rule.name);
    if ('taken' in user) {
      await this.options.record({
        action: 'token.refuse',
        targetId: user.taken,
        userId: user.taken,
        ...exchange,
        detail: `refused: ${name} is not the service user made for the rule ${rule.name}; ${exchange.detail}`.slice(0, 2000),
      });
      throw new MachineTokenRefused(`The rule ${rule.name}'s service user ${name} is an account the service did not make for it: ask the operator`);
    }
    const ref = { fullName: rule.workspace! };
    const participants = await this.workspaces.listParticipants(OPERATOR, ref);
    const current = participants.find((p) => p.userId === user.id);
    if (!current) await this.workspaces.addParticipant(OPERATOR, ref, name, rule.role!);
    else if (current.role !== rule.role) await this.workspaces.updateParticipantRole(OPERATOR, ref, name, rule.role!);
    return user.id;
  }

  /** The issuer's key set (jose's remote JWKS: cached; fetched again for an unknown kid, at most every 30 s). */
  #keySet(issuer: MachineIssuer) {
    let keys = this.#keys.get(issuer.issuer);
    if (!keys) {
      keys = (async () => {
        const { createRemoteJWKSet } = await import('jose');
        const uri = issuer.jwksUri ?? (await discoverJwksUri(issuer.issuer));
        return createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 }) as never;
      })();
      keys.catch(() => this.#keys.delete(issuer.issuer));
      this.#keys.set(issuer.issuer, keys);
    }
    return keys;
  }
}

/** The jwks_uri of an issuer's discovery document. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!response.ok) throw new MachineTokenRefused(`The issuer's discovery document could not be read (${response.status})`);
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string') throw new MachineTokenRefused("The issuer's discovery document names no jwks_uri");
  return document.jwks_uri;
}

/** jose's reason, in a few words (never the token). */
function refusal(error: unknown): string {
  const e = error as { code?: string; claim?: string; message?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `its ${e.claim ?? 'claims'} claim is not what this service expects (${e.message?.slice(0, 100)})`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'its signature does not verify with the issuer’s keys';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no key of the issuer matches its kid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted';
    default:
      return error instanceof MachineTokenRefused ? error.message : (e.message ?? 'it could not be verified').slice(0, 200);
  }
}
