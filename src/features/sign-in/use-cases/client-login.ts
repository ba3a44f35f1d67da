/**
 * The client's browser sign-in (`credentials login`): a signed-in person confirms, on the service's own page, that
 * the command-line client on their computer may act for them; the service makes them an access token of their own
 * (scope keys:read, expiring after CLIENT_TOKEN_LIFETIME or with their session, listed among their tokens) and hands
 * it to the client's loopback address encrypted to the key the client made for this sign-in — a JWE only that
 * process opens, so the browser's history, a proxy log or another local listener holds nothing usable. The request
 * names a port on 127.0.0.1 only (never another host), a state the client checks, and a code the client printed and
 * the page shows, so the person can tell their own terminal's request from another's.
 */
import type { Caller, Viewer } from '../../../core/caller.js';
import { ValidationError } from '../../../core/errors.js';
import type { AccessTokens } from '../../accounts/index.js';
import { encryptedJwt, type RecipientKey, recipientKey } from '../../delivery/index.js';

/** What the client sends, as the page and its form carry it. */
export interface ClientLoginRequest {
  port: string;
  state: string;
  key: string;
  code: string;
}

/** The request as it arrived (a query, a form): unchecked. */
type AskedLogin = Partial<Record<keyof ClientLoginRequest, unknown>>;

/** How long the encrypted answer may be opened. */
const ANSWER_LIFETIME_SECONDS = 300;

export interface ClientLoginSettings {
  /** CLIENT_TOKEN_LIFETIME. */
  tokenLifetimeMs: number;
  clock: () => number;
}

export class ClientLogin {
  constructor(
    private readonly tokens: Pick<AccessTokens, 'createOwnToken'>,
    private readonly settings: ClientLoginSettings,
  ) {}

  /** The request checked (bad input: ValidationError naming the field; nothing is made). */
  check(request: AskedLogin): ClientLoginRequest {
    return this.#parsed(request).checked;
  }

  /** The request checked, with the client's key read once. */
  #parsed(request: AskedLogin): { checked: ClientLoginRequest; recipient: RecipientKey } {
    const { port, state, key, code } = request;
    if (typeof port !== 'string' || !/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65_535) throw ValidationError.of('port', 'must be a port number');
    if (typeof state !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(state)) throw ValidationError.of('state', 'must be 16-128 base64url characters');
    if (typeof code !== 'string' || !/^[A-Z0-9]{8}$/.test(code)) throw ValidationError.of('code', 'must be 8 capital letters and digits');
    if (typeof key !== 'string') throw ValidationError.of('key', 'must be a public JWK');
    const recipient = recipientKey(key);
    if (
      recipient.thumbprint
        .slice(0, 8)
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, 'X') !== code
    ) {
      throw ValidationError.of('code', 'is not the one of this key: start again from the terminal');
    }
    return { checked: { port, state, key, code }, recipient };
  }

  /**
   * The person allowed it: their new token, encrypted to the client's key, and where the browser takes it (the
   * client's loopback address).
   */
  async allow(viewer: Viewer, request: AskedLogin): Promise<string> {
    const { checked, recipient } = this.#parsed(request);
    const now = this.settings.clock();
    const ends = Math.min(now + this.settings.tokenLifetimeMs, viewer.expiresAt ?? Number.POSITIVE_INFINITY);
    const minutes = Math.floor((ends - now) / 60_000);
    if (minutes < 1) throw ValidationError.of('', 'your session ends within a minute: sign in again first');
    const caller: Caller = {
      userId: viewer.userId,
      door: 'rest',
      scope: viewer.scope,
      ...(viewer.expiresAt === undefined ? {} : { tokenExpiresAt: viewer.expiresAt }),
    };
    const made = await this.tokens.createOwnToken(caller, {
      name: `credentials login ${checked.code} ${new Date(now).toISOString().slice(0, 16)}`,
      scope: 'keys:read',
      expiresIn: `${minutes}m`,
    });
    const jwe = await encryptedJwt(
      recipient.key,
      { alg: recipient.algorithm, kid: recipient.thumbprint },
      { token: made.token, tokenExpiresAt: made.info.expiresAt?.toISOString() },
      ANSWER_LIFETIME_SECONDS,
      now,
    );
    return callback(checked, { token: jwe });
  }

  /** The person refused: the client is told so. */
  deny(request: AskedLogin): string {
    return callback(this.check(request), { error: 'denied' });
  }
}

/** The client's loopback address with the answer (only ever 127.0.0.1). */
const callback = (request: ClientLoginRequest, answer: Record<string, string>) =>
  `http://127.0.0.1:${request.port}/callback?${new URLSearchParams({ state: request.state, ...answer })}`;
