/**
 * The service as an OIDC issuer, for workload identity federation: a cloud
 * (AWS IAM, Google workload identity pools, Microsoft Entra) trusts
 * PUBLIC_URL as an identity provider, reads its discovery document and JWKS,
 * and exchanges an ID token this service signed for its own short-lived
 * credentials — so a federated credential stores no secret at all.
 *
 * Signing keys (RSA-2048, RS256: the one algorithm every such cloud accepts)
 * are generated here, their private halves sealed by the master key (and
 * re-sealed by `keys rotate`). The newest key signs; every OIDC_KEY_ROTATE_EVERY
 * a new one replaces it (once a minute, one instance at a time, checks), and
 * the replaced key stays in the JWKS for one more period, so a token it signed
 * verifies until it expires (tokens live at most an hour; the period at least
 * one). Each instance re-reads the keys at most every 30 s: one that rotated
 * elsewhere signs with the new key soon after, and the old still verifies.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { newId } from '../../../core/ids.js';
import { LeasedJob, type Leases } from '../../../core/leased-job.js';
import type { Sealer } from '../../../platform/secrets/keyring.js';
import { FederationNotConfigured, NotAnIssuer } from '../errors.js';
import type { SigningKeyRecord } from '../model.js';
import type { SigningKeyStore } from '../ports.js';

export const ALGORITHM = 'RS256';
const KEYS_READ_EVERY_MS = 30_000;
export const ROTATION_LEASE = 'oidc-key-rotation';
const generate = promisify(generateKeyPair);

/** What a signing key's private half is sealed with: its id (a sealed key moved to another row does not open). */
export const signingKeySealingContext = (id: string): string => `signing-key:${id}`;

export interface IssuerOptions {
  /** PUBLIC_URL (the `iss`); undefined: not an issuer. */
  publicUrl: string | undefined;
  rotateEveryMs: number;
  tokenLifetimeSeconds: number;
  clock: () => number;
  onError: (error: unknown) => void;
}

interface LoadedKey {
  id: string;
  jwk: Record<string, unknown>;
  privateKey?: KeyObject;
  createdAt: Date;
}

export interface SigningKeyInfo {
  id: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export class OidcIssuer {
  #keys: { at: number; signing: LoadedKey | undefined; published: LoadedKey[]; records: SigningKeyRecord[] } | undefined;
  #reading: Promise<void> | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  readonly #rotation: LeasedJob<string | undefined>;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly sealer: Sealer,
    leases: Leases,
    private readonly options: IssuerOptions,
  ) {
    this.#rotation = new LeasedJob(leases, ROTATION_LEASE, 60_000, () => this.rotateIfDue(), options.onError);
  }

  /** The `iss` of the tokens; undefined when PUBLIC_URL is not set. */
  get issuer(): string | undefined {
    return this.options.publicUrl;
  }

  /** The discovery document (`/.well-known/openid-configuration`), as GitHub's and Vault's issuers publish it. */
  discovery(): Record<string, unknown> {
    const issuer = this.#issuerOrThrow(new NotAnIssuer());
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [ALGORITHM],
      scopes_supported: ['openid'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'credentials_id', 'provider'],
    };
  }

  /** The published public keys (the signing one and those replaced within one period). */
  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    this.#issuerOrThrow(new NotAnIssuer());
    await this.#ensureSigningKey();
    return { keys: this.#keys!.published.map((k) => k.jwk) };
  }

  /** A signed ID token for `subject` and `audience`, with the credential's claims; lives OIDC_TOKEN_LIFETIME. */
  async mint(input: { subject: string; audience: string; claims: Record<string, string> }): Promise<{ token: string; expiresAt: Date }> {
    const issuer = this.#issuerOrThrow(new FederationNotConfigured());
    const key = await this.#ensureSigningKey();
    const { SignJWT } = await import('jose');
    const now = Math.floor(this.options.clock() / 1000);
    const exp = now + this.options.tokenLifetimeSeconds;
    const token = await new SignJWT(input.claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: key.id, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(input.subject)
      .setAudience(input.audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key.privateKey!);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The stored keys, newest first (the operator's listing). */
  async list(): Promise<SigningKeyInfo[]> {
    await this.#read(true);
    return this.#keys!.records.map(({ id, createdAt, retiredAt }) => ({ id, createdAt, retiredAt }));
  }

  /** A new signing key now (the one before stays published for a period); its id. */
  async rotate(): Promise<string> {
    return this.#exclusively(async () => {
      const id = await this.#add();
      await this.#read(true);
      return id;
    });
  }

  /** Adds a key when none signs or the signing one is a period old; forgets keys retired a period ago. The new key's id, if any. */
  async rotateIfDue(): Promise<string | undefined> {
    if (!this.issuer) return undefined;
    return this.#exclusively(async () => {
      const now = this.options.clock();
      await this.store.removeRetiredBefore(new Date(now - this.options.rotateEveryMs));
      await this.#read(true);
      const signing = this.#keys!.signing;
      if (signing && now - signing.createdAt.getTime() < this.options.rotateEveryMs) return undefined;
      const id = await this.#add();
      await this.#read(true);
      return id;
    });
  }

  start(): void {
    if (this.issuer) this.#rotation.start();
  }

  stop(): Promise<void> {
    return this.#rotation.stop();
  }

  #issuerOrThrow(error: Error): string {
    if (!this.options.publicUrl) throw error;
    return this.options.publicUrl;
  }

  async #ensureSigningKey(): Promise<LoadedKey> {
    await this.#read(false);
    // The first key: made once in this process, however many requests (and the rotation job) ask at once.
    if (!this.#keys!.signing) await this.rotateIfDue();
    return this.#keys!.signing!;
  }

  /** Runs one key change at a time in this process. */
  #exclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work);
    this.#serial = run.catch(() => {});
    return run;
  }

  async #add(): Promise<string> {
    const { privateKey } = await generate('rsa', { modulusLength: 2048 });
    const id = newId();
    const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: id, alg: ALGORITHM, use: 'sig' };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await this.store.add({
      id,
      algorithm: ALGORITHM,
      publicJwk: JSON.stringify(jwk),
      secret: this.sealer.seal(pem, signingKeySealingContext(id)),
      createdAt: new Date(this.options.clock()),
    });
    return id;
  }

  /** Loads the published keys (the signing one opened) when older than 30 s, or now when `fresh`. */
  async #read(fresh: boolean): Promise<void> {
    const now = Date.now();
    if (!fresh && this.#keys && now - this.#keys.at < KEYS_READ_EVERY_MS) return;
    if (this.#reading) {
      await this.#reading;
      if (!fresh) return;
    }
    this.#reading = (async () => {
      const records = await this.store.published(new Date(this.options.clock() - this.options.rotateEveryMs));
      const published = records.map((r) => ({ id: r.id, jwk: JSON.parse(r.publicJwk) as Record<string, unknown>, createdAt: r.createdAt }));
      const current = records.find((r) => r.retiredAt === null);
      const signing = current && {
        ...published.find((k) => k.id === current.id)!,
        privateKey: createPrivateKey(this.sealer.open(current.secret, signingKeySealingContext(current.id))),
      };
      this.#keys = { at: now, signing, published, records };
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }
}
