/**
 * Pipeline secrets as the tw CLI's `secrets` commands call them (Seqera's `/pipeline-secrets`, every answer checked
 * against upstream's fragment, test/fixtures/seqera-pipeline-secrets-openapi.yaml, and against the served OpenAPI
 * document), the same cases through GraphQL, Nextflow's name rule, the value's bounds, roles, the limit, which
 * secret a run gets for a name, and the value nowhere but sealed.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { jwtDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OPERATOR } from '../../src/core/caller.js';
import { checkSealedValues } from '../../src/features/backups/rules/backup-check.js';
import { NAME_PATTERN, nameProblem, pipelineSecretSealingContext } from '../../src/features/pipeline-secrets/index.js';
import { generateKey, KeyRing } from '../../src/platform/secrets/keyring.js';
import { storedText } from '../helpers/database.js';
import { startReceiver, subscribe } from '../helpers/events.js';
import { rsaKeyPair } from '../helpers/keys.js';
import { type RestResult, rest } from '../helpers/rest.js';
import { gql, startServer, withServer } from '../helpers/server.js';
import { eventually, testClock } from '../helpers/time.js';

/** Upstream's fragment, verbatim: each answer must be one it declares, with a body its schema accepts. */
const upstream = parseYaml(readFileSync(new URL('../fixtures/seqera-pipeline-secrets-openapi.yaml', import.meta.url), 'utf8'));
const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
ajv.addSchema({ $id: 'upstream.json', components: upstream.components });

function upstreamSays(method: string, template: string, result: RestResult): void {
  const response = upstream.paths[template.replace('/api', '')][method.toLowerCase()].responses[String(result.status)];
  expect(response, `upstream declares ${method} ${template} → ${result.status}`).toBeDefined();
  const schema = response.content?.['application/json']?.schema;
  // A 204 has no body; a 403 declares none upstream (this service says `Forbidden`, as on every path).
  if (result.status === 204) expect(result.text).toBe('');
  if (!schema) return;
  const validate = ajv.compile({ $ref: `upstream.json${schema.$ref}` });
  expect(validate(result.body), `${method} ${template} → ${result.status}: ${ajv.errorsText(validate.errors)} ${result.text.slice(0, 300)}`).toBe(true);
}

const { server, users } = withServer({ users: ['alice', 'bob', 'viewer', 'maintainer', 'watcher', 'runner'], env: { MAX_PIPELINE_SECRETS_PER_CONTEXT: '5' } });

async function workspaceOf(owner: { userId: string }, name: string, participants: [string, string][] = []): Promise<string> {
  const me = { userId: owner.userId, door: 'graphql' as const, scope: 'all' };
  const org = await server.services.workspaces.createOrganization(me, `${name}-org`);
  const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, name);
  for (const [user, role] of participants) await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, user, role);
  return String(ws.id);
}

describe('the tw CLI’s secrets calls', () => {
  for (const context of ['user', 'workspace'] as const) {
    it(`list, lookup by name through the list, add, update, view and delete, in the ${context} context, as upstream answers`, async () => {
      const { alice } = users;
      const query = context === 'user' ? '' : `?workspaceId=${await workspaceOf(alice, 'tw-secrets')}`;
      const call = async (method: string, template: string, path: string, body?: unknown) => {
        const result = await rest(server, alice.token, method, `${path}${query}${query && path.includes('?') ? '' : ''}`, body);
        upstreamSays(method, template, result);
        return result;
      };
      const validate = async (name: string) => {
        const result = await rest(server, alice.token, 'GET', `/api/pipeline-secrets/validate?name=${encodeURIComponent(name)}${query.replace('?', '&')}`);
        upstreamSays('GET', '/api/pipeline-secrets/validate', result);
        return result;
      };

      expect((await call('GET', '/api/pipeline-secrets', '/api/pipeline-secrets')).body).toEqual({ pipelineSecrets: [], totalSize: 0 });
      expect((await validate('DB_PASSWORD')).status).toBe(204);
      const added = await call('POST', '/api/pipeline-secrets', '/api/pipeline-secrets', { name: 'DB_PASSWORD', value: 's3cr3t-tw', unknownField: 1 });
      expect(added.status).toBe(200);
      const id = added.body.secretId;
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
      expect((await validate('DB_PASSWORD')).status).toBe(409);
      expect((await validate('db_password')).status).toBe(204); // case-sensitive, as Nextflow is
      const refused = await validate('9lives');
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/name.*must start with a letter or _/);

      // `tw secrets view -n NAME`: the list, then the one of that name by its id.
      await call('POST', '/api/pipeline-secrets', '/api/pipeline-secrets', { name: 'API_TOKEN', value: 'tok-tw' });
      const list = await call('GET', '/api/pipeline-secrets', '/api/pipeline-secrets');
      expect(list.body.totalSize).toBe(2);
      expect(list.body.pipelineSecrets.map((s: { name: string }) => s.name)).toEqual(['API_TOKEN', 'DB_PASSWORD']);
      const found = list.body.pipelineSecrets.find((s: { name: string }) => s.name === 'DB_PASSWORD');
      const view = await call('GET', '/api/pipeline-secrets/{secretId}', `/api/pipeline-secrets/${found.id}`);
      expect(view.body.pipelineSecret).toEqual({ id, name: 'DB_PASSWORD', dateCreated: found.dateCreated, lastUpdated: found.lastUpdated });
      expect(Object.keys(view.body.pipelineSecret)).not.toContain('value');

      const updated = await call('PUT', '/api/pipeline-secrets/{secretId}', `/api/pipeline-secrets/${id}`, { value: 'n3w-v4lue', name: 'IGNORED' });
      expect(updated.status).toBe(204);
      const after = (await call('GET', '/api/pipeline-secrets/{secretId}', `/api/pipeline-secrets/${id}`)).body.pipelineSecret;
      expect(after.name).toBe('DB_PASSWORD');
      expect(Date.parse(after.lastUpdated)).toBeGreaterThanOrEqual(Date.parse(found.lastUpdated));
      expect(after.dateCreated).toBe(found.dateCreated);

      expect((await call('DELETE', '/api/pipeline-secrets/{secretId}', `/api/pipeline-secrets/${id}`)).status).toBe(204);
      // Gone: as an unknown credential answers (the seed API's 403).
      for (const [method, body] of [['GET'], ['PUT', { value: 'x' }], ['DELETE']] as const) {
        const gone = await rest(server, alice.token, method, `/api/pipeline-secrets/${id}${query}`, body);
        expect(gone.status).toBe(403);
        upstreamSays(method, '/api/pipeline-secrets/{secretId}', gone);
      }
      expect((await validate('DB_PASSWORD')).status).toBe(204);
    });
  }

  it('another user’s secret, a malformed id and a workspace the caller is not in all answer 403, and change nothing', async () => {
    const { alice, bob } = users;
    const mine = (await rest(server, alice.token, 'POST', '/api/pipeline-secrets', { name: 'ALICE_ONLY', value: 'a-value' })).body.secretId;
    for (const path of [
      `/api/pipeline-secrets/${mine}`,
      '/api/pipeline-secrets/abc',
      '/api/pipeline-secrets/99999999999999999999',
      '/api/pipeline-secrets/0',
    ]) {
      expect((await rest(server, bob.token, 'GET', path)).status).toBe(403);
      expect((await rest(server, bob.token, 'PUT', path, { value: 'stolen' })).status).toBe(403);
      expect((await rest(server, bob.token, 'DELETE', path)).status).toBe(403);
    }
    const ws = await workspaceOf(alice, 'alice-private');
    expect((await rest(server, bob.token, 'GET', `/api/pipeline-secrets?workspaceId=${ws}`)).status).toBe(403);
    expect((await rest(server, bob.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'X1', value: 'v' })).status).toBe(403);
    expect((await rest(server, alice.token, 'GET', `/api/pipeline-secrets/${mine}`)).body.pipelineSecret.lastUpdated).toBeDefined();
    expect((await rest(server, bob.token, 'GET', '/api/pipeline-secrets')).body.totalSize).toBe(0);
  });
});

