/**
 * The example app (examples/app) as a developer runs it: its types are the
 * schema's (generated, current, type-checked), and it runs against a started
 * service, by hashes only when the service accepts trusted documents only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabaseUrl } from '../helpers/database.js';
import { childEnv, type RunningMain, root, startMain } from '../helpers/process.js';

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: childEnv(env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'credentials-example-'));
let env: Record<string, string>;
let service: RunningMain;
let token: string;

beforeAll(async () => {
  env = {
    DATABASE_URL: await freshDatabaseUrl(dir),
    MASTER_KEY_FILE: join(dir, 'master-keys.json'),
    GRAPHQL_TRUSTED_DOCUMENTS: 'only',
    GRAPHQL_PERSISTED_OPERATIONS: join(root, 'examples', 'app', 'persisted-operations.json'),
  };
  service = await startMain(env);
  token = /(cst_[0-9A-Za-z]{43})/.exec(service.output())![1]!;
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await dropDatabase(env.DATABASE_URL!);
  rmSync(dir, { recursive: true, force: true });
});

describe('the example app', () => {
  it('has the types of the current schema (src/graphql-env.d.ts as `npm run codegen` writes it) and type-checks', async () => {
    const fresh = join(dir, 'graphql-env.d.ts');
    const generated = await run(process.execPath, [
      'node_modules/gql.tada/bin/cli.js',
      'generate-output',
      '--tsconfig',
      'examples/app/tsconfig.json',
      '--output',
      fresh,
    ]);
    expect(generated.code, generated.err).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toBe(readFileSync(join(root, 'examples/app/src/graphql-env.d.ts'), 'utf8'));
    const checked = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'examples/app/tsconfig.json']);
    expect(checked.code, checked.out).toBe(0);
  }, 120_000);

  it('lists, creates (a typed ValidationError first), renames and deletes, by persisted operations only', async () => {
    const app = await run(process.execPath, ['--import', 'tsx', 'examples/app/src/main.ts'], {
      CREDENTIALS_URL: `${service.url}/graphql`,
      CREDENTIALS_TOKEN: token,
      PERSISTED: 'true',
    });
    expect(app.code, app.err).toBe(0);
    expect(app.out).toMatch(/refused as expected: name must not start or end with blanks/);
    expect(app.out).toMatch(/created example-\d+ \(\w{22}\)/);
    expect(app.out).toMatch(/renamed to example-\d+-renamed/);
    expect(app.out).toMatch(/deleted; deleting again: CredentialNotFoundError/);
    expect(app.out).toMatch(/pipeline secret EXAMPLE_\d+ created \(\d+\); again: PipelineSecretNameTakenError/);
    expect(app.out).toMatch(/pipeline secrets named EXAMPLE_…: EXAMPLE_\d+\n/);
    expect(app.out).toMatch(/pipeline secret deleted: MutationDeletePipelineSecretSuccess/);
    expect(app.out).not.toContain('example-value');
    // The same app sending its documents' text is refused by a server that runs trusted documents only.
    const untrusted = await run(process.execPath, ['--import', 'tsx', 'examples/app/src/main.ts'], {
      CREDENTIALS_URL: `${service.url}/graphql`,
      CREDENTIALS_TOKEN: token,
    });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.err).toMatch(/Only trusted documents run here/);
  }, 60_000);
});
