/**
 * A credential's key material as the use cases write it: the view of a record
 * (with its provider's setup snippet), the keys as stored (secret fields sealed
 * together for the credential), and its versions (secret fields sealed for
 * each version alone).
 */
import type { Owner } from '../../../core/caller.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { type KeyValues, type ProviderSpec, providers, returnedFields, secretFields } from '../../providers/index.js';
import type { CredentialRecord, NewVersion, SealedCredential, StoredKeys } from '../model.js';
import { changedFields, pick } from '../rules/material.js';
import { sealingContext, versionSealingContext } from '../rules/sealing.js';
import { type CredentialView, toView } from '../rules/view.js';
import type { CredentialSettings } from './options.js';

export class SealedKeys {
  constructor(
    private readonly sealer: Sealer,
    private readonly settings: CredentialSettings,
  ) {}

  /** The view of a record, with its provider's setup snippet. */
  view(record: CredentialRecord): CredentialView {
    return toView(record, providers.get(record.provider)?.setupSnippet?.(record.keys, this.settings, record) ?? null);
  }

  /** The keys as stored: returned fields in clear, secret fields sealed together for this credential. */
  stored(spec: ProviderSpec, keys: KeyValues, credential: { id: string; owner: Owner }): { keys: StoredKeys; secret: string | null } {
    const returned = pick(keys, returnedFields(spec));
    const secrets = pick(keys, secretFields(spec));
    return {
      keys: returned,
      secret: Object.keys(secrets).length > 0 ? this.sealer.seal(JSON.stringify(secrets), sealingContext({ ...credential, provider: spec.id })) : null,
    };
  }

  /**
   * The versions to record for a change of key material: the new one, after
   * the state before it when the credential has none recorded yet (one created
   * before versions were kept: its material as it was, by nobody known).
   */
  versionsOfChange(
    current: SealedCredential,
    stored: KeyValues,
    spec: ProviderSpec,
    newKeys: StoredKeys,
    newBaseUrl: string | null,
    allKeys: KeyValues,
    made: Pick<NewVersion, 'at' | 'restoredFrom' | 'by'>,
  ): NewVersion[] {
    const versions: NewVersion[] = [];
    let number = current.keyVersion + 1;
    if (current.keyVersion === 0) {
      versions.push(
        this.version(current, 1, current.keys, current.baseUrl, stored, spec, {
          changed: [],
          at: new Date(current.lastUpdated),
          restoredFrom: null,
          by: null,
        }),
      );
      number = 2;
    }
    versions.push(
      this.version(current, number, newKeys, newBaseUrl, allKeys, spec, { ...made, changed: changedFields(stored, current.baseUrl, allKeys, newBaseUrl) }),
    );
    return versions;
  }

  /** A version of material: its returned keys, base URL, and its secret fields sealed for this version alone. */
  version(
    credential: { id: string; owner: Owner; provider: string },
    number: number,
    keys: StoredKeys,
    baseUrl: string | null,
    allKeys: KeyValues,
    spec: ProviderSpec,
    rest: Pick<NewVersion, 'changed' | 'at' | 'restoredFrom' | 'by'>,
  ): NewVersion {
    const secrets = pick(allKeys, secretFields(spec));
    const secret = Object.keys(secrets).length > 0 ? this.sealer.seal(JSON.stringify(secrets), versionSealingContext(credential, number)) : null;
    return { number, keys, baseUrl, secret, ...rest };
  }
}