describe('names and values', () => {
  it('take exactly upstream’s pattern (Nextflow’s) within 50 characters, and say what is wrong with any other', () => {
    const cases = ['A', 'ab', '_a', '__a', 'a_', 'a__b', 'a_b_c', '9a', 'a-b', 'a.b', 'é', 'a b', '', 'x'.repeat(50), 'x'.repeat(51), `a${'_b'.repeat(24)}`];
    for (const name of cases) {
      const accepted = NAME_PATTERN.test(name) && name.length <= 50;
      expect(nameProblem(name) === undefined, `${JSON.stringify(name)}: ${nameProblem(name)}`).toBe(accepted);
    }
    expect(nameProblem('a__b')).toBe('must not hold two _ in a row');
    expect(nameProblem('a-b')).toMatch(/only letters, digits and _ .*"-" at position 2/);
    expect(nameProblem('x'.repeat(51))).toMatch(/at most 50 characters/);
  });

  it('a bad name or value answers 400 saying what is wrong (never the value) on both doors, and stores nothing', async () => {
    const { alice } = users;
    const before = (await rest(server, alice.token, 'GET', '/api/pipeline-secrets')).body.totalSize;
    const big = 'v'.repeat(64 * 1024 + 1);
    for (const [body, problem] of [
      [{ name: 'a__b', value: 'v' }, /name: must not hold two _ in a row/],
      [{ name: 'OK_NAME', value: '' }, /value: must not be empty/],
      [{ name: 'OK_NAME', value: big }, /value: must be at most 65536 bytes/],
      [{ name: 'OK_NAME' }, /value: is required/],
      [{ value: 'v' }, /name: is required/],
    ] as const) {
      const refused = await rest(server, alice.token, 'POST', '/api/pipeline-secrets', body);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(problem);
      expect(refused.text).not.toContain('vvvv');
    }
    const graph = await gql(
      server,
      alice.token,
      `mutation($input: PipelineSecretInput!) { createPipelineSecret(input: $input) { __typename ... on ValidationError { fields { path message } } } }`,
      { input: { name: '9x', value: 'v' } },
    );
    expect(graph.body.data!.createPipelineSecret).toEqual({
      __typename: 'ValidationError',
      fields: [{ path: 'name', message: 'must start with a letter or _' }],
    });
    expect((await rest(server, alice.token, 'GET', '/api/pipeline-secrets')).body.totalSize).toBe(before);
    // 64 KiB exactly (a PEM, a JSON file) is taken.
    expect((await rest(server, alice.token, 'POST', '/api/pipeline-secrets', { name: 'BIG_ONE', value: 'v'.repeat(64 * 1024) })).status).toBe(200);
  });
});

