/** Unit tests of the domain's pure parts: ids, names, provider rules, sealing, and the REST wire writer. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { newId, randomBase62 } from '../../src/core/ids.js';
import { timestampOf } from '../../src/core/time.js';
import { restSpec, SEED_KEY_PAIR } from '../../src/features/credentials/doors/rest/legacy.js';
import { credentialsRead, describeResponse } from '../../src/features/credentials/doors/rest/schemas.js';
import { describeJson, listJson } from '../../src/features/credentials/doors/rest/wire.js';
import { type CredentialInput, checkKeys, parseCredentialInput, parseName } from '../../src/features/credentials/rules/input.js';
import type { CredentialView } from '../../src/features/credentials/rules/view.js';
import { isParseableSshKey, providerIds, providers, returnedFields, secretFields } from '../../src/features/providers/index.js';
import { generateKey, KeyRing, SecretUnreadable } from '../../src/platform/secrets/keyring.js';
import { contractKeys } from '../helpers/contract.js';
import { SSH_KEY_OPENSSH, validKeys } from '../helpers/fixtures.js';

describe('ids', () => {
  it('are 22 base62 characters, distinct, and use the whole alphabet evenly', () => {
    const ids = Array.from({ length: 2000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Each character is expected 1000 times; a biased mapping (byte % 62 without rejection) skews the first 8 by ~25%.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
  });
});

describe('provider table', () => {
  it('declares the providers of the contract, and no other', () => {
    expect([...providerIds].sort()).toEqual(Object.keys(contractKeys).sort());
  });

  it("splits returned and write-only fields as the contract says (on REST, with the seed API's generic pair)", () => {
    const spec = (id: string) => restSpec(providers.get(id)!);
    expect(secretFields(spec('aws'))).toEqual(['secretKey']);
    expect(returnedFields(spec('aws'))).toEqual(['accessKey', 'assumeRoleArn', 'mode', 'externalId']);
    expect([...secretFields(spec('github'))].sort()).toEqual(['password', 'secretKey', 'token']);
    expect([...returnedFields(spec('github'))].sort()).toEqual(['accessKey', 'username']);
    expect([...secretFields(spec('ssh'))].sort()).toEqual(['passphrase', 'privateKey', 'secretKey']);
    expect(returnedFields(spec('container-reg'))).toContain('userName');
    expect([...secretFields(spec('azure-cloud'))].sort()).toEqual(['batchKey', 'clientSecret', 'secretKey', 'storageKey']);
    expect(secretFields(spec('tw-agent'))).toEqual(['secretKey']);
  });

  it('accepts valid keys for every provider', () => {
    for (const [provider, keys] of Object.entries(validKeys)) {
      const valid = parseCredentialInput({ name: 'n', provider, keys });
      expect(() => checkKeys(valid.provider, valid.keys), provider).not.toThrow();
    }
  });

  it('accepts the seed-era generic accessKey/secretKey pair for git providers where a door accepts it (REST), not otherwise', () => {
    const valid = parseCredentialInput({ name: 'n', provider: 'github', keys: { accessKey: 'A', secretKey: 'S' } }, SEED_KEY_PAIR);
    expect(() => checkKeys(valid.provider, valid.keys)).not.toThrow();
    expect(secretFields(valid.provider)).toContain('secretKey');
    expect(() => parseCredentialInput({ name: 'n', provider: 'github', keys: { accessKey: 'A', secretKey: 'S' } })).toThrow(/not a key of provider github/);
  });

  it('names every field of another provider, every missing requirement, and an unknown provider', () => {
    const problems = (input: CredentialInput) => {
      try {
        const valid = parseCredentialInput(input);
        checkKeys(valid.provider, valid.keys);
      } catch (error) {
        return (error as ValidationError).problems;
      }
      return [];
    };
    expect(problems({ name: 'n', provider: 'aws', keys: { username: 'u', password: 'p', accessKey: 'a', secretKey: 's' } })).toEqual([
      { path: 'keys.username', message: 'not a key of provider aws' },
      { path: 'keys.password', message: 'not a key of provider aws' },
    ]);
    expect(problems({ name: 'n', provider: 'vault', keys: {} })[0]!.message).toMatch(/unknown provider 'vault'; expected one of aws,/);
    expect(problems({ name: 'n', keys: {} })).toEqual([{ path: 'provider', message: 'is required' }]);
    expect(problems({ name: 'n', provider: 'container-reg', keys: { userName: 'u', registry: 'quay.io' } })).toEqual([
      { path: 'keys.password', message: 'is required' },
    ]);
    expect(problems({ name: 'n', provider: 'azure_entra', keys: { tenantId: 't' } }).map((p) => p.path)).toEqual(['keys.clientId']);
    expect(problems({ name: 'n', provider: 'k8s', keys: {} })).toEqual([{ path: 'keys', message: 'token, or certificate with privateKey, is required' }]);
    expect(problems({ name: 'n', provider: 's3', keys: { pathStyleAccessEnabled: 'yes' } })).toContainEqual({
      path: 'keys.pathStyleAccessEnabled',
      message: 'must be true or false',
    });
  });
});

describe('names', () => {
  it('accepts printable names with inner spaces and rejects empty, long, control and padded names', () => {
    expect(parseName('Git Hub Access Credentials')).toBe('Git Hub Access Credentials');
    expect(parseName('x'.repeat(100))).toHaveLength(100);
    for (const bad of ['', 'x'.repeat(101), 'a\nb', 'a\u0000b', 'a\u009fb', ' a', 'a ', 42, null]) {
      expect(() => parseName(bad), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });
});

describe('SSH private keys', () => {
  it('recognises PEM keys (RSA, EC, PKCS#8 ed25519, encrypted) and the OpenSSH container', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(isParseableSshKey(rsa.export({ format: 'pem', type: 'pkcs1' }).toString())).toBe(true);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(isParseableSshKey(ec.export({ format: 'pem', type: 'sec1' }).toString())).toBe(true);
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(isParseableSshKey(ed.export({ format: 'pem', type: 'pkcs8' }).toString())).toBe(true);
    const encrypted = ed.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(isParseableSshKey(encrypted, 'pw')).toBe(true);
    expect(isParseableSshKey(SSH_KEY_OPENSSH)).toBe(true);
  });

  it('rejects what is not a private key', () => {
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const bad of [
      '',
      'ssh-ed25519 AAAAC3Nza user@host',
      pub,
      '-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----',
    ]) {
      expect(isParseableSshKey(bad), bad).toBe(false);
    }
  });
});

describe('sealing', () => {
  const k = generateKey();
  const ring = new KeyRing(new Map([[k.id, k.key]]), k.id);

  it('round-trips with AES-256-GCM, a fresh nonce per seal, and names the key', () => {
    const a = ring.seal('s3cr3t', 'ctx');
    const b = ring.seal('s3cr3t', 'ctx');
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1:${k.id}:`)).toBe(true);
    expect(a).not.toContain('s3cr3t');
    const [, , nonce, body] = a.split(':');
    expect(Buffer.from(nonce!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength(6 + 16);
    expect(ring.open(a, 'ctx')).toBe('s3cr3t');
  });

  it('refuses a flipped byte, another context, a truncated tag and an unknown key', () => {
    const sealed = ring.seal('s3cr3t', 'credential:A');
    const [v, id, nonce, body] = sealed.split(':') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[0]! ^= 1;
    expect(() => ring.open([v, id, nonce, bytes.toString('base64url')].join(':'), 'credential:A')).toThrow(SecretUnreadable);
    expect(() => ring.open(sealed, 'credential:B')).toThrow(SecretUnreadable);
    const truncated = Buffer.from(body, 'base64url').subarray(0, -1).toString('base64url');
    expect(() => ring.open([v, id, nonce, truncated].join(':'), 'credential:A')).toThrow(SecretUnreadable);
    expect(() => ring.open([v, 'other', nonce, body].join(':'), 'credential:A')).toThrow(/not configured/);
  });
});

describe('the REST wire writer', () => {
  // Every value kind a view can hold: text needing escapes, nulls, booleans, a snippet.
  const view = (provider: string, keys: Record<string, string | boolean | null>): CredentialView => ({
    id: newId(),
    name: 'quote " backslash \\ tab \t unicode é ✓',
    description: provider === 'ssh' ? null : 'line\nbreak',
    provider,
    baseUrl: provider === 'github' ? 'https://git.example.com/' : null,
    category: null,
    keys,
    lastUsed: provider === 'aws' ? timestampOf(new Date(1_700_000_000_123)) : null,
    dateCreated: timestampOf(new Date(1_600_000_000_000)),
    lastUpdated: timestampOf(new Date(1_650_000_000_999)),
    status: provider === 'k8s' ? 'INVALID' : 'AVAILABLE',
    message: provider === 'k8s' ? 'refused: "no" \u0007 lone \ud800' : null,
    lastValidated: null,
    expiresAt: provider === 'k8s' ? timestampOf(new Date(1_900_000_000_000)) : null,
    expiresAtSource: provider === 'k8s' ? 'certificate' : null,
    owner: { kind: 'user', id: 'someone' },
    currentVersion: 3,
    setupSnippet: provider === 'aws' ? '{\n  "Version": "2012-10-17"\n}' : null,
  });

  it('writes every provider as the contract and the documented schema say: fields in order, secrets null, valid JSON', () => {
    for (const [provider, contract] of Object.entries(contractKeys)) {
      const keys = Object.fromEntries(
        contract.R.map((name, i) => [name, name === 'shared' || name === 'pathStyleAccessEnabled' ? i % 2 === 0 : i === 0 ? null : `v"${name}`]),
      );
      const shown = view(provider, keys);
      const text = describeJson(shown);
      const parsed = JSON.parse(text) as { credentials: Record<string, unknown> & { keys: Record<string, unknown> }; setupSnippet?: string };
      // Compact JSON (the bytes JSON.stringify would give for the same object) that the documented schema accepts.
      expect(JSON.stringify(parsed)).toBe(text);
      expect(describeResponse.strict().parse(parsed)).toBeTruthy();
      expect(Object.keys(parsed.credentials)).toEqual(Object.keys(credentialsRead.shape));
      expect(parsed.credentials).toMatchObject({ id: shown.id, name: shown.name, description: shown.description, deleted: null });
      expect(parsed.credentials.dateCreated).toBe('2020-09-13T12:26:40.000Z');
      // Returned fields with their values (the table's order), then every write-only field as null, then the discriminator.
      const spec = restSpec(providers.get(provider)!);
      expect(Object.keys(parsed.credentials.keys)).toEqual([...returnedFields(spec), ...secretFields(spec), 'discriminator']);
      for (const name of contract.R) expect(parsed.credentials.keys[name]).toEqual(keys[name]);
      for (const name of contract.W) expect(parsed.credentials.keys[name]).toBeNull();
      expect(parsed.credentials.keys.discriminator).toBe(provider);
      expect(parsed.setupSnippet).toBe(shown.setupSnippet ?? undefined);
    }
  });

  it('writes odd strings exactly as JSON.stringify does (quotes, controls, lone surrogates, emoji)', () => {
    for (const odd of ['plain', 'q"uote', 'back\\slash', 'tab\tnew\nline\u0000', 'lone \ud800 high', 'lone \udfff low', 'emoji 🚀', '\u2028\u2029']) {
      const shown = { ...view('github', { username: odd }), name: odd, description: odd };
      const text = describeJson(shown);
      expect(text).toBe(JSON.stringify(JSON.parse(text)));
      const parsed = JSON.parse(text).credentials;
      expect([parsed.name, parsed.description, parsed.keys.username]).toEqual([odd, odd, odd]);
    }
  });

  it('writes a list once per page object, and a new page anew', () => {
    const page = { items: [{ credential: view('github', { username: 'a' }), cursor: '' }], hasNextPage: false };
    const text = listJson(page);
    expect(JSON.parse(text)).toEqual({ credentials: [JSON.parse(describeJson(page.items[0]!.credential)).credentials] });
    expect(listJson(page)).toBe(text);
    const changed = { ...page, items: [{ credential: { ...page.items[0]!.credential, name: 'renamed' }, cursor: '' }] };
    expect(JSON.parse(listJson(changed)).credentials[0].name).toBe('renamed');
    expect(listJson({ items: [], hasNextPage: false })).toBe('{"credentials":[]}');
  });
});
