// Starts a built, pruned release (the working directory) as production would, and uses it: the first-run
// token, a credential created through REST and read back through REST and GraphQL, the CLI, a clean stop.
// Plain JavaScript: the pruned tree has no TypeScript runner.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

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
execFileSync('node', ['dist/cli/main.js', 'keys', 'init'], { env, stdio: 'inherit' });

const server = spawn('npm', ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let err = '';
server.stdout.on('data', (d) => (out += d));
server.stderr.on('data', (d) => (err += d));
const started = Date.now();
let url;
let token;
while (!(url && token)) {
  if (Date.now() - started > 60_000) fail(`the release did not start within 60 s:\n${out}\n${err}`);
  if (server.exitCode !== null) fail(`the release exited with ${server.exitCode}:\n${out}\n${err}`);
  url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  token = /(cst_[0-9A-Za-z]{43})/.exec(err)?.[1];
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
try {
  const created = await fetch(`${url}/api/credentials`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ credentials: { name: 'release-check', provider: 'github', keys: { username: 'octo', token: 'ghp_release' } } }),
  });
  const { credentialsId } = await created.json();
  if (created.status !== 200 || !credentialsId) fail(`create answered ${created.status}`);
  const described = await (await fetch(`${url}/api/credentials/${credentialsId}`, { headers })).json();
  if (described.credentials?.keys?.username !== 'octo' || described.credentials.keys.token !== null) fail(`describe answered ${JSON.stringify(described)}`);
  const graphql = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: `{ credential(id: "${credentialsId}") { ... on Credential { name keys { ... on GithubKeys { username } } } } }` }),
  });
  const result = await graphql.json();
  if (result.data?.credential?.name !== 'release-check' || result.data.credential.keys.username !== 'octo') fail(`GraphQL answered ${JSON.stringify(result)}`);
  const users = JSON.parse(execFileSync('node', ['dist/cli/main.js', 'users', 'list', '--json'], { env, encoding: 'utf8' }));
  if (!users.some((u) => u.name === 'admin')) fail(`the CLI listed ${JSON.stringify(users)}`);
  console.log(`release check: started in ${Date.now() - started} ms; created and read a credential through REST and GraphQL; the CLI answers`);
} finally {
  server.kill('SIGTERM');
}
const code = await new Promise((resolve) => server.on('exit', resolve));
if (code !== 0 && code !== null) fail(`the release stopped with ${code}`);