describe('GraphQL and REST agree', () => {
  it('a secret made through one door is the same through the other; errors are typed', async () => {
    const { bob } = users;
    const ws = await workspaceOf(bob, 'agree');
    const made = await gql(
      server,
      bob.token,
      `mutation($input: PipelineSecretInput!, $ws: ID) { createPipelineSecret(input: $input, workspaceId: $ws) { __typename ... on MutationCreatePipelineSecretSuccess { data { id name workspaceId dateCreated lastUpdated lastUsed } } } }`,
      { input: { name: 'FROM_GRAPHQL', value: 'g-value' }, ws },
    );
    const node = made.body.data!.createPipelineSecret.data;
    const viaRest = (await rest(server, bob.token, 'GET', `/api/pipeline-secrets/${node.id}?workspaceId=${ws}`)).body.pipelineSecret;
    expect(viaRest).toEqual({ id: Number(node.id), name: 'FROM_GRAPHQL', dateCreated: node.dateCreated, lastUpdated: node.lastUpdated });
    expect(node).toMatchObject({ workspaceId: ws, lastUsed: null });

    const restMade = (await rest(server, bob.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'FROM_REST', value: 'r-value' })).body.secretId;
    const page = await gql(
      server,
      bob.token,
      `query($ws: ID) { pipelineSecrets(workspaceId: $ws, first: 1) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`,
      {
        ws,
      },
    );
    expect(page.body.data!.pipelineSecrets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['FROM_GRAPHQL']);
    expect(page.body.data!.pipelineSecrets.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      server,
      bob.token,
      `query($ws: ID, $after: String) { pipelineSecrets(workspaceId: $ws, first: 5, after: $after) { edges { node { id name } } pageInfo { hasNextPage } } }`,
      {
        ws,
        after: page.body.data!.pipelineSecrets.pageInfo.endCursor,
      },
    );
    expect(next.body.data!.pipelineSecrets.edges.map((e: { node: { id: string } }) => Number(e.node.id))).toEqual([restMade]);
    expect(next.body.data!.pipelineSecrets.pageInfo.hasNextPage).toBe(false);
    const prefixed = await gql(
      server,
      bob.token,
      `query($ws: ID) { pipelineSecrets(workspaceId: $ws, nameStartsWith: "FROM_R") { edges { node { name } } } }`,
      { ws },
    );
    expect(prefixed.body.data!.pipelineSecrets.edges).toEqual([{ node: { name: 'FROM_REST' } }]);
    // A prefix is compared as it is: case-sensitive, and `_` is no wildcard.
    for (const name of ['FROMXREST', 'from_rest']) await rest(server, bob.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name, value: 'x' });
    const exact = await gql(server, bob.token, `query($ws: ID) { pipelineSecrets(workspaceId: $ws, nameStartsWith: "FROM_") { edges { node { name } } } }`, {
      ws,
    });
    expect(exact.body.data!.pipelineSecrets.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['FROM_GRAPHQL', 'FROM_REST']);

    const taken = await gql(
      server,
      bob.token,
      `mutation($ws: ID) { createPipelineSecret(input: { name: "FROM_REST", value: "x" }, workspaceId: $ws) { __typename ... on PipelineSecretNameTakenError { name message } } }`,
      { ws },
    );
    expect(taken.body.data!.createPipelineSecret).toEqual({
      __typename: 'PipelineSecretNameTakenError',
      name: 'FROM_REST',
      message: "A pipeline secret named 'FROM_REST' already exists",
    });
    expect((await rest(server, bob.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'FROM_GRAPHQL', value: 'x' })).body).toEqual({
      message: "A pipeline secret named 'FROM_GRAPHQL' already exists",
    });
    const validity = await gql(
      server,
      bob.token,
      `query($ws: ID) { a: validatePipelineSecretName(name: "FREE_ONE", workspaceId: $ws) { __typename ... on QueryValidatePipelineSecretNameSuccess { data } } b: validatePipelineSecretName(name: "FROM_REST", workspaceId: $ws) { __typename } }`,
      { ws },
    );
    expect(validity.body.data).toEqual({
      a: { __typename: 'QueryValidatePipelineSecretNameSuccess', data: true },
      b: { __typename: 'PipelineSecretNameTakenError' },
    });

    const updated = await gql(
      server,
      bob.token,
      `mutation($id: ID!, $ws: ID) { updatePipelineSecret(id: $id, value: "v2", workspaceId: $ws) { __typename } }`,
      { id: String(restMade), ws },
    );
    expect(updated.body.data!.updatePipelineSecret.__typename).toBe('MutationUpdatePipelineSecretSuccess');
    const deleted = await gql(
      server,
      bob.token,
      `mutation($id: ID!, $ws: ID) { deletePipelineSecret(id: $id, workspaceId: $ws) { __typename ... on MutationDeletePipelineSecretSuccess { data } } }`,
      { id: String(restMade), ws },
    );
    expect(deleted.body.data!.deletePipelineSecret).toEqual({ __typename: 'MutationDeletePipelineSecretSuccess', data: String(restMade) });
    expect((await rest(server, bob.token, 'GET', `/api/pipeline-secrets/${restMade}?workspaceId=${ws}`)).status).toBe(403);
    const missing = await gql(
      server,
      bob.token,
      `query($id: ID!, $ws: ID) { pipelineSecret(id: $id, workspaceId: $ws) { __typename ... on PipelineSecretNotFoundError { id } } }`,
      { id: String(restMade), ws },
    );
    expect(missing.body.data!.pipelineSecret).toEqual({ __typename: 'PipelineSecretNotFoundError', id: String(restMade) });
  });
});

