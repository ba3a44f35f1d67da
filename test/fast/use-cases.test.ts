/**
 * Rules and use cases on their own: no server, no database, the ports faked
 * (a use case takes the slice of a store it uses). Milliseconds each.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Caller, OPERATOR } from '../../src/core/caller.js';
import { Forbidden, LimitReached, ValidationError } from '../../src/core/errors.js';
import { CHANGED, ConcurrentChange, retryOnChange } from '../../src/core/retry.js';
import { changedFields, completeKeys } from '../../src/features/credentials/rules/material.js';
import { checkPageSize, decodeCursor, encodeCursor, MAX_PAGE_SIZE } from '../../src/features/credentials/rules/paging.js';
import { ProbeSlots } from '../../src/features/probing/rules/slots.js';
import { providers } from '../../src/features/providers/index.js';
import { OrganizationNameTaken, WorkspaceNotFound } from '../../src/features/workspaces/errors.js';
import type { WorkspaceRecord } from '../../src/features/workspaces/model.js';
import type { WorkspaceStore } from '../../src/features/workspaces/ports.js';
import { WorkspaceService } from '../../src/features/workspaces/use-cases/service.js';

const caller = (userId: string, scope = 'all'): Caller => ({ userId, door: 'graphql', scope });

describe('the optimistic-retry loop (core/retry.ts)', () => {
  it('answers the first outcome that is not CHANGED, reading again each time', async () => {
    const attempt = vi.fn<() => Promise<string | typeof CHANGED>>().mockResolvedValueOnce(CHANGED).mockResolvedValueOnce(CHANGED).mockResolvedValue('done');
    expect(await retryOnChange('thing', attempt)).toBe('done');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('ends in ConcurrentChange (a conflict, 409: retry), never a plain Error, when the thing keeps changing', async () => {
    const attempt = vi.fn(async () => CHANGED);
    const failure = await retryOnChange('Credential x', attempt, 4).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConcurrentChange);
    expect(failure).toMatchObject({ kind: 'conflict', code: 'CONCURRENT_CHANGE' });
    expect((failure as Error).message).toMatch(/^Credential x kept changing/);
    expect(attempt).toHaveBeenCalledTimes(4);
  });

  it('lets a refusal through at once', async () => {
    const attempt = vi.fn(async () => {
      throw new Forbidden('no');
    });
    await expect(retryOnChange('x', attempt)).rejects.toBeInstanceOf(Forbidden);
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});

/** A workspace store faked in memory: one organization (1) with one workspace (10); roles by user. */
function fakeWorkspaces(roles: Record<string, string>, organizationRoles: Record<string, string> = {}) {
  const workspace: WorkspaceRecord = { id: 10, organizationId: 1, organizationName: 'acme', name: 'lab', createdAt: new Date(0), directDelivery: 'LAUNCH' };
  const updateRole = vi.fn<WorkspaceStore['updateRole']>(async () => 'changed');
  const createOrganization = vi.fn<WorkspaceStore['createOrganization']>(async (name) => ({ id: 2, name, createdAt: new Date(0) }));
  const store = {
    findWorkspace: async (id: number) => (id === 10 ? workspace : null),
    findAccess: (_ws: number, userId: string) => (roles[userId] ? { role: roles[userId]!, version: 1 } : null),
    findOrganizationRole: async (_org: number, userId: string) => organizationRoles[userId] ?? null,
    findParticipant: async (_ws: number, userId: string) =>
      roles[userId] ? { workspaceId: 10, userId, userName: userId, role: roles[userId]!, createdAt: new Date(0) } : null,
    countOwnedOrganizations: async (userId: string) => (organizationRoles[userId] === 'OWNER' ? 1 : 0),
    updateRole,
    createOrganization,
  } as unknown as WorkspaceStore;
  const users = {
    findUserByNameOrId: async (name: string) => (name in roles || name === 'newcomer' ? { id: name, name, createdAt: new Date(0), number: 1 } : null),
  };
  return { store, users, updateRole, createOrganization };
}

