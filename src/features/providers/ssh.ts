/** SSH: a private key (PEM or OpenSSH) and its passphrase. */
import { createPrivateKey } from 'node:crypto';
import { LONG, type ProviderSpec, present, str } from './fields.js';
import { sshKey } from './probes/offline.js';

const SSH_KEY = /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----\r?\n([\s\S]+?)\r?\n-----END \1?PRIVATE KEY-----\s*$/;

/** True when `pem` is a private key in one of the formats SSH clients read. */
export function isParseableSshKey(pem: string, passphrase?: string): boolean {
  const match = SSH_KEY.exec(pem.trim());
  if (!match) return false;
  const kind = match[1]?.trim();
  const body = match[2]!.replace(/^[A-Za-z-]+:.*\r?\n/gm, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return false;
  const der = Buffer.from(body, 'base64');
  // Node cannot read the OpenSSH container; check its magic instead.
  if (kind === 'OPENSSH') return der.subarray(0, 15).toString('latin1') === 'openssh-key-v1\0';
  try {
    createPrivateKey({ key: pem, passphrase: passphrase ?? '' });
    return true;
  } catch (error) {
    // An encrypted key we cannot open without its passphrase is still a key.
    return /passphrase|decrypt|bad decrypt/i.test(String((error as Error).message)) && /ENCRYPTED/.test(pem);
  }
}

export const sshProviders = [
  {
    id: 'ssh',
    title: 'SSH',
    fields: {
      privateKey: str(true, 'Private key (PEM or OpenSSH format)', LONG),
      passphrase: str(true, 'Passphrase of the private key'),
    },
    check: (keys) => {
      if (!present(keys.privateKey)) return [{ field: 'privateKey', message: 'is required' }];
      const passphrase = present(keys.passphrase) ? String(keys.passphrase) : undefined;
      return isParseableSshKey(String(keys.privateKey), passphrase) ? [] : [{ field: 'privateKey', message: 'Unrecognised SSH private key type' }];
    },
    probe: sshKey,
  },
] as const satisfies readonly ProviderSpec[];