describe('roles, limits and runs', () => {
  it('VIEW sees names, MAINTAIN and above write; each through both doors', async () => {
    const { alice, viewer, maintainer } = users;
    const ws = await workspaceOf(alice, 'roles', [
      [viewer.name, 'VIEW'],
      [maintainer.name, 'MAINTAIN'],
    ]);
    const q = `?workspaceId=${ws}`;
    const made = await rest(server, maintainer.token, 'POST', `/api/pipeline-secrets${q}`, { name: 'MAINTAINED', value: 'm-value' });
    expect(made.status).toBe(200);
    expect((await rest(server, viewer.token, 'GET', `/api/pipeline-secrets${q}`)).body.pipelineSecrets.map((s: { name: string }) => s.name)).toEqual([
      'MAINTAINED',
    ]);
    expect((await rest(server, viewer.token, 'GET', `/api/pipeline-secrets/${made.body.secretId}${q}`)).status).toBe(200);
    expect((await rest(server, viewer.token, 'POST', `/api/pipeline-secrets${q}`, { name: 'VIEWER_MADE', value: 'v' })).status).toBe(403);
    expect((await rest(server, viewer.token, 'PUT', `/api/pipeline-secrets/${made.body.secretId}${q}`, { value: 'v' })).status).toBe(403);
    expect((await rest(server, viewer.token, 'DELETE', `/api/pipeline-secrets/${made.body.secretId}${q}`)).status).toBe(403);
    const graph = await gql(
      server,
      viewer.token,
      `mutation($ws: ID) { createPipelineSecret(input: { name: "VIEWER_G", value: "v" }, workspaceId: $ws) { __typename } }`,
      { ws },
    );
    expect(graph.body.data!.createPipelineSecret.__typename).toBe('ForbiddenError');
    expect((await rest(server, maintainer.token, 'DELETE', `/api/pipeline-secrets/${made.body.secretId}${q}`)).status).toBe(204);
  });

  it('MAX_PIPELINE_SECRETS_PER_CONTEXT holds: 409 (REST) and LimitReachedError (GraphQL), nothing stored; a delete makes room', async () => {
    const { maintainer } = users;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await rest(server, maintainer.token, 'POST', '/api/pipeline-secrets', { name: `CAP_${i}`, value: 'v' })).body.secretId);
    const over = await rest(server, maintainer.token, 'POST', '/api/pipeline-secrets', { name: 'CAP_5', value: 'v' });
    expect(over.status).toBe(409);
    expect(over.body.message).toMatch(/at most 5 pipeline secrets per context.*MAX_PIPELINE_SECRETS_PER_CONTEXT/);
    const graph = await gql(server, maintainer.token, `mutation { createPipelineSecret(input: { name: "CAP_6", value: "v" }) { __typename } }`);
    expect(graph.body.data!.createPipelineSecret.__typename).toBe('LimitReachedError');
    expect((await rest(server, maintainer.token, 'GET', '/api/pipeline-secrets')).body.totalSize).toBe(5);
    await rest(server, maintainer.token, 'DELETE', `/api/pipeline-secrets/${ids[0]}`);
    expect((await rest(server, maintainer.token, 'POST', '/api/pipeline-secrets', { name: 'CAP_5', value: 'v' })).status).toBe(200);
  });

  it('a run gets the caller’s own secret of a name over the workspace’s; a name neither has is an error naming it', async () => {
    const { alice, viewer } = users;
    const ws = await workspaceOf(alice, 'runs', [[viewer.name, 'VIEW']]);
    const wsShared = (await rest(server, alice.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'SHARED', value: 'w' })).body.secretId;
    const wsOnly = (await rest(server, alice.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'WS_ONLY', value: 'w' })).body.secretId;
    const own = (await rest(server, viewer.token, 'POST', '/api/pipeline-secrets', { name: 'SHARED', value: 'mine' })).body.secretId;
    const resolve = (names: string[], workspace?: string) =>
      gql(
        server,
        viewer.token,
        `query($names: [String!]!, $ws: ID) { resolvePipelineSecrets(names: $names, workspaceId: $ws) { __typename ... on QueryResolvePipelineSecretsSuccess { data { name scope id } } ... on PipelineSecretsMissingError { names } ... on ValidationError { fields { path message } } } }`,
        { names, ws: workspace },
      );
    expect((await resolve(['WS_ONLY', 'SHARED'], ws)).body.data!.resolvePipelineSecrets.data).toEqual([
      { name: 'WS_ONLY', scope: 'WORKSPACE', id: String(wsOnly) },
      { name: 'SHARED', scope: 'USER', id: String(own) },
    ]);
    // Without the workspace, the caller's own only.
    expect((await resolve(['SHARED', 'WS_ONLY'])).body.data!.resolvePipelineSecrets).toEqual({ __typename: 'PipelineSecretsMissingError', names: ['WS_ONLY'] });
    // Once the caller's own is gone, the workspace's.
    await rest(server, viewer.token, 'DELETE', `/api/pipeline-secrets/${own}`);
    expect((await resolve(['SHARED'], ws)).body.data!.resolvePipelineSecrets.data).toEqual([{ name: 'SHARED', scope: 'WORKSPACE', id: String(wsShared) }]);
    expect((await resolve(['NOPE', 'a__b'], ws)).body.data!.resolvePipelineSecrets).toEqual({
      __typename: 'ValidationError',
      fields: [{ path: 'names.1', message: 'must not hold two _ in a row' }],
    });
  });
});

