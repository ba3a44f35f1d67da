// Starts a built, pruned release (the working directory) as production would, and uses it: the first-run
// token, a credential created through REST and read back through REST and GraphQL, the CLI, a clean stop.
// Plain JavaScript: the pruned tree has no TypeScript runner.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageEnvironment } from '../scripts/image-environment.mjs';

const work = process.argv[2];
mkdirSync(join(work, 'keys'), { recursive: true });
const env = {
  ...process.env,
  NODE_ENV: 'production',
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: `file:${join(work, 'data', 'credentials.db')}`,
  MASTER_KEY_FILE: join(work, 'keys', 'master-keys.json'),
};
const fail = (message) => {
  console.error(`release check failed: ${message}`);
  process.exit(1);
};

// Production refuses to start without a key: the operator makes one with the release's own CLI.
execFileSync('node', ['dist/cli.js', 'keys', 'init'], { env, stdio: 'inherit' });

/** Starts `command` and waits for the first-run token and the URL. */
async function start(label, command, args, env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > 60_000) fail(`${label}: did not start within 60 s:\n${out}\n${err}`);
    if (child.exitCode !== null) fail(`${label}: exited with ${child.exitCode}:\n${out}\n${err}`);
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    // (A first start prints its token on stderr once it listens.)
    if (url && /cst_[0-9A-Za-z]{43}/.test(err)) {
      return {
        url,
        token: /(cst_[0-9A-Za-z]{43})/.exec(err)?.[1],
        ms: Date.now() - started,
        async stop() {
          // The service itself (its pid is in its log lines), not npm: it finishes, and npm exits with its code.
          const pid = Number(/"pid":(\d+)/.exec(out)?.[1]);
          if (!pid) fail(`${label}: no pid in the log`);
          process.kill(pid, 'SIGTERM');
          const code = await exited;
          if (code !== 0) fail(`${label}: stopped with ${code}:\n${out}\n${err}`);
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates a credential through REST and reads it back through REST and GraphQL. */
async function use(label, url, token) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const name = `release-check-${label.replace(/\W+/g, '-')}`;
  const created = await fetch(`${url}/api/credentials`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ credentials: { name, provider: 'github', keys: { username: 'octo', token: 'ghp_release' } } }),
  });
  const { credentialsId } = await created.json();
  if (created.status !== 200 || !credentialsId) fail(`${label}: create answered ${created.status}`);
  const described = await (await fetch(`${url}/api/credentials/${credentialsId}`, { headers })).json();
  if (described.credentials?.keys?.username !== 'octo' || described.credentials.keys.token !== null)
    fail(`${label}: describe answered ${JSON.stringify(described)}`);
  const graphql = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: `{ credential(id: "${credentialsId}") { ... on Credential { name keys { ... on GithubKeys { username } } } } }` }),
  });
  const result = await graphql.json();
  if (result.data?.credential?.name !== name || result.data.credential.keys.username !== 'octo') fail(`${label}: GraphQL answered ${JSON.stringify(result)}`);
}

// 1. `npm start` on the built, pruned tree (the first start creates the first user and prints its token).
const npmStart = await start('npm start', 'npm', ['start'], env);
if (!npmStart.token) fail('npm start: no first-run token on stderr');
await use('npm start', npmStart.url, npmStart.token);
const users = JSON.parse(execFileSync('node', ['dist/cli.js', 'users', 'list', '--json'], { env, encoding: 'utf8' }));
if (!users.some((u) => u.name === 'admin')) fail(`the CLI listed ${JSON.stringify(users)}`);
await npmStart.stop();
console.log(`release check: npm start served in ${npmStart.ms} ms; a credential created and read through REST and GraphQL; the CLI answers; SIGTERM stops it`);

// 2. The container's entry point, as the Dockerfile states it (its ENV, with the volumes as directories here).
const dockerfile = readFileSync('Dockerfile', 'utf8');
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)[1]);
const imageEnv = imageEnvironment('.');
if (imageEnv.NODE_ENV !== 'production' || !imageEnv.DATABASE_URL || !imageEnv.MASTER_KEY_FILE) fail(`the Dockerfile's ENV: ${JSON.stringify(imageEnv)}`);
const volumes = { '/data': join(work, 'volume-data'), '/keys': join(work, 'volume-keys') };
const inImage = (value) => Object.entries(volumes).reduce((v, [from, to]) => v.replace(from, to), value);
for (const dir of Object.values(volumes)) mkdirSync(dir, { recursive: true, mode: 0o700 });
const container = await start('the image entry point', entrypoint[0], entrypoint.slice(1), {
  ...process.env,
  ...Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, inImage(v)])),
  PORT: '0',
  HOST: '127.0.0.1',
});
if (!container.token) fail('the image entry point: no first-run token');
await use('the image entry point', container.url, container.token);
await container.stop();
console.log(`release check: the image's entry point made its key, served in ${container.ms} ms, and stopped on SIGTERM`);
