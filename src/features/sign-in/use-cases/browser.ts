/**
 * People sign in with their identity provider (OIDC authorization code flow
 * with PKCE, through openid-client): the landing page sends them to the
 * issuer with a fresh state, nonce and PKCE verifier — sealed by the master
 * key into a short-lived cookie, so any instance can finish the flow and no
 * other site can forge one — and the callback exchanges the code, checks the
 * ID token (openid-client: signature, iss, aud, nonce, state, PKCE), finds or
 * makes the user by issuer and subject, applies the group mapping, and opens a
 * server-side session. The session's cookie value is 256 random bits, stored
 * only as its SHA-256; it is refused once idle past SESSION_IDLE, past
 * SESSION_LIFETIME, when signed out (everywhere: every instance reads the
 * session row) or when its user is disabled.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../../core/caller.js';
import { type AuditActor, OPERATOR } from '../../../core/caller.js';
import { newId } from '../../../core/ids.js';
import type { OidcProviderConfig, SignInConfig } from '../../../infra/config/index.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import type { WorkspaceService } from '../../workspaces/index.js';
import { WORKSPACE_ROLES } from '../../workspaces/index.js';
import { SignInRefused } from '../errors.js';
import type { SessionStore } from '../ports.js';

const FLOW_CONTEXT = 'oidc-sign-in-flow';
/** A sign-in must come back from the issuer within this time. */
export const FLOW_LIFETIME_MS = 10 * 60_000;
const TOUCH_RESOLUTION_MS = 60_000;

/**
 * The settings (infra/config/index.ts's SignInConfig) read: every provider (OIDC_ISSUER's and OIDC_PROVIDERS's), the
 * group mapping (IdP group → workspace role, re-applied at every sign-in).
 */
export type SignInSettings = Omit<SignInConfig, 'groupRoles' | 'providersFile'> & { groupRoles: GroupRole[] };

const providerSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1-40 lower-case letters, digits and -'),
    label: z.string().min(1).max(100),
    issuer: z.string().url(),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(1000).optional(),
  })
  .strict();

/** OIDC_PROVIDERS's file: `[{name, label, issuer, clientId, clientSecret?}]`, or the problem naming where it is. */
export function parseOidcProviders(text: string, file: string, production: boolean): OidcProviderConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`OIDC_PROVIDERS: ${file} is not JSON`);
  }
  const parsed = z.array(providerSchema).min(1).safeParse(json);
  if (!parsed.success) {
    throw new Error(`OIDC_PROVIDERS: ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(the file)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.map((p) => {
    if (production && p.issuer.startsWith('http:')) throw new Error(`OIDC_PROVIDERS: ${file}: ${p.name}'s issuer must be https in production`);
    return { ...p, clientSecret: p.clientSecret, allowInsecureIssuer: p.issuer.startsWith('http:') };
  });
}

export interface GroupRole {
  group: string;
  workspace: string;
  role: string;
}

/** `group=org/ws:ROLE` entries separated by commas (OIDC_GROUP_ROLES), or the problem. */
export function parseGroupRoles(text: string | undefined): GroupRole[] | string {
  if (!text) return [];
  const roles: GroupRole[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([^=\s]{1,200})=([^/\s:]+\/[^/\s:]+):([A-Z]+)$/.exec(entry);
    if (!m || !(WORKSPACE_ROLES as readonly string[]).includes(m[3]!))
      return `must be group=<org>/<workspace>:<ROLE> entries (${WORKSPACE_ROLES.join(', ')}), not ${entry.slice(0, 60)}`;
    roles.push({ group: m[1]!, workspace: m[2]!, role: m[3]! });
  }
  return roles;
}

/** What a session's viewer carries as its token id (and the audit trail names it by): a prefix of its stored hash. */
const sessionTokenId = (id: string) => `session:${id.slice(0, 12)}`;

