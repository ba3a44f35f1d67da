/**
 * Proof that a backup can be restored: every sealed value it holds (the live
 * secrets and every version's, of deleted credentials too until purged; pipeline secrets' values) opens
 * with the given master keys, under the associated data of its slot. Nothing
 * opened is kept or shown: only counts, and the slots that did not open.
 */
import type { Owner } from '../../../core/caller.js';
import { sealingContext, versionSealingContext } from '../../credentials/index.js';
import { pipelineSecretSealingContext } from '../../pipeline-secrets/index.js';
import type { SnapshotSealedValue } from '../model.js';

export interface SealCheck {
  /** Sealed values in the backup. */
  sealed: number;
  /** Of them, opened with the keys. */
  opened: number;
  /** The slots that did not open (`<id>`, `<id>#<version>` or `pipeline-secret:<id>`), at most MAX_LISTED. */
  unreadable: string[];
  unreadableCount: number;
}

const MAX_LISTED = 20;

export function checkSealedValues(
  values: readonly SnapshotSealedValue[],
  keys: { open(sealed: string, associatedData: string): string },
  progress: (done: number, total: number) => void = () => {},
): SealCheck {
  const unreadable: string[] = [];
  let opened = 0;
  let unreadableCount = 0;
  values.forEach((value, index) => {
    const slot = value.pipelineSecret
      ? pipelineSecretSealingContext(value.version === null ? value.id : `${value.id}#${value.version}`)
      : value.version === null
        ? value.id
        : `${value.id}#${value.version}`;
    const owner: Owner = value.userId !== null ? { kind: 'user', id: value.userId } : { kind: 'workspace', id: Number(value.workspaceId) };
    const credential = { id: value.id, owner, provider: value.provider };
    try {
      keys.open(
        value.secret,
        value.pipelineSecret ? slot : value.version === null ? sealingContext(credential) : versionSealingContext(credential, value.version),
      );
      opened++;
    } catch {
      unreadableCount++;
      if (unreadable.length < MAX_LISTED) unreadable.push(slot);
    }
    if (index % 100 === 99 || index === values.length - 1) progress(index + 1, values.length);
  });
  return { sealed: values.length, opened, unreadable, unreadableCount };
}
