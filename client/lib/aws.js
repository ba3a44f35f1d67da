// @ts-check
/**
 * `credentials aws-credential-process`: AWS's credential_process answer for one credential, on standard output —
 * `{"Version": 1, "AccessKeyId", "SecretAccessKey"}`, with `SessionToken` and `Expiration` for a session (a role:
 * the service hands out STS sessions). The AWS SDKs and CLI run it again before Expiration, so a profile that names
 * it renews itself for as long as a run lasts.
 */
import { deliver } from './delivery.js';
import { ClientError } from './errors.js';

const AWS_PROVIDERS = new Set(['aws', 's3']);

/** @param {import('./delivery.js').Session} session @param {{ credential?: string, workspace?: string }} options */
export async function awsCredentialProcess(session, options) {
  if (!options.credential) throw new ClientError('name the AWS credential: --credential NAME');
  const delivery = await deliver(session, { credentials: [options.credential], secrets: [], workspace: options.workspace });
  const credential = delivery.credentials[0];
  if (!credential || !AWS_PROVIDERS.has(credential.provider)) {
    throw new ClientError(`credential ${options.credential} is not an AWS credential (${credential?.provider ?? 'none'})`);
  }
  const keys = credential.keys;
  if (!keys.accessKey || !keys.secretKey) throw new ClientError(`credential ${options.credential} holds no access key`);
  return {
    Version: 1,
    AccessKeyId: keys.accessKey,
    SecretAccessKey: keys.secretKey,
    ...(keys.sessionToken ? { SessionToken: keys.sessionToken } : {}),
    ...(keys.expiration ? { Expiration: keys.expiration } : {}),
  };
}