const flowSchema = z.object({ provider: z.string(), state: z.string(), nonce: z.string(), verifier: z.string(), at: z.number(), next: z.string().optional() });
/** Where a sign-in may lead back to, besides the landing page: the client's sign-in page (client-login.ts). */
const NEXT = /^\/auth\/cli\?[A-Za-z0-9%._~&=+-]{1,2000}$/;
const sha256 = (text: string) => hash('sha256', text, 'hex');
/** Compared in constant time (a form's token against the session's). */
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface SessionOpened {
  cookie: string;
  expiresAt: Date;
  userName: string;
  /** The page the sign-in was started for (the client's sign-in page), if any. */
  next?: string;
}

export class BrowserSignIn {
  readonly #configs = new Map<string, Promise<unknown>>();

  constructor(
    private readonly settings: SignInSettings | undefined,
    private readonly store: SessionStore,
    private readonly sealer: Sealer,
    private readonly workspaces: WorkspaceService,
    private readonly clock: () => number,
  ) {}

  get enabled(): boolean {
    return this.settings !== undefined && this.settings.providers.length > 0;
  }

  /** The providers people may choose (the landing page's links). */
  get providers(): { name: string; label: string }[] {
    return (this.settings?.providers ?? []).map(({ name, label }) => ({ name, label }));
  }

