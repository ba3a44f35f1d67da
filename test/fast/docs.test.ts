/**
 * The docs state what the code does: the permission table of docs/api-graphql.md is the code's; every link between
 * the docs (and the Dockerfile's pointer) reaches a section that exists. (Their shell examples run:
 * test/system/docs-examples.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DIRECT_DELIVERY,
  directDeliveryAllows,
  grantableRoles,
  PERMISSIONS,
  WORKSPACE_ROLES,
} from '../../src/features/workspaces/rules/permissions.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api-graphql.md'), 'utf8');

describe('docs/api-graphql.md', () => {
  it('shows the permission table of src/features/workspaces/rules/permissions.ts', () => {
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
    for (const [role, read, write, recover, manage, keys, webhooks, grants, direct] of rows) {
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
      expect(direct, role).toBe(directDeliveryAllows(DEFAULT_DIRECT_DELIVERY, name) ? 'yes' : 'no');
      const grantable = grantableRoles(name);
      expect(grants, role).toBe(grantable.length === 0 ? 'no' : grantable.length === WORKSPACE_ROLES.length ? 'every role' : `up to \`${grantable[0]}\``);
    }
  });
});

const root = join(import.meta.dirname, '..', '..');
/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as dashes. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const headings = (file: string) =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => l.replace(/^#+ /, ''));

describe('links between the docs', () => {
  it('reach sections that exist (and the Dockerfile names one)', () => {
    const files = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [, target, anchor] of text.matchAll(/\]\(([\w./-]*\.md)?#([\w-]+)\)/g)) {
        const linked = target ? join(file.includes('/') ? 'docs' : '', target).replace(/^docs\/\.\.\//, '') : file;
        expect(headings(linked).map(anchorOf), `${file}: ${target ?? ''}#${anchor}`).toContain(anchor);
      }
    }
    const pointer = /see ([\w./-]+\.md), ([^)]+)\)/.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))!;
    expect(headings(pointer[1]!), 'the Dockerfile’s pointer').toContain(pointer[2]);
  });
});
