/**
 * A provider is one object: its fields, check, destinations, probe and
 * short-lived delivery in its entry of the table, with a literal id. Pure: no
 * server, no database.
 */
import { describe, expect, it } from 'vitest';
import { type ProviderId, type ProviderSpec, probeOf, providerIds, providers, shortLivedOf } from '../../src/features/providers/index.js';
import { formOnly } from '../../src/features/providers/probes/offline.js';

describe('the provider table', () => {
  it('gives every provider a probe, from its own entry', () => {
    for (const id of providerIds) {
      const probe = providers.get(id)?.probe;
      expect(typeof probe, id).toBe('function');
      expect(probeOf(id)).toBe(probe);
    }
    expect(probeOf('no-such-provider')).toBeUndefined();
    expect(probeOf('s3')).toBe(formOnly);
  });

  it('refuses, at compile time, a provider without a probe and an id that is no provider', () => {
    // @ts-expect-error a provider without a probe is a type error (tsc, in npm test)
    const withoutProbe: ProviderSpec = { id: 'x', title: 'X', fields: {} };
    // @ts-expect-error an id the table does not have is no ProviderId
    const unknown: ProviderId = 'no-such-provider';
    const known: ProviderId = 'container-reg';
    expect([withoutProbe.id, unknown, known]).toEqual(['x', 'no-such-provider', 'container-reg']);
  });

  it('says from each entry how its credentials are delivered short-lived', () => {
    expect(shortLivedOf('aws', { assumeRoleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'e' })).toEqual({
      kind: 'role',
      roleArn: 'arn:aws:iam::123456789012:role/r',
      externalId: 'e',
    });
    expect(shortLivedOf('seqeracompute', { mode: 'federated', assumeRoleArn: 'arn:aws:iam::1:role/r' })).toEqual({
      kind: 'federated',
      cloud: 'aws',
      roleArn: 'arn:aws:iam::1:role/r',
      audience: 'sts.amazonaws.com',
    });
    expect(shortLivedOf('aws', { accessKey: 'AKIA', secretKey: 's' })).toBeUndefined();
    expect(shortLivedOf('azure_entra', { tenantId: 't', clientId: 'c' })).toEqual({
      kind: 'federated',
      cloud: 'azure',
      audience: 'api://AzureADTokenExchange',
    });
    expect(shortLivedOf('azure-cloud', { tenantId: 't', clientId: 'c', clientSecret: 's' })).toBeUndefined();
    expect(shortLivedOf('google', { data: '{"type":"service_account"}' })).toBeUndefined();
    expect(shortLivedOf('github', { token: 't' })).toBeUndefined();
  });
});
