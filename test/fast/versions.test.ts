/** The Prisma packages that must move together do: a drift fails here, not in a migration at a customer's. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const version = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const { enginesVersion } = createRequire(join(root, 'package.json'))('@prisma/engines-version') as { enginesVersion: string };

describe('Prisma versions', () => {
  it('the WebAssembly schema engine is the engine build of the installed Prisma', () => {
    // 7.10.0-<n>.<engine commit>: the commit must be the one Prisma itself ships.
    const engine = version('@prisma/schema-engine-wasm');
    expect(engine.split('.').at(-1)).toBe(enginesVersion);
    expect(engine.startsWith(`${version('prisma')}-`)).toBe(true);
  });

  it('the CLI, the client, the adapters and the adapter utilities are one version', () => {
    const prisma = version('prisma');
    for (const name of ['@prisma/client', '@prisma/adapter-better-sqlite3', '@prisma/adapter-pg', '@prisma/driver-adapter-utils']) {
      expect(version(name), name).toBe(prisma);
    }
  });
});
