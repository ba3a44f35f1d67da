/**
 * Paired services: the services (Wave, an agent of a compute platform) that
 * may receive secrets, each with its public key. A secret is delivered
 * encrypted for one pairing's key, and only that service can open it. RSA keys
 * of 2048 bits or more (RSA-OAEP-256) and EC P-256 keys (ECDH-ES+A256KW) are
 * accepted; anything else is refused, saying why.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { type AuditActor, actorOf, OPERATOR } from '../../../core/caller.js';
import { ValidationError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { nameText } from '../../../core/text.js';
import { type GuardedHttp, ProbeRefused, ProbeUnreachable } from '../../../infra/guarded-http.js';
import { PairingExists, PairingNotFound, UnsupportedPairingKey } from '../errors.js';
import type { PairingRecord } from '../model.js';
import type { PairingStore } from '../ports.js';
import { algorithmFor, type KeyAlgorithm } from '../rules/key-algorithm.js';
import { PACKET_ALGORITHM } from '../rules/packet.js';

/** How often a pairing's last use is written at most. */
const PAIRING_USE_RESOLUTION_MS = 60_000;

export type PairingAlgorithm = KeyAlgorithm;

/** A paired service as the doors show it. */
export type Pairing = PairingRecord;

const pairingName = nameText(64);

export interface PairingSettings {
  /** The guard calls to Wave go through (PAIRING_ALLOWED_HOSTS: a Wave host must be listed). */
  http?: GuardedHttp;
  /** Where Wave calls this service back (PUBLIC_URL; `/api` is appended). */
  publicUrl?: string;
  clock?: () => number;
}

/** Wave's answer to POST /pairing. */
const WAVE_PAIRING_ID = /^[0-9]{1,20}$/;

export class Pairings {
  constructor(
    private readonly store: PairingStore,
    private readonly settings: PairingSettings = {},
  ) {}

