// @ts-check
// The client's own tests (node --test, no dependency): what it makes of a delivery, its arguments, its settings.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from '../lib/cli.js';
import { readConfig, settings, writeConfig } from '../lib/config.js';
import { serverUrl } from '../lib/http.js';
import { oneUseKey } from '../lib/jwe.js';
import { nextflowSecrets, plan } from '../lib/variables.js';

const delivery = {
  credentials: [
    { credentialsId: 'a', name: 'prod-aws', provider: 'aws', keys: { accessKey: 'AKIA1', secretKey: 's1', sessionToken: 't1', assumeRoleArn: null } },
    { credentialsId: 'b', name: 'gh', provider: 'github', keys: { username: 'me', password: null, token: 'ghp_x' } },
  ],
  pipelineSecrets: { DB_PASSWORD: 'p4ss' },
};

test('a delivery becomes the documented variables, a file-valued one marked as a file', () => {
  const planned = Object.fromEntries(plan(delivery).map((p) => [p.variable, p.value]));
  assert.deepEqual(planned, {
    AWS_ACCESS_KEY_ID: 'AKIA1',
    AWS_SECRET_ACCESS_KEY: 's1',
    AWS_SESSION_TOKEN: 't1',
    GITHUB_TOKEN: 'ghp_x',
    GITHUB_USER: 'me',
    DB_PASSWORD: 'p4ss',
  });
  const google = plan({ credentials: [{ credentialsId: 'c', name: 'g', provider: 'google', keys: { data: '{}' } }] });
  assert.equal(google[0]?.variable, 'GOOGLE_APPLICATION_CREDENTIALS');
  assert.equal(google[0]?.file, 'google-credentials.json');
});

test('two values for one variable are refused before anything runs; a prefix applies to all', () => {
  const twice = { credentials: [delivery.credentials[0], { ...delivery.credentials[0], name: 'other' }] };
  assert.throws(() => plan(/** @type {any} */ (twice)), /credential prod-aws and credential other would both set AWS_ACCESS_KEY_ID/);
  assert.throws(() => plan({ pipelineSecrets: { AWS_ACCESS_KEY_ID: 'x' }, credentials: [delivery.credentials[0]] }), /would both set AWS_ACCESS_KEY_ID/);
  assert.deepEqual(
    plan(delivery, { prefix: 'CI_' }).map((p) => p.variable),
    ['CI_AWS_ACCESS_KEY_ID', 'CI_AWS_SECRET_ACCESS_KEY', 'CI_AWS_SESSION_TOKEN', 'CI_GITHUB_TOKEN', 'CI_GITHUB_USER', 'CI_DB_PASSWORD'],
  );
  assert.throws(() => plan(delivery, { prefix: 'A-B' }), /letters, digits and _/);
});

test("Nextflow's secrets: pipeline secrets by name, credentials' fields as NAME_FIELD", () => {
  assert.deepEqual(nextflowSecrets(delivery), [
    { name: 'prod_aws_accessKey', value: 'AKIA1' },
    { name: 'prod_aws_secretKey', value: 's1' },
    { name: 'prod_aws_sessionToken', value: 't1' },
    { name: 'gh_username', value: 'me' },
    { name: 'gh_token', value: 'ghp_x' },
    { name: 'DB_PASSWORD', value: 'p4ss' },
  ]);
});

test('arguments: repeated flags kept in order, the command after --, unknown ones refused', () => {
  const parsed = parse(['--credential', 'a', '--secret=B', '--credential', 'c', '--nextflow', '--', 'env', '--credential']);
  assert.deepEqual(parsed.values.get('--credential'), ['a', 'c']);
  assert.deepEqual(parsed.values.get('--secret'), ['B']);
  assert.ok(parsed.flags.has('--nextflow'));
  assert.deepEqual(parsed.command, ['env', '--credential']);
  assert.throws(() => parse(['--value', 'x']), /unknown option --value/);
  assert.throws(
    () => parse(['--value=cst_secret']),
    (e) => e instanceof Error && !e.message.includes('cst_secret'),
  );
  assert.throws(
    () => parse(['cst_secret']),
    (e) => e instanceof Error && /unexpected argument at position 1/.test(e.message) && !e.message.includes('cst_secret'),
  );
  assert.throws(() => parse(['--credential']), /--credential needs a value/);
});

test('plain http only to this machine, unless --insecure', () => {
  assert.equal(serverUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(serverUrl('https://credentials.example.com'), 'https://credentials.example.com');
  assert.throws(() => serverUrl('http://credentials.example.com'), /refusing plain http/);
  assert.equal(serverUrl('http://credentials.example.com', true), 'http://credentials.example.com');
  assert.throws(() => serverUrl('ftp://x'), /https/);
});

test('settings: flags over the environment over the file, which is written 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-test-'));
  const file = join(dir, 'sub', 'config.json');
  writeConfig(file, { server: 'https://file.example', token: 'cst_file', workspace: 'a/b' });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
  assert.deepEqual(readConfig(file).workspace, 'a/b');
  const env = { CREDENTIALS_CONFIG: file, CREDENTIALS_TOKEN: 'cst_env' };
  const s = settings({ server: 'https://flag.example' }, env);
  assert.equal(s.server, 'https://flag.example');
  assert.equal(s.token, 'cst_env');
  assert.equal(s.workspace, 'a/b');
});

test('a one-use key refuses what is not a JWE to it', () => {
  const key = oneUseKey();
  assert.throws(() => key.open('a.b.c'), /not a JWE/);
  const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })).toString('base64url');
  assert.throws(() => key.open(`${header}.x.y.z.w`), /not ECDH-ES\+A256KW/);
  assert.equal(key.thumbprint.length, 43);
});