  /**
   * Where to send the browser (to `providerName`, default the first provider), and the sealed flow cookie to set;
   * `next`: the page to come back to once signed in (only the client's sign-in page; anything else is dropped).
   */
  async start(providerName?: string, next?: string): Promise<{ url: string; flow: string }> {
    const settings = this.#settings();
    const provider = this.#provider(providerName ?? settings.providers[0]!.name);
    const client = await import('openid-client');
    const config = (await this.#discover(provider)) as never;
    const verifier = client.randomPKCECodeVerifier();
    const flow = {
      provider: provider.name,
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      at: this.clock(),
      ...(next !== undefined && NEXT.test(next) ? { next } : {}),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, flow: this.sealer.seal(JSON.stringify(flow), FLOW_CONTEXT) };
  }

  /** The issuer's answer (the callback URL) with the flow cookie: a session for the person, or SignInRefused. */
  async finish(callbackUrl: URL, flowCookie: string | undefined): Promise<SessionOpened> {
    const settings = this.#settings();
    if (!flowCookie) throw new SignInRefused('This sign-in was not started here (or cookies are off): start again from the landing page');
    let flow: z.output<typeof flowSchema>;
    try {
      flow = flowSchema.parse(JSON.parse(this.sealer.open(flowCookie, FLOW_CONTEXT)));
    } catch {
      throw new SignInRefused('This sign-in’s cookie is not one this service made: start again from the landing page');
    }
    if (this.clock() - flow.at > FLOW_LIFETIME_MS) throw new SignInRefused('This sign-in took longer than 10 minutes: start again');
    const provider = this.#provider(flow.provider);
    const client = await import('openid-client');
    let claims: Record<string, unknown>;
    try {
      const config = (await this.#discover(provider)) as never;
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const id = (tokens.claims() ?? {}) as Record<string, unknown>;
      // Many providers put the profile (email, name, groups) in the userinfo answer only, not in the ID token.
      const profile = await client.fetchUserInfo(config, tokens.access_token, String(id.sub)).catch(() => ({}));
      claims = { ...profile, ...id };
    } catch (error) {
      throw new SignInRefused(`The identity provider’s answer was not accepted: ${reason(error)}`);
    }
    const issuer = String(claims.iss);
    const subject = String(claims.sub);
    const { email, verified } = emailOf(claims);
    if (settings.allowedEmailDomains.length > 0 && !(verified && settings.allowedEmailDomains.includes(email.split('@')[1] ?? ''))) {
      throw new SignInRefused(`Only people with a verified e-mail address of ${settings.allowedEmailDomains.join(', ')} may sign in here`);
    }
    const groups = groupsOf(claims[settings.groupsClaim], settings.groupsClaim);
    const displayName = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    const user = await this.#userOf(issuer, subject, email, verified, displayName, settings);
    if (user.disabledAt) throw new SignInRefused('Your account here is disabled: ask the operator');
    await this.#applyGroups(user, groups, settings);
    const cookie = randomBytes(32).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now + settings.lifetimeMs);
    await this.store.create({ id: sha256(cookie), userId: user.id, createdAt: new Date(now), expiresAt, csrf: randomBytes(24).toString('base64url') });
    return { cookie, expiresAt, userName: user.name, ...(flow.next ? { next: flow.next } : {}) };
  }

  /** The viewer of a session cookie (scope `all`, until the session's end), or null. */
  async viewerOf(cookie: string): Promise<Viewer | null> {
    return (await this.#live(cookie))?.viewer ?? null;
  }

  /** What a page of the session shows: who, and the token its forms send back. */
  async page(cookie: string | undefined): Promise<{ name: string; email: string | null; displayName: string | null; csrf: string } | null> {
    const live = cookie ? await this.#live(cookie) : null;
    const profile = live && (await this.store.profile(live.viewer.userId));
    return live && profile ? { ...profile, csrf: live.csrf } : null;
  }

  /** A live session of the cookie (one read; its last use written at most once a minute), or null. */
  async #live(cookie: string): Promise<{ viewer: Viewer; csrf: string } | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const id = sha256(cookie);
    const session = await this.store.find(id);
    const now = this.clock();
    if (!session || session.revokedAt || session.userDisabledAt) return null;
    if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() > this.#settings().idleMs) return null;
    if (now - session.lastSeenAt.getTime() >= TOUCH_RESOLUTION_MS) {
      await this.store.touch(id, new Date(now), new Date(now - TOUCH_RESOLUTION_MS));
    }
    return {
      viewer: { userId: session.userId, tokenId: sessionTokenId(id), scope: 'all', expiresAt: session.expiresAt.getTime(), session: true },
      csrf: session.csrf,
    };
  }

  /** What the identity provider said of a user (e-mail, name), if they signed in with it. */
  profileOf(userId: string) {
    return this.store.profile(userId);
  }

  /**
   * The viewer of a form a page of this service sent back: a live session (else SignInRefused: it ended), and the
   * form carried that session's own token (else SignInRefused: another site sent it). One read of the session.
   */
  async formViewer(cookie: string | undefined, csrf: unknown): Promise<Viewer> {
    const live = cookie ? await this.#live(cookie) : null;
    if (!live) throw new SignInRefused('Your session ended: start again');
    if (typeof csrf !== 'string' || !sameText(csrf, live.csrf)) throw new SignInRefused('This answer did not come from this service’s page');
    return live.viewer;
  }

  /** Signs out: the session ends on every instance. Refused unless the form carried the session's own token. */
  async signOut(cookie: string | undefined, csrf: string | undefined): Promise<void> {
    if (!cookie) return;
    const id = sha256(cookie);
    const session = await this.store.find(id);
    if (!session) return;
    if (!csrf || !sameText(csrf, session.csrf)) throw new SignInRefused('This sign-out did not come from this service’s page');
    await this.store.revoke(id, new Date(this.clock()), sessionTokenId(id), { actor: session.userId, door: 'rest' });
  }

  /**
   * Disables or enables a user (an operator): a disabled user's tokens and sessions are refused from the next
   * request on, their sessions end, and their live streams end on every instance.
   */
  async setDisabled(userId: string, disabled: boolean, by: AuditActor = { actor: 'operator', door: 'cli' }): Promise<boolean> {
    const now = new Date(this.clock());
    return this.store.setDisabled(userId, disabled ? now : null, by, now);
  }

  async #userOf(issuer: string, subject: string, email: string | null, verified: boolean, displayName: string | null, settings: SignInSettings) {
    const known = await this.store.findUserByOidc(issuer, subject);
    if (known) {
      await this.store.updateProfile(known.id, email, displayName);
      return known;
    }
    if (settings.linkByEmail && email && verified) {
      const operatorMade = await this.store.findUnlinkedByEmail(email);
      if (operatorMade) {
        await this.store.linkOidc(operatorMade.id, issuer, subject);
        await this.store.updateProfile(operatorMade.id, email, displayName);
        return operatorMade;
      }
    }
    const wanted = (email?.split('@')[0] ?? displayName ?? 'user').replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 40) || 'user';
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = attempt === 0 ? wanted : `${wanted}-${randomBytes(3).toString('hex')}`;
      const id = newId();
      if ((await this.store.createOidcUser({ id, name, issuer, subject, email, displayName })) === 'created') return { id, name, disabledAt: null };
      const raced = await this.store.findUserByOidc(issuer, subject);
      if (raced) return raced;
    }
    throw new Error('could not name the new user');
  }

  /** The mapped roles of the person's groups, set; a mapped workspace whose group the person lost: their participation removed. */
  async #applyGroups(user: { id: string; name: string }, groupList: readonly string[], settings: SignInSettings): Promise<void> {
    if (settings.groupRoles.length === 0) return;
    const groups = new Set(groupList);
    const workspaces = [...new Set(settings.groupRoles.map((g) => g.workspace))];
    for (const workspace of workspaces) {
      const ref = { fullName: workspace };
      // The strongest mapped role among the person's groups for this workspace (the order of WORKSPACE_ROLES).
      const roles = settings.groupRoles.filter((g) => g.workspace === workspace && groups.has(g.group)).map((g) => g.role);
      const role = (WORKSPACE_ROLES as readonly string[]).find((r) => roles.includes(r));
      const current = (await this.workspaces.listParticipants(OPERATOR, ref)).find((p) => p.userId === user.id);
      if (role && !current) await this.workspaces.addParticipant(OPERATOR, ref, user.name, role);
      else if (role && current && current.role !== role) await this.workspaces.updateParticipantRole(OPERATOR, ref, user.name, role);
      else if (!role && current) await this.workspaces.removeParticipant(OPERATOR, ref, user.name);
    }
  }

  #settings(): SignInSettings {
    if (!this.enabled) throw new SignInRefused('Sign-in is not set up here (the operator sets OIDC_ISSUER, OIDC_CLIENT_ID and PUBLIC_URL)');
    return this.settings!;
  }

  #provider(name: string): OidcProviderConfig {
    const provider = this.#settings().providers.find((p) => p.name === name);
    if (!provider) throw new SignInRefused(`No sign-in provider named ${name.slice(0, 40)} here`);
    return provider;
  }

  /** The provider's configuration from its discovery document (read once; again after a failure). */
  #discover(provider: OidcProviderConfig): Promise<unknown> {
    let config = this.#configs.get(provider.name);
    if (!config) {
      config = (async () => {
        const client = await import('openid-client');
        return client.discovery(
          new URL(provider.issuer),
          provider.clientId,
          provider.clientSecret,
          undefined,
          provider.allowInsecureIssuer ? { execute: [client.allowInsecureRequests] } : undefined,
        );
      })();
      config.catch(() => this.#configs.delete(provider.name));
      this.#configs.set(provider.name, config);
    }
    return config;
  }
}