describe('the value', () => {
  it('is nowhere but sealed: not in the database file (or its WAL), the log, any answer or the audit trail', async () => {
    const { bob } = users;
    const values = [
      `pv-rest-${Math.random().toString(36).slice(2)}`,
      `pv-put-${Math.random().toString(36).slice(2)}`,
      `pv-gql-${Math.random().toString(36).slice(2)}`,
    ];
    const answers: string[] = [];
    const made = await rest(server, bob.token, 'POST', '/api/pipeline-secrets', { name: 'HIDDEN_ONE', value: values[0] });
    answers.push(made.text);
    answers.push((await rest(server, bob.token, 'PUT', `/api/pipeline-secrets/${made.body.secretId}`, { value: values[1] })).text);
    answers.push(
      JSON.stringify(
        (
          await gql(
            server,
            bob.token,
            `mutation($v: String!) { createPipelineSecret(input: { name: "HIDDEN_TWO", value: $v }) { __typename ... on MutationCreatePipelineSecretSuccess { data { id name } } } }`,
            { v: values[2] },
          )
        ).body,
      ),
    );
    answers.push((await rest(server, bob.token, 'POST', '/api/pipeline-secrets', { name: 'HIDDEN_ONE', value: values[0] })).text); // refused: taken
    answers.push((await rest(server, bob.token, 'GET', '/api/pipeline-secrets')).text);
    answers.push((await rest(server, bob.token, 'GET', `/api/pipeline-secrets/${made.body.secretId}`)).text);
    const trail = await gql(server, bob.token, `{ auditEvents(first: 20) { edges { node { kind targetId detail actor } } } }`);
    answers.push(JSON.stringify(trail.body));
    const kinds = trail.body.data!.auditEvents.edges.map((e: { node: { kind: string } }) => e.node.kind);
    expect(kinds).toEqual(expect.arrayContaining(['PIPELINE_SECRET_CREATE', 'PIPELINE_SECRET_UPDATE']));
    const stored = await storedText(server.config.databaseUrl);
    const logs = server.logs.join('\n');
    for (const value of values) {
      expect(stored.includes(value), `the database holds ${value}`).toBe(false);
      expect(logs.includes(value), `the log holds ${value}`).toBe(false);
      expect(answers.join('\n').includes(value), `an answer holds ${value}`).toBe(false);
    }
    // The search works: the name is where it is.
    expect(stored).toContain('HIDDEN_ONE');
    expect(answers.join('\n')).toContain('HIDDEN_ONE');
  });

  it('is re-sealed by key rotation (counted by keys list first), and opens under the new key alone with its own associated data', async () => {
    const { bob } = users;
    const id = (await rest(server, bob.token, 'POST', '/api/pipeline-secrets', { name: 'ROTATED', value: 'r-value' })).body.secretId;
    const row = async () => (await server.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(id) } })).secret!;
    const primary = server.services.keys.ring.primaryId;
    const count = await server.db.pipelineSecret.count();
    expect((await server.services.rotation.usage()).get(primary)).toBeGreaterThanOrEqual(count);
    const added = server.services.masterKeys.add();
    // This process reads the file it wrote at once (other servers within a second).
    expect(server.services.keys.ring.primaryId).toBe(added);
    expect(await server.services.rotation.countNotUnderPrimary()).toBeGreaterThanOrEqual(count);
    for await (const progress of server.services.rotation.reseal(OPERATOR)) expect(progress.unreadable).toEqual([]);
    expect(await server.services.rotation.countNotUnderPrimary()).toBe(0);
    const sealed = await row();
    expect(sealed.startsWith(KeyRing.sealedPrefix(added))).toBe(true);
    expect(server.services.keys.open(sealed, pipelineSecretSealingContext(id))).toBe('r-value');
    // Moved to another row (another id), it does not open.
    expect(() => server.services.keys.open(sealed, pipelineSecretSealingContext(id + 1))).toThrow();
  });

  it('reaches a webhook as pipeline_secret events naming the secret, in order, never with the value', async () => {
    const receiver = await startReceiver();
    const hooked = await startServer({ WEBHOOK_ALLOWED_HOSTS: receiver.host });
    try {
      const carol = await hooked.newUser('carol');
      const value = `pv-hook-${Math.random().toString(36).slice(2)}`;
      const made = await gql(
        hooked,
        carol.token,
        `mutation($url: String!) { createWebhook(input: { url: $url, kinds: [PIPELINE_SECRET_CREATE, PIPELINE_SECRET_UPDATE, PIPELINE_SECRET_DELETE] }) { __typename } }`,
        { url: receiver.url },
      );
      expect(made.body.data!.createWebhook.__typename).toBe('MutationCreateWebhookSuccess');
      const id = (await rest(hooked, carol.token, 'POST', '/api/pipeline-secrets', { name: 'HOOKED', value })).body.secretId;
      await rest(hooked, carol.token, 'PUT', `/api/pipeline-secrets/${id}`, { value: `${value}-2` });
      await rest(hooked, carol.token, 'DELETE', `/api/pipeline-secrets/${id}`);
      await eventually('three events delivered', () => receiver.taken.length >= 3);
      expect(receiver.taken.map((r) => [r.json.type, r.json.data.targetId, r.json.data.targetName])).toEqual([
        ['pipeline_secret.create', String(id), 'HOOKED'],
        ['pipeline_secret.update', String(id), 'HOOKED'],
        ['pipeline_secret.delete', String(id), 'HOOKED'],
      ]);
      for (const r of receiver.taken) expect(r.body).not.toContain(value);
    } finally {
      await hooked.close();
      await receiver.close();
    }
  });

  it('is checked by backup verify under its own associated data: a value moved to another secret’s row is named as not opening', () => {
    const key = generateKey();
    const ring = new KeyRing(new Map([[key.id, key.key]]), key.id);
    const value = (id: string, sealedFor: string) => ({
      id,
      userId: 'u',
      workspaceId: null,
      provider: 'pipeline-secret',
      version: null,
      secret: ring.seal('v', pipelineSecretSealingContext(sealedFor)),
      pipelineSecret: true as const,
    });
    expect(checkSealedValues([value('7', '7'), value('8', '8')], ring)).toEqual({ sealed: 2, opened: 2, unreadable: [], unreadableCount: 0 });
    expect(checkSealedValues([value('7', '7'), value('8', '7')], ring)).toEqual({
      sealed: 2,
      opened: 1,
      unreadable: ['pipeline-secret:8'],
      unreadableCount: 1,
    });
  });
});

