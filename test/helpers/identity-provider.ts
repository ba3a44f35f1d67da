/**
 * A real OpenID Connect provider for the tests: panva's `oidc-provider` on a
 * loopback port, with its development login and consent pages (any password
 * signs in as the account named), PKCE required, and accounts whose claims
 * (email, name, groups) the test sets. The client is registered once the
 * service's URL is known (`registerClient`): OS-chosen ports on both sides.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  name: string;
  /** The groups claim as the provider sends it (a list of names; a test may send any shape). */
  groups: unknown;
  /** The email_verified claim (default true); null: the provider does not send it. */
  emailVerified?: boolean | null;
}

export interface IdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The claims each login name signs in with (changed by a test: the next sign-in sees them). */
  accounts: Map<string, TestAccount>;
  registerClient(redirectUri: string): void;
  close(): Promise<void>;
}

/** oidc-provider's storage, in memory, with clients added by the test. */
function memoryAdapter(store: Map<string, unknown>) {
  return class {
    constructor(private readonly name: string) {}
    key(id: string) {
      return `${this.name}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>) {
      store.set(this.key(id), payload);
      if (payload.uid) store.set(`${this.name}:uid:${payload.uid}`, id);
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      const id = store.get(`${this.name}:uid:${uid}`) as string | undefined;
      return id ? store.get(this.key(id)) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = store.get(this.key(id)) as Record<string, unknown> | undefined;
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId() {}
  };
}

export async function startIdentityProvider(): Promise<IdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new Map<string, unknown>();
  const accounts = new Map<string, TestAccount>();
  const clientId = 'credentials-service';
  const clientSecret = 'test-client-secret-of-enough-length-1234567890';
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(store) as never,
    clients: [],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          const current = accounts.get(sub)!;
          const verified = current.emailVerified === undefined ? true : current.emailVerified;
          return { sub, email: current.email, ...(verified === null ? {} : { email_verified: verified }), name: current.name, groups: current.groups };
        },
      };
    },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    registerClient(redirectUri) {
      store.set(`Client:${clientId}`, {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs in to the service as `login` without a browser: its /auth/login, the provider's development login and
 * consent forms (fetch, a cookie jar per host, redirects followed by hand), and the callback. The session cookie
 * (`name=value`) when the service opened one; else its answer to the callback (status and text).
 */
export async function signInWithoutBrowser(serviceUrl: string, login: string): Promise<{ cookie: string } | { status: number; text: string }> {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => jars.get(url.host) ?? jars.set(url.host, new Map()).get(url.host)!;
  const send = async (url: URL, init: RequestInit = {}) => {
    const jar = jarOf(url);
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  };
  let url = new URL('/auth/login', serviceUrl);
  let response = await send(url);
  for (let step = 0; step < 20; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (url.origin === new URL(serviceUrl).origin && url.pathname === '/') {
        const session = [...jarOf(url)].find(([name]) => name === '__Host-credentials-session');
        if (!session) throw new Error('the service sent the browser home without a session');
        return { cookie: `${session[0]}=${session[1]}` };
      }
      response = await send(url);
      continue;
    }
    const text = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post">\s*<input type="hidden" name="prompt" value="(login|consent)"/.exec(text);
    if (!form) return { status: response.status, text };
    url = new URL(form[1]!, url);
    const fields: Record<string, string> = form[2] === 'login' ? { prompt: 'login', login, password: 'any' } : { prompt: 'consent' };
    response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
  throw new Error('the sign-in did not finish in 20 steps');
}
