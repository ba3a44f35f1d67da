/**
 * The seed API page, replayed: each of its curl code samples runs (with real
 * curl) against a local server and a real token, with the page's sample
 * payload, and must give the documented status and body shape.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDeclaredResponse } from '../helpers/rest.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface SeedOperation {
  title: string;
  curl: string;
  payload?: unknown;
  status: number;
  example?: unknown;
}

/** Reads the operations out of the seed page: its sections, code samples, payloads and default responses. */
function seedOperations(): SeedOperation[] {
  const page = readFileSync(resolve(import.meta.dirname, '../fixtures/seed-credentials-api.md'), 'utf8');
  return page
    .split(/^## /m)
    .slice(1)
    .map((section) => {
      const title = section.split('\n')[0]!.trim();
      const blocks = [
        ...section.matchAll(
          /### ([^\n]+)\n\{\{< highlight (\w+) >\}\}\n([\s\S]*?)\{\{< \/highlight >\}\}(?:\s*\{\{< highlight json >\}\}\n([\s\S]*?)\{\{< \/highlight >\}\})?/g,
        ),
      ];
      const block = (heading: string) => blocks.find((b) => b[1]!.trim() === heading);
      const curl = block('Code sample')![3]!.trim();
      const payload = block('Sample payload')?.[4];
      const response = block('Default response')!;
      return {
        title,
        curl,
        payload: payload ? JSON.parse(payload) : undefined,
        status: Number(/Status: (\d{3})/.exec(response[3]!)![1]),
        example: response[4] ? JSON.parse(response[4]) : undefined,
      };
    });
}

const exec = promisify(execFile);

/** Runs curl (asynchronously: the server answers from this same process). */
async function curl(args: string[]) {
  const { stdout } = await exec('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  return { status: Number(stdout.slice(cut + 1)), text, body: text ? JSON.parse(text) : undefined };
}

/** Runs a curl command line of the page (quotes and line continuations as a shell would). */
async function runCurl(commandLine: string, replacements: Record<string, string>, payload?: unknown) {
  let line = commandLine.replace(/\\\n/g, ' ');
  for (const [from, to] of Object.entries(replacements)) line = line.replaceAll(from, to);
  const args = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  expect(args[0]).toBe('curl');
  const extra = payload === undefined ? [] : ['--data-binary', JSON.stringify(payload)];
  const result = await curl([...args.slice(1), ...extra]);
  const method = args[args.indexOf('-X') + 1]!;
  const url = new URL(args.find((a) => a.startsWith('http'))!);
  expectDeclaredResponse(method, url.pathname, result);
  return result;
}

/** The same keys, recursively, with the same JSON types (null stands for any value not set yet). */
function expectSameShape(actual: unknown, documented: unknown, path = '$'): void {
  if (documented === null || actual === null) return;
  if (Array.isArray(documented)) {
    expect(Array.isArray(actual), path).toBe(true);
    for (const item of actual as unknown[]) expectSameShape(item, documented[0], `${path}[]`);
    return;
  }
  if (typeof documented === 'object') {
    expect(typeof actual, path).toBe('object');
    for (const [key, value] of Object.entries(documented as object)) {
      expect(Object.keys(actual as object), `${path} has ${key}`).toContain(key);
      expectSameShape((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(typeof actual, path).toBe(typeof documented);
}

const operations = seedOperations();
const byTitle = (title: string) => operations.find((o) => o.title === title)!;
let server: TestServer;
let token: string;
let credentialId: string;

beforeAll(async () => {
  server = await startServer();
  ({ token } = await server.newUser('seed'));
});
afterAll(() => server.close());

const replace = () => ({
  'https://api.tower.nf': server.url,
  '{access_token}': token,
  '{credentialId}': credentialId,
});

describe('the seed API page', () => {
  it("documents five operations (the sixth, name validation, comes from today's API)", async () => {
    expect(operations.map((o) => o.title)).toEqual(['List credentials', 'Describe credential', 'Update credential', 'Create credential', 'Delete credential']);
  });

  it('Create credential: its curl sample with its sample payload answers 200 {"credentialsId"}', async () => {
    const op = byTitle('Create credential');
    const result = await runCurl(op.curl, replace(), op.payload);
    expect(result.status).toBe(op.status);
    expectSameShape(result.body, op.example);
    expect(result.body.credentialsId).toMatch(/^[0-9A-Za-z]{22}$/);
    credentialId = result.body.credentialsId;
  });

  it('List credentials: answers 200 with the documented fields, the created credential among them', async () => {
    const op = byTitle('List credentials');
    const result = await runCurl(op.curl, replace());
    expect(result.status).toBe(op.status);
    expectSameShape(result.body, op.example);
    const listed = result.body.credentials.find((c: any) => c.id === credentialId);
    const sample = byTitle('Create credential').payload as any;
    expect(listed).toMatchObject({
      name: sample.credentials.name,
      description: sample.credentials.description,
      provider: sample.credentials.provider,
      category: sample.credentials.category,
      deleted: null,
      keys: { accessKey: sample.credentials.keys.accessKey, secretKey: null, discriminator: 'github' },
    });
    expect(result.text).not.toContain(sample.credentials.keys.secretKey);
  });

  it('Describe credential: answers 200 {"credentials":{…}} for the id', async () => {
    const op = byTitle('Describe credential');
    const result = await runCurl(op.curl, replace());
    expect(result.status).toBe(op.status);
    expectSameShape(result.body, op.example);
    expect(result.body.credentials.id).toBe(credentialId);
  });

  it('Update credential: its curl sample with its sample payload answers 204 and the change is stored', async () => {
    const op = byTitle('Update credential');
    const payload = structuredClone(op.payload) as any;
    payload.credentials.id = credentialId; // the sample's id is the page's example id
    payload.credentials.description = 'Updated through the seed sample';
    const result = await runCurl(op.curl, replace(), payload);
    expect(result.status).toBe(op.status);
    expect(result.text).toBe('');
    const described = await runCurl(byTitle('Describe credential').curl, replace());
    expect(described.body.credentials.description).toBe('Updated through the seed sample');
  });

  it("Update credential: the sample's own id, which differs from the path, is a 400 naming the mismatch", async () => {
    const op = byTitle('Update credential');
    const result = await runCurl(op.curl, replace(), op.payload);
    expect(result.status).toBe(400);
    expect(result.body.message).toMatch(/does not match the id of the path/);
  });

  it('Delete credential: answers 204, then the id is Forbidden like any unknown id', async () => {
    const op = byTitle('Delete credential');
    const result = await runCurl(op.curl, replace());
    expect(result.status).toBe(op.status);
    expect(result.text).toBe('');
    expect(await runCurl(byTitle('Describe credential').curl, replace())).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    expect(await runCurl(op.curl, replace())).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
  });

  it("answers the page's Bad request shape for a body that is not JSON: 400 and what is wrong, never the body", async () => {
    const result = await curl([
      '-H',
      'Content-Type: application/json',
      '-H',
      `Authorization: Bearer ${token}`,
      '-X',
      'POST',
      `${server.url}/api/credentials`,
      '--data-binary',
      '{"credentials": {"name": "ghp_not-echoed", ',
    ]);
    expect(result.status).toBe(400);
    expect(Object.keys(result.body)).toEqual(['message']);
    expect(result.body.message).toMatch(/^Request body is not valid JSON.* \(at position 43\)$/);
    expect(result.body.message).not.toContain('ghp_');
  });
});