describe('workspace use cases over faked ports', () => {
  it('a role change whose participant keeps changing ends in ConcurrentChange after five readings', async () => {
    const fake = fakeWorkspaces({ owner: 'OWNER', member: 'VIEW' });
    const service = new WorkspaceService(fake.store, fake.users);
    await expect(service.updateParticipantRole(caller('owner'), { id: '10' }, 'member', 'LAUNCH')).rejects.toBeInstanceOf(ConcurrentChange);
    expect(fake.updateRole).toHaveBeenCalledTimes(5);
    expect(fake.updateRole).toHaveBeenLastCalledWith(10, 'member', 'VIEW', 'LAUNCH', { actor: 'owner', door: 'graphql' });
  });

  it('a role that may not manage participants is Forbidden; a stranger finds no workspace; neither writes', async () => {
    const fake = fakeWorkspaces({ owner: 'OWNER', viewer: 'VIEW', member: 'LAUNCH' });
    const service = new WorkspaceService(fake.store, fake.users);
    await expect(service.updateParticipantRole(caller('viewer'), { id: '10' }, 'member', 'VIEW')).rejects.toBeInstanceOf(Forbidden);
    await expect(service.updateParticipantRole(caller('stranger'), { id: '10' }, 'member', 'VIEW')).rejects.toBeInstanceOf(WorkspaceNotFound);
    await expect(service.updateParticipantRole(caller('owner'), { id: '10' }, 'member', 'EMPEROR')).rejects.toBeInstanceOf(ValidationError);
    // A read-only token may not change anything, whatever the role.
    await expect(service.updateParticipantRole(caller('owner', 'read'), { id: '10' }, 'member', 'VIEW')).rejects.toBeInstanceOf(Forbidden);
    expect(fake.updateRole).not.toHaveBeenCalled();
  });

  it('an organization beyond the owner’s limit is refused before anything is written; the operator is not limited', async () => {
    const fake = fakeWorkspaces({ owner: 'OWNER' }, { owner: 'OWNER' });
    const service = new WorkspaceService(fake.store, fake.users, { organizationsPerUser: 1 });
    await expect(service.createOrganization(caller('owner'), 'second')).rejects.toBeInstanceOf(LimitReached);
    await expect(service.createOrganization(caller('owner'), 'bad name!')).rejects.toBeInstanceOf(ValidationError);
    expect(fake.createOrganization).not.toHaveBeenCalled();
    expect(await service.createOrganization(OPERATOR, 'third', 'owner')).toMatchObject({ name: 'third' });
    fake.createOrganization.mockResolvedValueOnce('duplicate');
    await expect(service.createOrganization(OPERATOR, 'third', 'owner')).rejects.toBeInstanceOf(OrganizationNameTaken);
  });
});

/** A workspace (10) whose participants live in a map, changed as the store would change them (with its last-OWNER rule). */
function participantsInMemory(initial: Record<string, string>) {
  const roles = new Map(Object.entries(initial));
  const workspace: WorkspaceRecord = { id: 10, organizationId: 1, organizationName: 'acme', name: 'lab', createdAt: new Date(0), directDelivery: 'LAUNCH' };
  const participant = (userId: string) => ({ workspaceId: 10, userId, userName: userId, role: roles.get(userId)!, createdAt: new Date(0) });
  const lastOwner = (userId: string) => roles.get(userId) === 'OWNER' && [...roles.values()].filter((r) => r === 'OWNER').length === 1;
  const store = {
    findWorkspace: async (id: number) => (id === 10 ? workspace : null),
    findAccess: (_ws: number, userId: string) => (roles.has(userId) ? { role: roles.get(userId)!, version: 1 } : null),
    findOrganizationRole: async () => null,
    findParticipant: async (_ws: number, userId: string) => (roles.has(userId) ? participant(userId) : null),
    addParticipant: async (_ws: WorkspaceRecord, userId: string, role: string) => {
      if (roles.has(userId)) return 'exists';
      roles.set(userId, role);
      return 'added';
    },
    updateRole: async (_ws: number, userId: string, from: string, to: string) => {
      if (!roles.has(userId)) return 'not-found';
      if (roles.get(userId) !== from) return 'changed';
      if (to !== 'OWNER' && lastOwner(userId)) return 'last-owner';
      roles.set(userId, to);
      return 'updated';
    },
    removeParticipant: async (_ws: WorkspaceRecord, userId: string, from: string) => {
      if (!roles.has(userId)) return 'not-found';
      if (roles.get(userId) !== from) return 'changed';
      if (lastOwner(userId)) return 'last-owner';
      roles.delete(userId);
      return 'removed';
    },
  } as unknown as WorkspaceStore;
  const users = { findUserByNameOrId: async (name: string) => ({ id: name, name, createdAt: new Date(0), number: 1 }) };
  return { service: new WorkspaceService(store, users), roles };
}

