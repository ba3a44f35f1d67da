/**
 * The README's and the docs' shell examples run as written, in order, against
 * a started service: each document's ```sh blocks in one bash session (a
 * variable one block sets, the next uses), `set -euo pipefail`, every curl
 * failing on an HTTP error unless it prints the status itself (`-w`), and no
 * GraphQL answer with `errors`. What the test changes is only what a reader
 * would: the service's address (`localhost:8080` → the port it listens on) and
 * values the docs elide with `…` for the reader to fill in (`TOKEN=cst_Z3k…`:
 * the printed first-run token). A block that cannot run here says why, in a
 * comment right before it: `<!-- docs-test: skip: <why> -->` (an external
 * service, the set-up itself).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl } from '../helpers/database.js';
import { childEnv, type RunningMain, root, startMain } from '../helpers/process.js';
import { scaled } from '../helpers/time.js';

/** The documents, in the order a reader goes through them. */
const DOCUMENTS = ['README.md', 'docs/api-graphql.md', 'docs/api-rest.md', 'docs/sign-in.md', 'docs/delivery.md', 'docs/client.md', 'docs/operating.md'];
const SKIP = /^<!-- docs-test: skip: (.+) -->$/;
/** A code block the reader saves as a file (`open-keys.mjs`): written into the working directory before the blocks run. */
const FILE = /^<!-- docs-test: file ([\w.-]+) -->$/;

/** The files a Markdown text gives the reader to save. */
function files(markdown: string): Map<string, string> {
  const lines = markdown.split('\n');
  const found = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const name = FILE.exec(lines[i]!)?.[1];
    if (!name || !lines[i + 1]?.startsWith('```')) continue;
    const code: string[] = [];
    for (i += 2; i < lines.length && lines[i] !== '```'; i++) code.push(lines[i]!);
    found.set(name, `${code.join('\n')}\n`);
  }
  return found;
}

interface Block {
  line: number;
  code: string;
  skip: string | undefined;
}

/** The ```sh blocks of a Markdown text, with the skip comment right before each (if any). */
function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const start = i;
    const code: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) code.push(lines[i]!);
    blocks.push({ line: start + 1, code: code.join('\n'), skip: SKIP.exec(lines[start - 1] ?? '')?.[1] });
  }
  return blocks;
}

let dir: string;
let work: string;
let env: Record<string, string>;
let server: RunningMain;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-docs-'));
  // A reader's working copy: the project (linked) and room for the files the examples write.
  work = join(dir, 'work');
  mkdirSync(work);
  for (const entry of ['package.json', 'node_modules', 'dist', 'scripts', 'src', 'prisma', 'examples', 'tsconfig.json', 'tsconfig.build.json']) {
    symlinkSync(join(root, entry), join(work, entry));
  }
  env = { DATABASE_URL: await freshDatabaseUrl(dir), MASTER_KEY_FILE: join(dir, 'keys', 'master-keys.json') };
  server = await startMain(env);
  token = /(cst_[0-9A-Za-z]{43})/.exec(server.output())![1]!;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (env) await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

/** What runs before a document's blocks: the reader's shell, set up as the docs tell them to. */
const prelude = () => `set -euo pipefail
export DATABASE_URL='${env.DATABASE_URL}' MASTER_KEY_FILE='${env.MASTER_KEY_FILE}'
TOKEN='${token}'
# The client as a reader who installed it (npm install -g ./client) runs it, with its config file in the test's directory.
credentials() { node '${join(root, 'client', 'bin', 'credentials.js')}' "$@"; }
export CREDENTIALS_CONFIG='${join(dir, 'client-config.json')}'
curl() {
  case " $* " in
    *" -w "*|*" --write-out "*) command curl "$@" ;;
    *) command curl --fail-with-body "$@" ;;
  esac
}
`;

/** A block as the reader runs it: the service's address, and the values they fill in. */
function asRun(code: string): string {
  const port = new URL(server.url).port;
  return code
    .replaceAll('http://localhost:8080', `http://127.0.0.1:${port}`)
    .split('\n')
    .map((line) => line.replace(/^([A-Z_]+)=\S*…\S*(\s+#.*)?$/, (_all, name: string) => `: "\${${name}:?the reader fills in ${name}}"`))
    .join('\n');
}

/** Runs the script in bash, in a process group of its own: whatever it leaves running is stopped when it ends. */
function bash(script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: work, env: childEnv({ ...env, PATH: process.env.PATH ?? '' }), detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const stopAll = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
    };
    const timer = setTimeout(stopAll, scaled(240_000));
    child.on('exit', (code) => {
      clearTimeout(timer);
      stopAll();
      resolve({ code: code ?? 1, out });
    });
  });
}

describe('the shell examples of the README and the docs', () => {
  for (const document of DOCUMENTS) {
    it(`${document}: every block runs as written, in order`, async () => {
      const markdown = readFileSync(join(root, document), 'utf8');
      for (const [name, content] of files(markdown)) writeFileSync(join(work, name), content);
      const blocks = shellBlocks(markdown);
      for (const block of blocks.filter((b) => b.skip !== undefined)) expect(block.skip!.length, `${document}:${block.line}`).toBeGreaterThan(10);
      const run = blocks.filter((b) => b.skip === undefined);
      if (run.length === 0) return;
      const script = prelude() + run.map((b) => `echo '<<< ${document}:${b.line}'\n${asRun(b.code)}\necho '>>> ${document}:${b.line} ok'`).join('\n');
      const result = await bash(script);
      const failedAt = /<<< ([^\n]+)\n(?![\s\S]*>>> \1 ok)/.exec(result.out)?.[1];
      expect(result.code, `${document}: the block at ${failedAt ?? '?'} failed:\n${result.out.slice(-4000)}`).toBe(0);
      for (const b of run) expect(result.out, `${document}:${b.line} ran`).toContain(`>>> ${document}:${b.line} ok`);
      expect(result.out, `${document}: a GraphQL answer with errors`).not.toMatch(/"errors":\[\{/);
    });
  }
});