describe('the recovery window', () => {
  it('a delete frees the name and keeps the value for CREDENTIAL_RECOVERY_WINDOW: listed, undeleted (under another name when taken), then purged by the background', async () => {
    const clock = testClock();
    const windowed = await startServer({ CREDENTIAL_RECOVERY_WINDOW: '7d' }, { clock: clock.now });
    try {
      const dana = await windowed.newUser('dana');
      const q = (query: string, variables: Record<string, unknown> = {}) => gql(windowed, dana.token, query, variables);
      const id = (await rest(windowed, dana.token, 'POST', '/api/pipeline-secrets', { name: 'KEPT', value: 'kept-value' })).body.secretId;
      const sealedBefore = (await windowed.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(id) } })).secret;
      expect((await rest(windowed, dana.token, 'DELETE', `/api/pipeline-secrets/${id}`)).status).toBe(204);
      expect((await rest(windowed, dana.token, 'GET', `/api/pipeline-secrets/${id}`)).status).toBe(403);
      expect((await rest(windowed, dana.token, 'GET', '/api/pipeline-secrets')).body.totalSize).toBe(0);
      const deleted = (await q(`{ deletedPipelineSecrets { id name deleted purgeAfter } }`)).body.data!.deletedPipelineSecrets;
      expect(deleted).toEqual([
        { id: String(id), name: 'KEPT', deleted: new Date(clock.now()).toISOString(), purgeAfter: new Date(clock.now() + 7 * 86_400_000).toISOString() },
      ]);
      // The name is free meanwhile: a new secret takes it, and the undelete needs another name.
      const other = (await rest(windowed, dana.token, 'POST', '/api/pipeline-secrets', { name: 'KEPT', value: 'other-value' })).body.secretId;
      const UNDELETE = `mutation($id: ID!, $name: String) { undeletePipelineSecret(id: $id, name: $name) { __typename ... on MutationUndeletePipelineSecretSuccess { data { id name } } ... on Error { message } } }`;
      expect((await q(UNDELETE, { id: String(id) })).body.data!.undeletePipelineSecret).toEqual({
        __typename: 'PipelineSecretNameTakenError',
        message: "A pipeline secret named 'KEPT' already exists",
      });
      expect((await q(UNDELETE, { id: String(id), name: 'KEPT_AGAIN' })).body.data!.undeletePipelineSecret).toEqual({
        __typename: 'MutationUndeletePipelineSecretSuccess',
        data: { id: String(id), name: 'KEPT_AGAIN' },
      });
      // Its value came back as it was (the same sealed bytes).
      expect((await windowed.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(id) } })).secret).toBe(sealedBefore);

      // Deleted again; a day short of the window nothing is destroyed, past it the background destroys the value.
      await rest(windowed, dana.token, 'DELETE', `/api/pipeline-secrets/${id}`);
      clock.advance(6 * 86_400_000);
      expect(await windowed.services.pipelineSecretPurge.run()).toBe(0);
      clock.advance(86_400_000 + 1);
      expect(await windowed.services.pipelineSecretPurge.run()).toBe(1);
      const purged = await windowed.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(id) } });
      expect(purged).toMatchObject({ secret: null, name: 'KEPT_AGAIN' });
      expect(purged.purged).not.toBeNull();
      expect((await q(UNDELETE, { id: String(id), name: 'TOO_LATE' })).body.data!.undeletePipelineSecret.__typename).toBe('PipelineSecretNotFoundError');
      expect((await q(`{ deletedPipelineSecrets { id } }`)).body.data!.deletedPipelineSecrets).toEqual([]);
      // purge at once: the value of a live one destroyed by its owner, no window.
      const at = await q(`mutation($id: ID!) { deletePipelineSecret(id: $id, purge: true) { __typename } }`, { id: String(other) });
      expect(at.body.data!.deletePipelineSecret.__typename).toBe('MutationDeletePipelineSecretSuccess');
      expect((await windowed.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(other) } })).secret).toBeNull();
      const kinds = (await q(`{ auditEvents(first: 20) { edges { node { kind actor targetId } } } }`)).body.data!.auditEvents.edges.map(
        (e: { node: { kind: string; actor: string; targetId: string } }) =>
          `${e.node.kind} ${e.node.actor === 'background' ? 'background' : 'dana'} ${e.node.targetId === String(id) ? 'first' : 'other'}`,
      );
      expect(kinds.filter((k: string) => k.startsWith('PIPELINE_SECRET'))).toEqual([
        'PIPELINE_SECRET_PURGE dana other',
        'PIPELINE_SECRET_DELETE dana other',
        'PIPELINE_SECRET_PURGE background first',
        'PIPELINE_SECRET_DELETE dana first',
        'PIPELINE_SECRET_UNDELETE dana first',
        'PIPELINE_SECRET_CREATE dana other',
        'PIPELINE_SECRET_DELETE dana first',
        'PIPELINE_SECRET_CREATE dana first',
      ]);
    } finally {
      await windowed.close();
    }
  });

  it('VIEW and MAINTAIN cannot see deleted secrets, undelete or purge; OWNER can', async () => {
    const { alice, viewer, maintainer } = users;
    const ws = await workspaceOf(alice, 'window-roles', [
      [viewer.name, 'VIEW'],
      [maintainer.name, 'MAINTAIN'],
    ]);
    const id = (await rest(server, maintainer.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'W1', value: 'w' })).body.secretId;
    expect((await rest(server, maintainer.token, 'DELETE', `/api/pipeline-secrets/${id}?workspaceId=${ws}`)).status).toBe(204);
    for (const who of [viewer, maintainer]) {
      expect((await gql(server, who.token, `query($ws: ID) { deletedPipelineSecrets(workspaceId: $ws) { id } }`, { ws })).body.errors?.[0]?.message).toMatch(
        /does not allow/,
      );
      const undo = await gql(server, who.token, `mutation($id: ID!, $ws: ID) { undeletePipelineSecret(id: $id, workspaceId: $ws) { __typename } }`, {
        id: String(id),
        ws,
      });
      expect(undo.body.data!.undeletePipelineSecret.__typename).toBe('ForbiddenError');
    }
    const undo = await gql(server, alice.token, `mutation($id: ID!, $ws: ID) { undeletePipelineSecret(id: $id, workspaceId: $ws) { __typename } }`, {
      id: String(id),
      ws,
    });
    expect(undo.body.data!.undeletePipelineSecret.__typename).toBe('MutationUndeletePipelineSecretSuccess');
  });

  it('streams live to a pipelineSecretEvents subscription (its kinds only, never a credential’s event or a value); a credentials stream gets none of them', async () => {
    const { watcher } = users;
    const live = (variables: Record<string, unknown>, query: string) => subscribe(server, watcher.token, query, variables);
    const secrets = await live(
      { kinds: ['PIPELINE_SECRET_CREATE', 'PIPELINE_SECRET_DELETE'] },
      `subscription($kinds: [PipelineSecretEventKind!]) { pipelineSecretEvents(kinds: $kinds) { kind targetType targetId targetName } }`,
    );
    const credentials = await live({}, `subscription { credentialEvents { kind targetName } }`);
    const before = server.services.live.open;
    expect(before).toBeGreaterThanOrEqual(2);
    const value = `pv-live-${Math.random().toString(36).slice(2)}`;
    const id = (await rest(server, watcher.token, 'POST', '/api/pipeline-secrets', { name: 'LIVE_ONE', value })).body.secretId;
    await rest(server, watcher.token, 'PUT', `/api/pipeline-secrets/${id}`, { value: `${value}-2` });
    await rest(server, watcher.token, 'DELETE', `/api/pipeline-secrets/${id}`);
    // A credential's event after them: once the credentials stream has it, every earlier event was handled.
    await rest(server, watcher.token, 'POST', '/api/credentials', { credentials: { name: 'after-live', provider: 'gitlab', keys: { token: 'glpat-x' } } });
    await eventually('the credentials stream got its event', () => credentials.payloads.length >= 1);
    expect(credentials.payloads.map((p) => p.data.credentialEvents)).toEqual([{ kind: 'CREDENTIAL_CREATE', targetName: 'after-live' }]);
    await eventually('two pipeline secret events', () => secrets.payloads.length >= 2);
    expect(secrets.payloads.map((p) => p.data.pipelineSecretEvents)).toEqual([
      { kind: 'PIPELINE_SECRET_CREATE', targetType: 'pipeline_secret', targetId: String(id), targetName: 'LIVE_ONE' },
      { kind: 'PIPELINE_SECRET_DELETE', targetType: 'pipeline_secret', targetId: String(id), targetName: 'LIVE_ONE' },
    ]);
    expect(JSON.stringify(secrets.payloads)).not.toContain(value);
    secrets.close();
    credentials.close();
  });
});

