/** The docs state what the code does: the permission table of docs/api-graphql.md is the code's. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grantableRoles, PERMISSIONS, WORKSPACE_ROLES } from '../../src/domain/workspaces/permissions.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api-graphql.md'), 'utf8');

describe('docs/api-graphql.md', () => {
  it('shows the permission table of src/domain/workspaces/permissions.ts', () => {
    const table = readme.slice(readme.indexOf('| Workspace role |'));
    const rows = table
      .split('\n')
      .slice(2, 2 + WORKSPACE_ROLES.length)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows.map((r) => r[0])).toEqual(WORKSPACE_ROLES.map((role) => `\`${role}\``));
    for (const [role, read, write, recover, manage, keys, webhooks, grants] of rows) {
      const name = role!.replace(/`/g, '') as keyof typeof PERMISSIONS;
      const permissions = PERMISSIONS[name];
      expect([read, write, recover, manage, keys, webhooks], role).toEqual(
        [
          permissions.readCredentials,
          permissions.writeCredentials,
          permissions.manageCredentials,
          permissions.manageParticipants,
          permissions.deliverKeys,
          permissions.manageWebhooks,
        ].map((p) => (p ? 'yes' : 'no')),
      );
      const grantable = grantableRoles(name);
      expect(grants, role).toBe(grantable.length === 0 ? 'no' : grantable.length === WORKSPACE_ROLES.length ? 'every role' : `up to \`${grantable[0]}\``);
    }
  });
});
