// @ts-check
/**
 * Signing in: `login --server URL` in a browser (the service's single sign-on; the token comes back to a loopback
 * address, encrypted to a key this process made for it — a browser's history or another local listener holds
 * nothing usable), `login --token` (a token read from standard input, never from the command line), or
 * `login --oidc-token FILE` (a machine's JWT — a Kubernetes service account's, a CI job's — exchanged at
 * POST /api/auth/oidc). The token is checked, then stored in the config file (0600); `logout` forgets it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { writeConfig } from './config.js';
import { ClientError } from './errors.js';
import { call, graphql, serverUrl } from './http.js';
import { oneUseKey } from './jwe.js';

const MAX_TOKEN_CHARS = 16 * 1024;
const BROWSER_WAIT_MS = 10 * 60_000;

/** Who the token belongs to (and that it works). @param {import('./http.js').Connection} connection @param {string} token */
export async function whoIs(connection, token) {
  const data = await graphql(connection, token, 'query { viewer { name workspaces { id fullName role directDelivery } } }');
  return /** @type {{ name: string, workspaces: { id: string, fullName: string, role: string | null, directDelivery: string }[] }} */ (data.viewer);
}

/** Reads standard input to its end (bounded). */
export async function readStdin() {
  if (process.stdin.isTTY) throw new ClientError('give the token on standard input: credentials login --token < token-file (or pipe it)');
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.length > MAX_TOKEN_CHARS) throw new ClientError('standard input is longer than a token');
  }
  return text.trim();
}

/**
 * Stores a working token for the server.
 * @param {{ file: string, stored: import('./config.js').StoredConfig, caFile?: string, insecure?: boolean }} settings
 * @param {string} server @param {string} token @param {string | undefined} expiresAt
 */
async function keep(settings, server, token, expiresAt) {
  const connection = { server, caFile: settings.caFile, insecure: settings.insecure };
  const who = await whoIs(connection, token);
  writeConfig(settings.file, {
    ...settings.stored,
    server,
    token,
    ...(expiresAt ? { tokenExpiresAt: expiresAt } : { tokenExpiresAt: undefined }),
    user: who.name,
    ...(settings.caFile ? { caFile: settings.caFile } : {}),
  });
  return who;
}

/** `login --token`: the token from standard input. @param {Parameters<typeof keep>[0]} settings @param {string} server */
export async function loginWithToken(settings, server) {
  const token = await readStdin();
  if (!/^cst_[0-9A-Za-z]{43}$/.test(token)) throw new ClientError('that is not an access token of this service (cst_…)');
  return keep(settings, server, token, undefined);
}

/** `login --oidc-token FILE`: a machine's JWT exchanged. @param {Parameters<typeof keep>[0]} settings @param {string} server @param {string} file */
export async function loginWithOidc(settings, server, file) {
  let jwt;
  try {
    jwt = readFileSync(file, 'utf8').trim();
  } catch {
    throw new ClientError(`cannot read the OIDC token file ${file}`);
  }
  const connection = { server, caFile: settings.caFile, insecure: settings.insecure };
  const { status, body } = await call(connection, 'POST', '/api/auth/oidc', { body: { token: jwt } });
  if (status !== 200) throw new ClientError(`the service did not accept the OIDC token: ${String(body?.message ?? `HTTP ${status}`).slice(0, 300)}`);
  return keep(settings, server, body.accessToken, body.expiresAt);
}

/**
 * `login` in a browser: a loopback listener on a port of the system's choosing, the service's page that asks the
 * person to confirm (showing the code printed here), and the token back, encrypted to this process's key.
 * @param {Parameters<typeof keep>[0]} settings @param {string} server
 * @param {{ openBrowser: boolean, say: (line: string) => void }} options
 */
export async function loginInBrowser(settings, server, { openBrowser, say }) {
  const key = oneUseKey();
  const state = randomBytes(24).toString('base64url');
  const code = key.thumbprint
    .slice(0, 8)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X');
  /** @type {(value: { token: string, expiresAt?: string }) => void} */
  let received = () => {};
  /** @type {(error: Error) => void} */
  let failed = () => {};
  const answer = new Promise((resolve, reject) => {
    received = resolve;
    failed = reject;
  });
  const listener = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    const done = (/** @type {number} */ status, /** @type {string} */ text) =>
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(text);
    if (url.searchParams.get('state') !== state) return done(400, 'This sign-in was not started by this command: start again.');
    const error = url.searchParams.get('error');
    if (error) {
      done(200, 'Sign-in refused. You can close this page.');
      return failed(new ClientError(`sign-in refused: ${error.slice(0, 200)}`));
    }
    try {
      const claims = key.open(url.searchParams.get('token') ?? '');
      done(200, 'Signed in: you can close this page and return to the terminal.');
      received({ token: claims.token, expiresAt: claims.tokenExpiresAt });
    } catch (e) {
      done(400, 'This answer cannot be read: start again.');
      failed(new ClientError(`the sign-in answer cannot be opened: ${/** @type {Error} */ (e).message}`));
    }
  });
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (listener.address()).port;
  const url = `${server}/auth/cli?${new URLSearchParams({ port: String(port), state, key: JSON.stringify(key.publicJwk), code })}`;
  say(`Open this page to sign in (it shows the code ${code}):\n  ${url}`);
  if (openBrowser) open(url);
  const timer = setTimeout(() => failed(new ClientError('no sign-in within 10 minutes: run `credentials login` again')), BROWSER_WAIT_MS);
  try {
    const { token, expiresAt } = /** @type {{ token: string, expiresAt?: string }} */ (await answer);
    return await keep(settings, server, token, expiresAt);
  } finally {
    clearTimeout(timer);
    listener.close();
    listener.closeAllConnections();
  }
}

/** Opens the URL in the person's browser ($BROWSER, else xdg-open / open), if one can be found. @param {string} url */
function open(url) {
  const [command, ...args] = process.env.BROWSER ? [process.env.BROWSER] : process.platform === 'darwin' ? ['open'] : ['xdg-open'];
  execFile(/** @type {string} */ (command), [...args, url], { timeout: 10_000 }, () => {});
}

export { serverUrl };
