/**
 * Why the service could not start, in one plain line that says what is wrong
 * and which setting to change (`port 8080 is in use: set PORT`), for the
 * operator's terminal; never a stack trace. Used by `npm start` and the CLI.
 */
import { dirname, resolve } from 'node:path';
import { type Config, ConfigError } from '../infra/config/index.js';
import { providerOf, sqlitePath } from '../infra/database-url.js';
import { StartupError } from './runtime.js';

interface Failure {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  syscall?: unknown;
  path?: unknown;
  port?: unknown;
  address?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: Failure } };
}

/** The error and the errors it wraps (a driver adapter's, a cause), outermost first. */
function layers(error: unknown): Failure[] {
  const found: Failure[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const e = current as Failure;
    found.push(e);
    if (e.meta?.driverAdapterError?.cause) found.push(e.meta.driverAdapterError.cause);
    current = e.cause;
  }
  return found;
}

const codeOf = (e: Failure) => (typeof e.code === 'string' ? e.code : typeof e.originalCode === 'string' ? e.originalCode : undefined);

/** What to set for a file-system path: the database's or the master key file's. */
function settingFor(path: string, config: Config): string {
  const target = resolve(path);
  if (providerOf(config.databaseUrl) === 'sqlite') {
    const database = sqlitePath(config.databaseUrl);
    if (target === database || database.startsWith(`${target}/`) || target.startsWith(`${dirname(database)}/`) || target === dirname(database)) {
      return `the database ${database}: set DATABASE_URL to a file in a directory the service may write`;
    }
  }
  return `the master key file ${resolve(config.masterKeyFile)}: set MASTER_KEY_FILE to a place the service may read and write`;
}

/** The PostgreSQL server a DATABASE_URL names, for messages (no password). */
function server(config: Config): { where: string; user: string; database: string } {
  const url = new URL(config.databaseUrl);
  return { where: `${url.hostname}:${url.port || 5432}`, user: decodeURIComponent(url.username), database: url.pathname.slice(1) || url.username };
}

/** One line saying why the start failed and what to change; undefined for a failure it cannot explain (a bug). */
export function explainStartupFailure(error: unknown, config: Config): string | undefined {
  // A setting the service could not take (read where it is used: a settings file's shape) names itself.
  if (error instanceof StartupError || error instanceof ConfigError) return error.message;
  const postgres = providerOf(config.databaseUrl) === 'postgresql';
  for (const e of layers(error)) {
    const code = codeOf(e);
    const path = typeof e.path === 'string' ? e.path : undefined;
    if (e.syscall === 'listen' || e.syscall === 'bind') {
      const port = typeof e.port === 'number' ? e.port : config.port;
      const setting = config.metrics.port !== undefined && port === config.metrics.port ? 'METRICS_PORT' : 'PORT';
      if (code === 'EADDRINUSE') return `port ${port} is in use: set ${setting} to a free port (or stop what listens on it)`;
      if (code === 'EACCES') return `permission denied to listen on port ${port}: set ${setting} to 1024 or above`;
      if (code === 'EADDRNOTAVAIL') return `cannot listen on ${String(e.address ?? config.host)}: no such address on this machine: set HOST`;
    }
    if (path !== undefined) {
      if (code === 'EACCES' || code === 'EPERM') return `permission denied on ${path}, needed for ${settingFor(path, config)}`;
      if (code === 'ENOTDIR' || (code === 'EEXIST' && e.syscall === 'mkdir'))
        return `${path} is a file, not a directory, and is in the way of ${settingFor(path, config)}`;
      if (code === 'EROFS') return `${path} is on a read-only file system, and is needed for ${settingFor(path, config)}`;
      if (code === 'ENOENT' && e.syscall === 'mkdir') return `the directory ${path} cannot be made there, and is needed for ${settingFor(path, config)}`;
      if (code === 'ENOSPC') return `no space left on the file system of ${path}, needed for ${settingFor(path, config)}`;
    }
    if (code?.startsWith('SQLITE_CANTOPEN') && !postgres)
      return `the database ${sqlitePath(config.databaseUrl)} cannot be opened: set DATABASE_URL to a file the service may read and write`;
    if (postgres) {
      const { where, user, database } = server(config);
      if (code === 'ECONNREFUSED' || e.kind === 'DatabaseNotReachable')
        return `PostgreSQL at ${where} refuses connections: is it running? Check the host and port of DATABASE_URL`;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `PostgreSQL's host in DATABASE_URL (${where}) cannot be resolved: check DATABASE_URL`;
      if (code === 'ETIMEDOUT' || /timeout exceeded when trying to connect/i.test(String(e.message ?? '')))
        return `PostgreSQL at ${where} does not answer: check DATABASE_URL and the network`;
      if (code === '28P01' || e.kind === 'AuthenticationFailed') return `PostgreSQL at ${where} refused the password of user ${user}: check DATABASE_URL`;
      if (code === '28000' || e.kind === 'DatabaseAccessDenied')
        return `PostgreSQL at ${where} refused user ${user} for database ${database}: check DATABASE_URL and the server's pg_hba.conf`;
      if (code === '3D000' || e.kind === 'DatabaseDoesNotExist') return `PostgreSQL at ${where} has no database ${database}: create it, or check DATABASE_URL`;
      if (code === '42501')
        return `PostgreSQL user ${user} may not create the service's tables in ${database}: grant it, or migrate with an owner (MIGRATE_ON_START=false and npm run db:migrate)`;
      if (code === '53300') return `PostgreSQL at ${where} has no free connection slot: raise its max_connections or stop other clients`;
    }
  }
  return undefined;
}
