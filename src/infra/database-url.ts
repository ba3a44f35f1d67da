/** What a DATABASE_URL names: which database (SQLite or PostgreSQL), and where. */
import { resolve } from 'node:path';

export type Provider = 'sqlite' | 'postgresql';

/** `file:` selects SQLite, `postgres://` or `postgresql://` PostgreSQL. */
export function providerOf(databaseUrl: string): Provider {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL '${redactUrl(databaseUrl)}': expected file:<path> (SQLite) or postgresql://… (PostgreSQL)`);
}

/** The file path of a `file:` DATABASE_URL, resolved against the working directory. */
export function sqlitePath(databaseUrl: string): string {
  if (providerOf(databaseUrl) !== 'sqlite') throw new Error('Not a SQLite (file:) DATABASE_URL');
  return resolve(databaseUrl.slice('file:'.length).split('?')[0]!);
}

/** A database URL fit for logs and messages: the password is hidden. */
export function redactUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1:***@');
}