/**
 * The person's e-mail address as the identity provider gave it (lower case; null: none, or one it says is not
 * verified), and whether it says it verified it: only `email_verified: true` counts — an absent claim is not a
 * verification (OIDC_ALLOWED_EMAIL_DOMAINS and linking to an operator-made user need one).
 */
export function emailOf(claims: Record<string, unknown>): { email: string; verified: true } | { email: string | null; verified: false } {
  if (typeof claims.email !== 'string' || claims.email_verified === false) return { email: null, verified: false };
  const email = claims.email.toLowerCase();
  return claims.email_verified === true ? { email, verified: true } : { email, verified: false };
}

/**
 * The person's groups from the groups claim: absent is none, one string is one group, a list must hold strings
 * only (anything else — a nested list, a number, an object — is refused, never turned into a group's name).
 */
export function groupsOf(claim: unknown, claimName: string): string[] {
  if (claim === undefined || claim === null) return [];
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim) && claim.every((g) => typeof g === 'string')) return claim;
  throw new SignInRefused(`The identity provider’s ${claimName.slice(0, 100)} claim is not a list of group names: ask the operator to check its mapping`);
}

/** openid-client's reason, in its own words (the cause it wraps says what was wrong: a state, a nonce, a signature). */
function reason(error: unknown): string {
  const e = error as { error?: string; message?: string; error_description?: string; cause?: { message?: string } };
  const words = e.error_description ?? e.error ?? (e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message);
  return (words ?? 'it could not be verified').slice(0, 200);
}
