export interface PairingRecord {
  id: string;
  name: string;
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  createdAt: Date;
  /** `jwe` or `wave` (see the Pairing model). */
  kind: string;
  /** A `wave` pairing's Wave URL. */
  endpoint: string | null;
  renewedAt: Date | null;
  lastUsedAt: Date | null;
  /** A replaced `wave` pairing: accepted until then. */
  retiresAt: Date | null;
}

export interface SigningKeyRecord {
  id: string;
  algorithm: string;
  /** The public JWK, JSON. */
  publicJwk: string;
  /** The sealed private key. */
  secret: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** A pairing to store (the store sets the rest). */
export type NewPairing = Omit<PairingRecord, 'createdAt' | 'kind' | 'endpoint' | 'renewedAt' | 'lastUsedAt' | 'retiresAt'> &
  Partial<Pick<PairingRecord, 'kind' | 'endpoint' | 'renewedAt'>>;
