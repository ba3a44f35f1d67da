// @ts-check
/**
 * Calls to the service: HTTPS with the system's CAs (and `--ca-file`'s, for a private CA), never without verifying
 * the certificate; plain `http://` only to this machine (127.0.0.1, ::1, localhost) unless `--insecure` says so.
 * Answers are bounded (8 MiB) and calls time out (30 s). An error is one line that says what to do.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { ClientError } from './errors.js';

const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 30_000;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** @typedef {{ server: string, caFile?: string, insecure?: boolean }} Connection */

/** The server's URL, checked: https, or http to this machine (or with --insecure). @param {string} server @param {boolean} [insecure] */
export function serverUrl(server, insecure = false) {
  let url;
  try {
    url = new URL(server);
  } catch {
    throw new ClientError(`${server.slice(0, 100)} is not a URL: give the service's address, e.g. https://credentials.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ClientError(`the server must be an https:// URL, not ${url.protocol}`);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && !insecure) {
    throw new ClientError(`refusing plain http:// to ${url.hostname}: use https:// (or --insecure, for a test service on a network you trust)`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * One call: the parsed JSON answer and the status.
 * @param {Connection} connection
 * @param {string} method @param {string} path
 * @param {{ token?: string, body?: unknown }} [options]
 * @returns {Promise<{ status: number, body: any, headers: import('node:http').IncomingHttpHeaders }>}
 */
export function call(connection, method, path, { token, body } = {}) {
  const url = new URL(serverUrl(connection.server, connection.insecure) + path);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = {
    accept: 'application/json',
    'user-agent': 'credentials-client',
    ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const transport = url.protocol === 'https:' ? https : http;
  /** @type {https.RequestOptions} */
  const options = { method, headers, timeout: TIMEOUT_MS };
  if (url.protocol === 'https:') {
    options.rejectUnauthorized = true;
    if (connection.caFile) {
      let ca;
      try {
        ca = readFileSync(connection.caFile, 'utf8');
      } catch {
        throw new ClientError(`cannot read the CA file ${connection.caFile}`);
      }
      options.ca = [...rootCertificates, ca];
    }
  }
  return new Promise((resolve, reject) => {
    const request = transport.request(url, options, (response) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let size = 0;
      response.on('data', (/** @type {Buffer} */ chunk) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          request.destroy();
          reject(new ClientError(`the service's answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          reject(new ClientError(`${url.origin} did not answer JSON (HTTP ${response.statusCode}): is it the credentials service?`));
          return;
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, headers: response.headers });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => {
      const code = /** @type {{ code?: string }} */ (error).code ?? '';
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
        reject(new ClientError(`the certificate of ${url.host} is not trusted (${code}): give your CA with --ca-file`));
      } else {
        reject(new ClientError(`cannot reach ${url.origin}: ${code || error.message}`));
      }
    });
    if (payload) request.write(payload);
    request.end();
  });
}

/**
 * A GraphQL operation's data; an error (a GraphQL error or a typed error in the answer) as one line.
 * @param {Connection} connection @param {string | undefined} token @param {string} query @param {Record<string, unknown>} [variables]
 */
export async function graphql(connection, token, query, variables = {}) {
  const { status, body } = await call(connection, 'POST', '/graphql', { token, body: { query, variables } });
  if (status === 401) throw new ClientError('not signed in, or the token expired or was revoked: run `credentials login`');
  const error = body?.errors?.[0];
  if (error) throw new ClientError(friendly(error.extensions?.code, error.message));
  if (status !== 200 || !body?.data) throw new ClientError(`the service answered HTTP ${status}`);
  return body.data;
}

/** A service error's message, with what to do for the ones people meet. @param {unknown} code @param {string} message */
export function friendly(code, message) {
  const line = String(message).split('\n')[0]?.slice(0, 300) ?? '';
  if (code === 'UNAUTHENTICATED') return 'not signed in, or the token expired or was revoked: run `credentials login`';
  if (code === 'DIRECT_DELIVERY_REFUSED') return `${line} (ask the workspace's OWNER or ADMIN)`;
  if (code === 'FORBIDDEN' && /scope/.test(line)) return `${line}: sign in again with \`credentials login\` for a token that may fetch keys`;
  return line;
}
