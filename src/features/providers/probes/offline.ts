/** Probes that decide offline: a key parses and its passphrase opens it, an id has its form. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { MaybePromise } from '../../../core/maybe.js';
import { invalid, type Probe, type ProbeTarget, text, VALID } from './common.js';

export const offline =
  (check: (keys: ProbeTarget['keys']) => MaybePromise<string | undefined>): Probe =>
  async (target) => {
    const problem = await check(target.keys);
    return problem ? invalid(problem) : VALID;
  };

export function privateKeyProblem(pem: unknown, what: string): string | undefined {
  try {
    createPrivateKey({ key: text(pem) });
    return undefined;
  } catch (error) {
    return `${what} cannot be read: ${(error as Error).message}`;
  }
}

/** An SSH private key (OpenSSH or PEM) that parses, and that its passphrase opens. */
async function sshKeyProblem(keys: ProbeTarget['keys']): Promise<string | undefined> {
  const passphrase = text(keys.passphrase) || undefined;
  // ssh2 and jose are loaded when a probe first needs them (about 20 MB a service may never use).
  const { default: ssh2 } = await import('ssh2');
  const parsed = ssh2.utils.parseKey(text(keys.privateKey), passphrase);
  if (parsed instanceof Error) {
    return /passphrase|decrypt|bad decrypt|encrypted/i.test(parsed.message)
      ? `privateKey is encrypted and ${passphrase ? 'the passphrase does not open it' : 'no passphrase was given'}`
      : `privateKey cannot be read: ${parsed.message}`;
  }
  return undefined;
}

function kubernetesProblem(keys: ProbeTarget['keys']): string | undefined {
  if (text(keys.token)) return undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(text(keys.certificate));
  } catch (error) {
    return `certificate cannot be read: ${(error as Error).message}`;
  }
  const keyProblem = privateKeyProblem(keys.privateKey, 'privateKey');
  if (keyProblem) return keyProblem;
  if (!certificate.checkPrivateKey(createPrivateKey(text(keys.privateKey)))) return 'privateKey is not the key of certificate';
  if (new Date(certificate.validTo).getTime() < Date.now()) return `certificate expired on ${new Date(certificate.validTo).toISOString()}`;
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZURE_KEY = /^[A-Za-z0-9+/]{86}==$/;

function azureProblem(keys: ProbeTarget['keys']): string | undefined {
  for (const [field, rule, what] of [
    ['batchName', AZURE_ACCOUNT, '3-24 lower-case letters and digits'],
    ['storageName', AZURE_ACCOUNT, '3-24 lower-case letters and digits'],
    ['batchKey', AZURE_KEY, 'an account key (88 characters of base64)'],
    ['storageKey', AZURE_KEY, 'an account key (88 characters of base64)'],
    ['tenantId', GUID, 'a GUID'],
    ['clientId', GUID, 'a GUID'],
  ] as const) {
    if (text(keys[field]) && !rule.test(text(keys[field]))) return `${field} is not ${what}`;
  }
  return undefined;
}

/** An SSH key: it parses, and its passphrase opens it. */
export const sshKey = offline(sshKeyProblem);
/** A Kubernetes client certificate and key (or a token). */
export const kubernetes = offline(kubernetesProblem);
/** Azure's account names, keys and ids. */
export const azure = offline(azureProblem);
/** Nothing more to check than the provider's rules on create (an S3-compatible store has no common identity endpoint). */
export const formOnly = offline(() => undefined);
