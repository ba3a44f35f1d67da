// @ts-check
/**
 * One delivery to this process: a key pair made in memory for it, `POST /api/deliveries` with the public half, the
 * answer opened with the private half (which is then dropped). The values live only in this process's memory and in
 * what the command hands them to.
 */
import { readFileSync } from 'node:fs';
import { ClientError } from './errors.js';
import { call, graphql } from './http.js';
import { oneUseKey } from './jwe.js';

const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
export const CLIENT = { name: 'credentials', version: VERSION };

/** @typedef {import('./http.js').Connection & { token?: string, workspace?: string }} Session */

/** The session's token, or the error that says to sign in. @param {Session} session */
export function tokenOf(session) {
  if (!session.server) throw new ClientError('no server: run `credentials login --server URL` (or set CREDENTIALS_SERVER)');
  if (!session.token) throw new ClientError('not signed in: run `credentials login` (or set CREDENTIALS_TOKEN)');
  return session.token;
}

/**
 * The workspace's id for `ORG/WS` (or an id as it is); undefined: the caller's own context.
 * @param {Session} session @param {string | undefined} workspace
 */
export async function workspaceId(session, workspace) {
  if (workspace === undefined || workspace === '' || workspace === '-') return undefined;
  if (/^[1-9][0-9]{0,15}$/.test(workspace)) return workspace;
  if (!/^[^/\s]+\/[^/\s]+$/.test(workspace)) throw new ClientError(`--workspace ${workspace.slice(0, 80)}: give ORG/WORKSPACE or a workspace id`);
  const data = await graphql(session, tokenOf(session), 'query { viewer { workspaces { id fullName } } }');
  const found = data.viewer.workspaces.find((/** @type {{ fullName: string }} */ w) => w.fullName === workspace);
  if (!found)
    throw new ClientError(
      `workspace ${workspace} unknown, or you take no part in it: \`credentials ls --workspace -\` lists yours? see \`credentials whoami\``,
    );
  return String(found.id);
}

/**
 * The values of these credentials and pipeline secrets, delivered to a key made for this call.
 * @param {Session} session @param {{ credentials: string[], secrets: string[], workspace?: string, client?: { name: string, version: string } }} ask
 * @returns {Promise<{ id: string, exp: number, credentials: { credentialsId: string, name: string, provider: string, keys: Record<string, any> }[], pipelineSecrets: Record<string, string> }>}
 */
export async function deliver(session, ask) {
  const token = tokenOf(session);
  if (ask.credentials.length + ask.secrets.length === 0) throw new ClientError('name what to deliver: --credential NAME and/or --secret NAME');
  const id = await workspaceId(session, ask.workspace);
  const key = oneUseKey();
  const { status, body, headers } = await call(session, 'POST', `/api/deliveries${id ? `?workspaceId=${id}` : ''}`, {
    token,
    body: { credentials: ask.credentials, pipelineSecrets: ask.secrets, recipient: key.publicJwk, client: ask.client ?? CLIENT },
  });
  if (status !== 200) throw new ClientError(refusal(status, body?.message, headers['retry-after']));
  const claims = key.open(String(body.jwe));
  return { id: claims.jti, exp: claims.exp, credentials: claims.credentials ?? [], pipelineSecrets: claims.pipelineSecrets ?? {} };
}

/** A refused delivery in one line, with what to do. @param {number} status @param {unknown} message @param {unknown} retryAfter */
function refusal(status, message, retryAfter) {
  const text = typeof message === 'string' ? message.slice(0, 300) : `HTTP ${status}`;
  if (status === 401) return 'not signed in, or the token expired or was revoked: run `credentials login`';
  if (status === 404 && /workspace/i.test(text)) return `${text}: check --workspace (\`credentials whoami\` lists yours)`;
  if (status === 404) return `${text}: \`credentials ls\` lists what you may use`;
  if (status === 403 && /scope/.test(text)) return `${text}: sign in again with \`credentials login\``;
  if (status === 403) return text;
  if (status === 429) return `${text}${retryAfter ? '' : ': retry shortly'}`;
  return text;
}
