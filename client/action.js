#!/usr/bin/env node
// @ts-check
/**
 * The GitHub Action (action.yml at the repository's root runs this file; it needs nothing installed): the job's
 * OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, for `audience`), exchanged at POST /api/auth/oidc for a
 * short-lived access token, then one delivery to a key made for it, every value masked (`::add-mask::`, each line
 * of a multi-line one too) before anything else is written, and exported through GITHUB_ENV with a delimiter no
 * value holds (multi-line safe). A file-valued one (a Google key, an SSH key) is a 0600 file under RUNNER_TEMP.
 * No stored token anywhere; a failure is one `::error::` line.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT, deliver } from './lib/delivery.js';
import { ClientError } from './lib/errors.js';
import { variableValue } from './lib/files.js';
import { call, serverUrl } from './lib/http.js';
import { plan } from './lib/variables.js';

/** An input as the runner passes it (INPUT_<NAME>, upper case). @param {string} name */
const input = (name) => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
/** One name per line (blank lines and surrounding spaces ignored). @param {string} text */
const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
/** A workflow command's data, escaped as the runner reads it back (%, CR, LF): a command is one line. @param {string} text */
const commandData = (text) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Masks a value in the job's log: each line of it, and the whole (escaped: a command is one line). @param {string} value */
function mask(value) {
  for (const part of new Set([...value.split(/\r?\n/), value])) if (part.trim() !== '') process.stdout.write(`::add-mask::${commandData(part)}\n`);
}

async function main() {
  const server = serverUrl(input('server'), input('insecure') === 'true');
  const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) throw new ClientError('no OIDC token for this job: give it `permissions: id-token: write`');
  const audience = input('audience') || server;
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  const asked = await fetch(url, { headers: { authorization: `bearer ${requestToken}`, accept: 'application/json' } });
  const { value: jobToken } = /** @type {{ value?: string }} */ (await asked.json().catch(() => ({})));
  if (!asked.ok || typeof jobToken !== 'string') throw new ClientError(`GitHub gave no OIDC token (HTTP ${asked.status})`);
  mask(jobToken);
  const connection = { server, caFile: input('ca-file') || undefined, insecure: input('insecure') === 'true' };
  const exchanged = await call(connection, 'POST', '/api/auth/oidc', { body: { token: jobToken } });
  if (exchanged.status !== 200) {
    throw new ClientError(`the service did not accept this job's OIDC token: ${String(exchanged.body?.message ?? `HTTP ${exchanged.status}`).slice(0, 300)}`);
  }
  const token = String(exchanged.body.accessToken);
  mask(token);
  const delivery = await deliver(
    { ...connection, token },
    {
      credentials: lines(input('credentials')),
      secrets: lines(input('secrets')),
      workspace: input('workspace') || undefined,
      client: { name: 'credentials-action', version: CLIENT.version },
    },
  );
  const planned = plan(delivery, { prefix: input('env-prefix') || undefined });
  // Every value is masked before anything else reaches the log or the environment file.
  for (const item of planned) mask(item.value);
  const envFile = process.env.GITHUB_ENV;
  if (!envFile) throw new ClientError('GITHUB_ENV is not set: run this as a step of a GitHub Actions job');
  const files = planned.some((p) => p.file) ? mkdtempSync(join(process.env.RUNNER_TEMP || '/tmp', 'credentials-')) : undefined;
  for (const item of planned) {
    const value = variableValue(item, files);
    let delimiter;
    do delimiter = `ghadelimiter_${randomBytes(16).toString('hex')}`;
    while (value.includes(delimiter));
    appendFileSync(envFile, `${item.variable}<<${delimiter}\n${value}\n${delimiter}\n`);
  }
  process.stdout.write(`Exported ${planned.map((p) => p.variable).join(', ')} (delivery ${delivery.id}).\n`);
}

try {
  await main();
} catch (error) {
  const message = error instanceof ClientError ? error.message : `unexpected error: ${String(/** @type {Error} */ (error)?.message ?? error).split('\n')[0]}`;
  process.stdout.write(`::error::${commandData(message.slice(0, 500))}\n`);
  process.exitCode = 1;
}