describe('delivery to a paired service', () => {
  it('the values of the names a run asks for, resolved (own over workspace), as a JWE only the paired key opens; last use and audit recorded; VIEW refused', async () => {
    const { alice, runner, viewer } = users;
    const pair = rsaKeyPair(3);
    const pairingId = (await server.services.pairings.add('launcher', pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())).id;
    const ws = await workspaceOf(alice, 'deliveries', [
      [runner.name, 'MAINTAIN'],
      [viewer.name, 'VIEW'],
    ]);
    await rest(server, alice.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'SHARED_TOKEN', value: 'workspace-token' });
    await rest(server, alice.token, 'POST', `/api/pipeline-secrets?workspaceId=${ws}`, { name: 'DB_URL', value: 'postgres://db/w' });
    const own = (await rest(server, runner.token, 'POST', '/api/pipeline-secrets', { name: 'SHARED_TOKEN', value: 'my-own-token' })).body.secretId;
    const DELIVER = `mutation($names: [String!]!, $pairing: ID!, $ws: ID) { deliverPipelineSecrets(names: $names, pairingId: $pairing, workspaceId: $ws) {
      __typename ... on MutationDeliverPipelineSecretsSuccess { data } ... on Error { message } } }`;
    const delivered = await gql(server, runner.token, DELIVER, { names: ['SHARED_TOKEN', 'DB_URL'], pairing: pairingId, ws });
    const jwe = delivered.body.data!.deliverPipelineSecrets.data as string;
    const { payload, protectedHeader } = await jwtDecrypt(jwe, pair.privateKey);
    expect(protectedHeader).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: pairingId });
    expect(payload.pipelineSecrets).toEqual({ SHARED_TOKEN: 'my-own-token', DB_URL: 'postgres://db/w' });
    expect(payload.scopes).toEqual({ SHARED_TOKEN: 'user', DB_URL: 'workspace' });
    expect(payload.exp! - payload.iat!).toBe(300);
    // Another key cannot open it.
    await expect(jwtDecrypt(jwe, rsaKeyPair(4).privateKey)).rejects.toThrow();
    // Recorded: the last use (REST's lastUsed appears), an audit row each.
    expect((await rest(server, runner.token, 'GET', `/api/pipeline-secrets/${own}`)).body.pipelineSecret.lastUsed).toBeDefined();
    expect(server.logs.join('\n')).not.toContain('my-own-token');
    expect((await server.services.pairings.list()).find((p) => p.id === pairingId)!.lastUsedAt).not.toBeNull();
    const kinds = await server.services.audit.latest({ limit: 5 });
    expect(
      kinds
        .filter((e) => e.action === 'pipeline_secret.deliver')
        .map((e) => e.detail)
        .sort(),
    ).toEqual([`DB_URL pairing ${pairingId}`, `SHARED_TOKEN pairing ${pairingId}`]);

    const refused = await gql(server, viewer.token, DELIVER, { names: ['DB_URL'], pairing: pairingId, ws });
    expect(refused.body.data!.deliverPipelineSecrets.__typename).toBe('ForbiddenError');
    const missing = await gql(server, runner.token, DELIVER, { names: ['NOPE_NOPE'], pairing: pairingId, ws });
    expect(missing.body.data!.deliverPipelineSecrets).toEqual({ __typename: 'PipelineSecretsMissingError', message: "No pipeline secret named 'NOPE_NOPE'" });
    const unpaired = await gql(server, runner.token, DELIVER, { names: ['DB_URL'], pairing: 'nobody', ws });
    expect(unpaired.body.data!.deliverPipelineSecrets.__typename).toBe('PairingNotFoundError');
  });
});

