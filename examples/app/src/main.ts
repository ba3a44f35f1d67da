/**
 * An app built on the credentials service's GraphQL API: it lists your credentials, creates one (handling
 * the typed errors), renames it, and deletes it; then stores a pipeline secret (its value write-only), lists it by
 * its name's start and deletes it. Every result is typed from the schema.
 *
 *   CREDENTIALS_URL=http://localhost:8080/graphql CREDENTIALS_TOKEN=cst_… [PERSISTED=true] \
 *     node --import tsx examples/app/src/main.ts
 */
import { createClient } from './client.js';
import { readFragment } from './graphql.js';
import {
  CreateCredential,
  CreatePipelineSecret,
  CredentialFields,
  DeleteCredential,
  DeletePipelineSecret,
  ListCredentials,
  ListPipelineSecrets,
  UpdateCredential,
} from './operations.js';

const url = process.env.CREDENTIALS_URL ?? 'http://localhost:8080/graphql';
const token = process.env.CREDENTIALS_TOKEN;
if (!token) {
  console.error('Set CREDENTIALS_TOKEN to an access token (npm run cli -- tokens create <user>).');
  process.exit(2);
}
const execute = createClient({ url, token, persisted: process.env.PERSISTED === 'true' });

// 1. A page of credentials.
const page = await execute(ListCredentials, { first: 20 });
for (const edge of page.credentials.edges) {
  const credential = readFragment(CredentialFields, edge.node);
  console.log(`listed ${credential.name} (${credential.provider}, ${credential.status})`);
}

// 2. Create one; an invalid input is a typed result, not an exception.
const invalid = await execute(CreateCredential, { input: { name: ' padded ', keys: { github: { token: 'x' } } } });
if (invalid.createCredential.__typename === 'ValidationError') {
  console.log(`refused as expected: ${invalid.createCredential.fields.map((f) => `${f.path} ${f.message}`).join('; ')}`);
} else {
  throw new Error(`expected a ValidationError, got ${invalid.createCredential.__typename}`);
}
const name = `example-${Date.now()}`;
const created = await execute(CreateCredential, {
  input: { name, description: 'made by the example app', keys: { github: { username: 'octocat', token: 'ghp_example' } } },
  idempotencyKey: name,
});
if (created.createCredential.__typename !== 'MutationCreateCredentialSuccess') {
  throw new Error(`create failed: ${created.createCredential.__typename}: ${'message' in created.createCredential ? created.createCredential.message : ''}`);
}
const credential = readFragment(CredentialFields, created.createCredential.data);
console.log(`created ${credential.name} (${credential.id})`);

// 3. Rename it (a secret not sent keeps its stored value).
const updated = await execute(UpdateCredential, { id: credential.id, input: { name: `${name}-renamed`, keys: { github: { username: 'octocat' } } } });
if (updated.updateCredential.__typename !== 'MutationUpdateCredentialSuccess') throw new Error(`update failed: ${updated.updateCredential.__typename}`);
console.log(`renamed to ${readFragment(CredentialFields, updated.updateCredential.data).name}`);

// 4. Delete it; deleting it again is a typed CredentialNotFoundError.
const deleted = await execute(DeleteCredential, { id: credential.id });
if (deleted.deleteCredential.__typename !== 'MutationDeleteCredentialSuccess') throw new Error(`delete failed: ${deleted.deleteCredential.__typename}`);
const again = await execute(DeleteCredential, { id: credential.id });
console.log(`deleted; deleting again: ${again.deleteCredential.__typename}`);

// 5. A pipeline secret: a value a Nextflow run reads as secrets.NAME, never returned once stored.
const secretName = `EXAMPLE_${Date.now()}`;
const stored = await execute(CreatePipelineSecret, { input: { name: secretName, value: 'example-value' } });
if (stored.createPipelineSecret.__typename !== 'MutationCreatePipelineSecretSuccess')
  throw new Error(`create failed: ${stored.createPipelineSecret.__typename}`);
const twice = await execute(CreatePipelineSecret, { input: { name: secretName, value: 'other' } });
console.log(
  `pipeline secret ${stored.createPipelineSecret.data.name} created (${stored.createPipelineSecret.data.id}); again: ${twice.createPipelineSecret.__typename}`,
);
const listed = await execute(ListPipelineSecrets, { nameStartsWith: 'EXAMPLE_' });
console.log(`pipeline secrets named EXAMPLE_…: ${listed.pipelineSecrets.edges.map((e) => e.node.name).join(', ')}`);
const removed = await execute(DeletePipelineSecret, { id: stored.createPipelineSecret.data.id });
console.log(`pipeline secret deleted: ${removed.deletePipelineSecret.__typename}`);