  /**
   * Pairs with a Wave instance as Wave expects: asks `POST <wave>/pairing`
   * (`{"service": "tower", "endpoint": "<PUBLIC_URL>/api"}`) for the key Wave
   * minted, and stores Wave's pairingId and RSA public key as a `wave` pairing
   * (deliveries to it are Wave's encrypted packet). Asked again with the same
   * Wave URL, Wave's answer renews the pairing when it is the same key.
   */
  async pairWithWave(name: string, waveUrl: string, by: AuditActor = actorOf(OPERATOR)): Promise<PairingRecord> {
    const checkedName = pairingName.safeParse(name);
    if (!checkedName.success) throw ValidationError.of('name', checkedName.error.issues[0]!.message);
    const { http, publicUrl } = this.settings;
    if (!publicUrl || !http) throw ValidationError.of('', 'PUBLIC_URL must be set (the URL Wave calls this service at) to pair with Wave');
    let base: URL;
    try {
      base = new URL(waveUrl);
    } catch {
      throw ValidationError.of('wave', 'must be the URL of a Wave instance (https://wave.example.com)');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw ValidationError.of('wave', 'must be an https URL');
    const endpoint = base.href.replace(/\/+$/, '');
    const answer = await this.askWave(http, endpoint, publicUrl);
    const existing = await this.store.findByEndpoint(endpoint);
    if (existing && existing.id === answer.pairingId && existing.fingerprint === answer.fingerprint) {
      await this.store.renewed(existing.id, new Date(this.#now()));
      return { ...existing, renewedAt: new Date(this.#now()) };
    }
    if (existing) throw new PairingExists();
    const created = await this.store.insert(
      {
        id: answer.pairingId,
        name: checkedName.data,
        algorithm: PACKET_ALGORITHM,
        publicKey: answer.publicKey,
        fingerprint: answer.fingerprint,
        kind: 'wave',
        endpoint,
        renewedAt: new Date(this.#now()),
      },
      by,
    );
    if (created === 'duplicate') throw new PairingExists();
    return created;
  }

  /**
   * Records a delivery to the pairing: its last use is written at most once a minute (the first delivery after a
   * minute writes it); each delivery's own record (what was delivered, its audit row) is written every time.
   */
  async used(pairing: Pick<PairingRecord, 'id' | 'lastUsedAt'>, at: Date): Promise<void> {
    if (pairing.lastUsedAt === null || at.getTime() - pairing.lastUsedAt.getTime() >= PAIRING_USE_RESOLUTION_MS) {
      await this.store.used(pairing.id, at);
    }
  }

  #now(): number {
    return (this.settings.clock ?? Date.now)();
  }

  /** Wave's answer to POST /pairing, checked (the pairingId digits, an RSA key of 2048 bits or more). */
  async askWave(http: GuardedHttp, endpoint: string, publicUrl: string): Promise<{ pairingId: string; publicKey: string; fingerprint: string }> {
    let response: Awaited<ReturnType<GuardedHttp['request']>>;
    try {
      response = await http.request(new URL(`${endpoint}/pairing`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ service: 'tower', endpoint: `${publicUrl.replace(/\/+$/, '')}/api` }),
        // Only hosts the operator lists in PAIRING_ALLOWED_HOSTS.
        publicHosts: [],
      });
    } catch (error) {
      if (error instanceof ProbeRefused) throw ValidationError.of('wave', error.message);
      if (error instanceof ProbeUnreachable) throw ValidationError.of('wave', `Wave could not be reached: ${error.message}`);
      throw error;
    }
    if (response.status !== 200) throw ValidationError.of('wave', `Wave answered HTTP ${response.status} to POST /pairing`);
    let body: { pairingId?: unknown; publicKey?: unknown };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      throw ValidationError.of('wave', 'Wave answered POST /pairing with no JSON');
    }
    if (typeof body.pairingId !== 'string' || !WAVE_PAIRING_ID.test(body.pairingId))
      throw ValidationError.of('wave', "Wave's answer has no pairingId of digits");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(String(body.publicKey), 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw ValidationError.of('wave', "Wave's answer has no readable public key (base64 of an X.509 SubjectPublicKeyInfo)");
    }
    if (algorithmFor(key) !== 'RSA-OAEP-256') throw new UnsupportedPairingKey("Wave's key must be RSA (2048 bits or more)");
    const der = key.export({ type: 'spki', format: 'der' });
    return {
      pairingId: body.pairingId,
      publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: createHash('sha256').update(der).digest('base64url'),
    };
  }

  /** Registers a service that may receive secrets, by its public key (PEM). */
  async add(name: string, publicKeyPem: string, by: AuditActor = actorOf(OPERATOR)): Promise<PairingRecord> {
    const checkedName = pairingName.safeParse(name);
    if (!checkedName.success) throw ValidationError.of('name', checkedName.error.issues[0]!.message);
    // Node would derive the public key from a private one: refuse it instead, the private key must stay with the service.
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(publicKeyPem)) {
      throw new UnsupportedPairingKey('This is a private key: give the public key (openssl pkey -in key.pem -pubout); the private key stays with the service');
    }
    let key: KeyObject;
    try {
      key = createPublicKey(publicKeyPem);
    } catch {
      throw new UnsupportedPairingKey('The public key cannot be read: expected a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    if (key.type !== 'public') throw new UnsupportedPairingKey('Expected a public key');
    const algorithm = algorithmFor(key);
    const der = key.export({ type: 'spki', format: 'der' });
    const created = await this.store.insert(
      {
        id: newId(),
        name: checkedName.data,
        algorithm,
        publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
        fingerprint: createHash('sha256').update(der).digest('base64url'),
      },
      by,
    );
    if (created === 'duplicate') throw new PairingExists();
    return created;
  }

  list(): Promise<PairingRecord[]> {
    return this.store.list();
  }

  /** A pairing keys may be delivered to now: a replaced Wave pairing only until it retires. */
  async find(id: string): Promise<PairingRecord> {
    const pairing = id ? await this.store.find(id) : null;
    if (!pairing || (pairing.retiresAt !== null && pairing.retiresAt.getTime() <= this.#now())) throw new PairingNotFound(id);
    return pairing;
  }

  /**
   * Renews every Wave pairing last confirmed longer ago than `everyMs`: asks
   * Wave again (it answers the same pairing within its lease). A new pairingId
   * (Wave's lease ran out, a new key) replaces the old pairing, which stays
   * accepted for `graceMs` (deliveries Wave asked for with the old id still work).
   * How many were confirmed and replaced; a Wave that cannot be reached is tried again next time.
   */
  async renewWave(everyMs: number, graceMs: number, onFailure: (pairingId: string, reason: string) => void): Promise<{ renewed: number; replaced: number }> {
    const { http, publicUrl } = this.settings;
    const done = { renewed: 0, replaced: 0 };
    if (!http || !publicUrl) return done;
    const now = this.#now();
    for (const pairing of await this.store.dueForRenewal(new Date(now - everyMs))) {
      let answer: Awaited<ReturnType<Pairings['askWave']>>;
      try {
        answer = await this.askWave(http, pairing.endpoint!, publicUrl);
      } catch (error) {
        onFailure(pairing.id, (error as Error).message);
        continue;
      }
      if (answer.pairingId === pairing.id && answer.fingerprint === pairing.fingerprint) {
        await this.store.renewed(pairing.id, new Date(now));
        done.renewed++;
        continue;
      }
      const next = {
        id: answer.pairingId,
        name: pairing.name,
        algorithm: PACKET_ALGORITHM,
        publicKey: answer.publicKey,
        fingerprint: answer.fingerprint,
        kind: 'wave',
        endpoint: pairing.endpoint,
        renewedAt: new Date(now),
      };
      if (await this.store.replace(pairing, next, new Date(now + graceMs), { actor: 'background', door: 'background' })) done.replaced++;
    }
    return done;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.remove(id))) throw new PairingNotFound(id);
  }
}