describe('versions of a value', () => {
  it('every create, update and restore is a version (never shown); a restore makes a new one equal to the old; the last CREDENTIAL_VERSIONS_KEPT are kept', async () => {
    const kept = await startServer({ CREDENTIAL_VERSIONS_KEPT: '3' });
    try {
      const erin = await kept.newUser('erin');
      const q = (query: string, variables: Record<string, unknown> = {}) => gql(kept, erin.token, query, variables);
      const id = (await rest(kept, erin.token, 'POST', '/api/pipeline-secrets', { name: 'VERSIONED', value: 'value-1' })).body.secretId;
      const live = async () =>
        kept.services.keys.open((await kept.db.pipelineSecret.findUniqueOrThrow({ where: { id: BigInt(id) } })).secret!, pipelineSecretSealingContext(id));
      const VERSIONS = `query($id: ID!) { pipelineSecretVersions(id: $id) { __typename ... on QueryPipelineSecretVersionsSuccess { data { number actor door restoredFrom } } } }`;
      const numbers = async () => (await q(VERSIONS, { id: String(id) })).body.data!.pipelineSecretVersions.data.map((v: { number: number }) => v.number);
      expect(await numbers()).toEqual([1]);
      await rest(kept, erin.token, 'PUT', `/api/pipeline-secrets/${id}`, { value: 'value-2' });
      expect((await q(VERSIONS, { id: String(id) })).body.data!.pipelineSecretVersions.data[0]).toEqual({
        number: 2,
        actor: erin.userId,
        door: 'rest',
        restoredFrom: null,
      });
      const RESTORE = `mutation($id: ID!, $v: Int!) { restorePipelineSecretVersion(id: $id, version: $v) { __typename ... on Error { message } } }`;
      expect((await q(RESTORE, { id: String(id), v: 1 })).body.data!.restorePipelineSecretVersion.__typename).toBe(
        'MutationRestorePipelineSecretVersionSuccess',
      );
      expect(await live()).toBe('value-1');
      expect((await q(VERSIONS, { id: String(id) })).body.data!.pipelineSecretVersions.data[0]).toEqual({
        number: 3,
        actor: erin.userId,
        door: 'graphql',
        restoredFrom: 1,
      });
      // A fourth: only the last three are kept; the first can no longer be restored.
      await rest(kept, erin.token, 'PUT', `/api/pipeline-secrets/${id}`, { value: 'value-4' });
      expect(await numbers()).toEqual([4, 3, 2]);
      expect(await kept.db.pipelineSecretVersion.count({ where: { secretId: BigInt(id) } })).toBe(3);
      expect((await q(RESTORE, { id: String(id), v: 1 })).body.data!.restorePipelineSecretVersion).toEqual({
        __typename: 'PipelineSecretVersionNotFoundError',
        message: `Pipeline secret '${id}' has no version 1`,
      });
      expect((await q(RESTORE, { id: String(id), v: 2 })).body.data!.restorePipelineSecretVersion.__typename).toBe(
        'MutationRestorePipelineSecretVersionSuccess',
      );
      expect(await live()).toBe('value-2');
      // Each version's value is sealed for its own slot; none is in any answer.
      for (const v of await kept.db.pipelineSecretVersion.findMany({ where: { secretId: BigInt(id) } })) {
        expect(() => kept.services.keys.open(v.value!, pipelineSecretSealingContext(id))).toThrow();
      }
      const kinds = (await kept.services.audit.latest({ limit: 10 })).filter((e) => e.targetId === String(id)).map((e) => e.action);
      expect(kinds).toEqual([
        'pipeline_secret.restore',
        'pipeline_secret.update',
        'pipeline_secret.restore',
        'pipeline_secret.update',
        'pipeline_secret.create',
      ]);
      // Purged: every version's value goes with it.
      await q(`mutation($id: ID!) { deletePipelineSecret(id: $id, purge: true) { __typename } }`, { id: String(id) });
      expect(await kept.db.pipelineSecretVersion.count({ where: { secretId: BigInt(id) } })).toBe(0);
    } finally {
      await kept.close();
    }
  });
});
