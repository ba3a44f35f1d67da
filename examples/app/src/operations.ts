/**
 * The operations this app sends. Their result and variable types come from the schema; every document
 * here is also published as a persisted operation (persisted-operations.json, `npm run codegen`), so that a
 * server in GRAPHQL_TRUSTED_DOCUMENTS=only mode runs these and nothing else.
 */
import { graphql } from './graphql.js';

export const CredentialFields = graphql(`
  fragment CredentialFields on Credential {
    id
    name
    description
    provider
    status
    lastUpdated
  }
`);

export const ListCredentials = graphql(
  `
  query ListCredentials($first: Int!, $after: String) {
    credentials(first: $first, after: $after) {
      edges { node { ...CredentialFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [CredentialFields],
);

export const CreateCredential = graphql(
  `
  mutation CreateCredential($input: CredentialInput!, $idempotencyKey: String) {
    createCredential(input: $input, idempotencyKey: $idempotencyKey) {
      __typename
      ... on MutationCreateCredentialSuccess { data { ...CredentialFields } }
      ... on ValidationError { message fields { path message } }
      ... on CredentialNameTakenError { message name }
      ... on Error { message }
    }
  }
`,
  [CredentialFields],
);

export const UpdateCredential = graphql(
  `
  mutation UpdateCredential($id: ID!, $input: CredentialInput!) {
    updateCredential(id: $id, input: $input) {
      __typename
      ... on MutationUpdateCredentialSuccess { data { ...CredentialFields } }
      ... on ValidationError { message fields { path message } }
      ... on Error { message }
    }
  }
`,
  [CredentialFields],
);

export const DeleteCredential = graphql(`
  mutation DeleteCredential($id: ID!) {
    deleteCredential(id: $id) {
      __typename
      ... on MutationDeleteCredentialSuccess { data }
      ... on Error { message }
    }
  }
`);

export const CreatePipelineSecret = graphql(`
  mutation CreatePipelineSecret($input: PipelineSecretInput!) {
    createPipelineSecret(input: $input) {
      __typename
      ... on MutationCreatePipelineSecretSuccess { data { id name dateCreated } }
      ... on PipelineSecretNameTakenError { message name }
      ... on Error { message }
    }
  }
`);

export const ListPipelineSecrets = graphql(`
  query ListPipelineSecrets($nameStartsWith: String) {
    pipelineSecrets(first: 100, nameStartsWith: $nameStartsWith) {
      edges { node { id name lastUpdated lastUsed } }
    }
  }
`);

export const DeletePipelineSecret = graphql(`
  mutation DeletePipelineSecret($id: ID!) {
    deletePipelineSecret(id: $id) {
      __typename
      ... on Error { message }
    }
  }
`);

/** Every operation the app sends (published as persisted operations by scripts/persist.ts). */
export const operations = {
  ListCredentials,
  CreateCredential,
  UpdateCredential,
  DeleteCredential,
  CreatePipelineSecret,
  ListPipelineSecrets,
  DeletePipelineSecret,
};
