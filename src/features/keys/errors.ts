/** The errors of the keys feature's use cases, each with its kind and code. */
import { Conflict, NotFound } from '../../core/errors.js';
import { generateKey } from '../../platform/secrets/keyring.js';

/** The keys come from MASTER_KEYS: a command that writes the key file cannot change them. */
export class KeysFromEnvironment extends Conflict {
  readonly code = 'KEYS_FROM_ENVIRONMENT';
  constructor(action: string) {
    const { id, key } = generateKey();
    super(
      `keys come from MASTER_KEYS, not a file: to ${action}, edit MASTER_KEYS on every instance ` +
        `(the first entry is the primary key) and restart them. A new key: ${id}:${key.toString('base64')}`,
    );
  }
}
export class MasterKeyNotFound extends NotFound {
  constructor(keyId: string, file: string) {
    super(`no key '${keyId}' in ${file}`);
  }
}
/** The primary key, or a key that still seals secrets, cannot be removed. */
export class MasterKeyInUse extends Conflict {
  readonly code = 'KEY_IN_USE';
}
