/** Valid keys for every provider, and helpers to read what the database holds. */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealingContext } from '../../src/features/credentials/rules/sealing.js';
import { type KeyRing, keyRingFromFile } from '../../src/platform/secrets/keyring.js';
import type { TestServer } from './server.js';

export const SSH_KEY_OPENSSH = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), Buffer.alloc(48, 7)]).toString('base64'),
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

/** For each provider, keys that satisfy it; `secret` is a value that must never be returned. */
export const validKeys: Record<string, Record<string, unknown>> = {
  aws: { accessKey: 'AKIAEXAMPLE', secretKey: 'aws-secret-VALUE-1' },
  seqeracompute: { accessKey: 'AKIASEQERA', secretKey: 'seqera-secret-VALUE-2' },
  s3: { accessKey: 'minio', secretKey: 's3-secret-VALUE-3', pathStyleAccessEnabled: true },
  google: { data: '{"type":"service_account","private_key":"google-secret-VALUE-4"}' },
  github: { username: 'octocat', token: 'ghp_github-secret-VALUE-5' },
  github_app: { appId: '12345', clientId: 'Iv1.abc', slug: 'my-app', privateKey: 'github-app-secret-VALUE-6' },
  gitlab: { username: 'gl', password: 'gitlab-secret-VALUE-7' },
  bitbucket: { username: 'bb', token: 'bitbucket-secret-VALUE-8' },
  gitea: { username: 'gt', token: 'gitea-secret-VALUE-9' },
  azurerepos: { username: 'az', token: 'azurerepos-secret-VALUE-10' },
  codecommit: { username: 'cc', password: 'codecommit-secret-VALUE-11' },
  ssh: { privateKey: SSH_KEY_OPENSSH, passphrase: 'ssh-secret-VALUE-12' },
  k8s: { token: 'k8s-secret-VALUE-13' },
  azure: { batchName: 'batch', storageName: 'store', batchKey: 'azure-secret-VALUE-14', storageKey: 'azure-secret-VALUE-15' },
  azure_entra: {
    batchName: 'batch',
    storageName: 'store',
    tenantId: 't',
    clientId: 'c',
    clientSecret: 'entra-secret-VALUE-16',
  },
  'azure-cloud': {
    tenantId: 't',
    clientId: 'c',
    clientSecret: 'azure-cloud-secret-VALUE-17',
    subscriptionId: 'sub',
  },
  'container-reg': { userName: 'robot', password: 'registry-secret-VALUE-18', registry: 'quay.io' },
  'tw-agent': { connectionId: 'conn-1', workDir: '/scratch', shared: true },
};

/** A stored credential row's sealed secret, opened with `ring` (a row as the database holds it). */
export function openStoredSecret(
  ring: KeyRing,
  row: { id: string; userId: string | null; workspaceId?: number | null; provider: string; secret: string },
): Record<string, unknown> {
  const owner = row.userId !== null ? { kind: 'user' as const, id: row.userId } : { kind: 'workspace' as const, id: Number(row.workspaceId) };
  return JSON.parse(ring.open(row.secret, sealingContext({ id: row.id, owner, provider: row.provider }))) as Record<string, unknown>;
}

/** The secret key fields stored for a credential, opened with the server's key file. */
export async function storedSecrets(server: TestServer, id: string): Promise<Record<string, unknown> | null> {
  const row = await server.db.credential.findUniqueOrThrow({ where: { id } });
  if (!row.secret) return null;
  return openStoredSecret(keyRingFromFile(server.config.masterKeyFile), { ...row, secret: row.secret });
}

export const countCredentials = (server: TestServer) => server.db.credential.count();

/** A self-signed certificate valid for `days` days (openssl), PEM. */
export function selfSignedCertificate(days: number, scratch: string): string {
  const dir = mkdtempSync(join(scratch, 'cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=client',
      '-days',
      String(days),
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return readFileSync(join(dir, 'cert.pem'), 'utf8');
}

/** An OpenSSH user certificate valid for `days` days from now (ssh-keygen), its public-key line. */
export function sshCertificate(days: number, scratch: string): string {
  const dir = mkdtempSync(join(scratch, 'ssh-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ca')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user')]);
  execFileSync('ssh-keygen', ['-q', '-s', join(dir, 'ca'), '-I', 'user', '-n', 'deploy', '-V', `+${days}d`, join(dir, 'user.pub')]);
  return readFileSync(join(dir, 'user-cert.pub'), 'utf8').trim();
}