describe('who may change whom in a workspace (over faked ports; test/fast/resilience-and-abuse.test.ts samples it over HTTP)', () => {
  const ROLES = ['OWNER', 'ADMIN', 'MAINTAIN', 'LAUNCH', 'CONNECT', 'VIEW'] as const;
  type Role = (typeof ROLES)[number];
  // Stated here on its own, not read from the code: an OWNER may make every change; an ADMIN every change
  // that neither grants OWNER nor touches an OWNER; nobody else any.
  const allowed = (manager: Role, from: Role | null, to: Role | null) => manager === 'OWNER' || (manager === 'ADMIN' && from !== 'OWNER' && to !== 'OWNER');
  const outcome = (attempt: Promise<unknown>) =>
    attempt.then(
      () => 'done',
      (e: unknown) => (e instanceof Forbidden ? 'Forbidden' : `unexpected ${String(e)}`),
    );

  it('every manager role × every current role × every new role, for adding, changing and removing', async () => {
    const managers = Object.fromEntries(ROLES.map((r) => [`manager-${r}`, r]));
    let n = 0;
    for (const manager of ROLES) {
      const me = caller(`manager-${manager}`);
      for (const to of ROLES) {
        const { service, roles } = participantsInMemory({ alice: 'OWNER', ...managers });
        const target = `t${n++}`;
        expect(await outcome(service.addParticipant(me, { id: '10' }, target, to)), `${manager} adds ${to}`).toBe(
          allowed(manager, null, to) ? 'done' : 'Forbidden',
        );
        expect(roles.get(target)).toBe(allowed(manager, null, to) ? to : undefined);
      }
      for (const from of ROLES) {
        for (const to of ROLES) {
          const target = `t${n++}`;
          const { service, roles } = participantsInMemory({ alice: 'OWNER', ...managers, [target]: from });
          expect(await outcome(service.updateParticipantRole(me, { id: '10' }, target, to)), `${manager} changes ${from} to ${to}`).toBe(
            allowed(manager, from, to) ? 'done' : 'Forbidden',
          );
          expect(roles.get(target)).toBe(allowed(manager, from, to) ? to : from);
        }
        const target = `t${n++}`;
        const { service, roles } = participantsInMemory({ alice: 'OWNER', ...managers, [target]: from });
        expect(await outcome(service.removeParticipant(me, { id: '10' }, target)), `${manager} removes ${from}`).toBe(
          allowed(manager, from, null) ? 'done' : 'Forbidden',
        );
        expect(roles.has(target)).toBe(!allowed(manager, from, null));
      }
    }
  });

  it('nobody raises their own role; an ADMIN may lower herself but not come back', async () => {
    for (const role of ['ADMIN', 'MAINTAIN'] as const) {
      const { service, roles } = participantsInMemory({ alice: 'OWNER', me: role });
      expect(await outcome(service.updateParticipantRole(caller('me'), { id: '10' }, 'me', 'OWNER'))).toBe('Forbidden');
      expect(roles.get('me')).toBe(role);
    }
    const { service, roles } = participantsInMemory({ alice: 'OWNER', eve: 'ADMIN' });
    expect(await outcome(service.updateParticipantRole(caller('eve'), { id: '10' }, 'eve', 'MAINTAIN'))).toBe('done');
    expect(await outcome(service.updateParticipantRole(caller('eve'), { id: '10' }, 'eve', 'ADMIN'))).toBe('Forbidden');
    expect(roles.get('eve')).toBe('MAINTAIN');
  });
});

describe('credential rules', () => {
  it('pages: sizes from 0 to the most, cursors that round-trip, a forged cursor refused', () => {
    expect(() => checkPageSize(0)).not.toThrow();
    expect(() => checkPageSize(MAX_PAGE_SIZE)).not.toThrow();
    for (const bad of [-1, MAX_PAGE_SIZE + 1, 1.5, Number.NaN]) expect(() => checkPageSize(bad), String(bad)).toThrow(ValidationError);
    const record = { id: 'AAAAAAAAAAAAAAAAAAAAAA', dateCreated: '2026-12-06T12:00:00.000Z' } as Parameters<typeof encodeCursor>[0];
    expect(decodeCursor(encodeCursor(record))).toEqual({ dateCreated: '2026-12-06T12:00:00.000Z', id: record.id });
    for (const forged of [
      '',
      'x',
      Buffer.from('2026-12-06T12:00:00.000Z|short').toString('base64url'),
      Buffer.from('not a date|AAAAAAAAAAAAAAAAAAAAAA').toString('base64url'),
    ]) {
      expect(() => decodeCursor(forged), forged).toThrow(ValidationError);
    }
  });

  it('a write keeps stored secrets not sent again, takes new ones, and names what changed (never values)', () => {
    const github = providers.get('github')!;
    const stored = { username: 'octo', token: 'old-secret', password: null };
    const kept = completeKeys(github, { username: 'octo' }, stored, {});
    expect(kept).toMatchObject({ username: 'octo', token: 'old-secret' });
    const replaced = completeKeys(github, { username: 'octo', token: 'new-secret' }, stored, {});
    expect(replaced.token).toBe('new-secret');
    expect(changedFields(stored, null, replaced, null)).toEqual(['token']);
    expect(changedFields(stored, null, kept, 'https://git.example')).toEqual(['baseUrl']);
    // AWS role mode with an external id asked for: generated once, kept after.
    const aws = providers.get('aws')!;
    const first = completeKeys(aws, { assumeRoleArn: 'arn:aws:iam::123456789012:role/r' }, {}, { useExternalId: true });
    expect(first.externalId).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(completeKeys(aws, { assumeRoleArn: 'arn:aws:iam::123456789012:role/r' }, first, { useExternalId: true }).externalId).toBe(first.externalId);
  });
});

describe('probe slots', () => {
  it('share the instance’s slots so that one owner cannot take them all, and give them back', () => {
    const slots = new ProbeSlots(3, 2);
    const a1 = slots.tryTake('alice');
    const a2 = slots.tryTake('alice');
    expect(a1 && a2).toBeTruthy();
    expect(slots.tryTake('alice')).toBeUndefined();
    const b1 = slots.tryTake('bob');
    expect(b1).toBeTruthy();
    expect(slots.tryTake('carol')).toBeUndefined();
    a1!();
    expect(slots.tryTake('carol')).toBeTruthy();
  });
});
