// @ts-check
/**
 * `credentials render --to DIR`: the values as files, for a Kubernetes init container or sidecar — one 0600 file
 * per variable (named as the variable; a file-valued one, such as a Google key, under its variable's name too, the
 * variable naming it in `.env`), and `.env` with every variable, each written atomically (a reader sees the old
 * file or the new one, never half). With --refresh it renders again a minute before the earliest expiry among the
 * values (an AWS session's) and on SIGHUP, until SIGTERM or SIGINT.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deliver } from './delivery.js';
import { ClientError } from './errors.js';
import { writePrivate } from './files.js';
import { plan } from './variables.js';

const REFRESH_MARGIN_MS = 60_000;
const MIN_REFRESH_MS = 10_000;

/** A value for a .env line: single-quoted, with ' written as '\''. @param {string} value */
const quoted = (value) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Renders once; the earliest expiry of what was rendered (epoch ms), if any.
 * @param {import('./delivery.js').Session} session
 * @param {{ to: string, credentials: string[], secrets: string[], workspace?: string, prefix?: string }} options
 */
export async function renderOnce(session, options) {
  const dir = resolve(options.to);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!statSync(dir).isDirectory()) throw new ClientError(`--to ${options.to} is not a directory`);
  chmodSync(dir, 0o700);
  const delivery = await deliver(session, options);
  const planned = plan(delivery, { prefix: options.prefix });
  const lines = [];
  for (const item of planned) {
    const path = join(dir, item.variable);
    writePrivate(path, item.value);
    lines.push(`${item.variable}=${quoted(item.file ? path : item.value)}`);
  }
  writePrivate(join(dir, '.env'), `${lines.join('\n')}\n`);
  const expiries = delivery.credentials
    .map((c) => (typeof c.keys.expiration === 'string' ? Date.parse(c.keys.expiration) : Number.NaN))
    .filter((t) => Number.isFinite(t));
  return { files: planned.length + 1, expiresAt: expiries.length > 0 ? Math.min(...expiries) : undefined };
}

/**
 * Renders, and with `refresh` keeps rendering until SIGTERM/SIGINT; what it did is told to `log`. The signals are
 * listened to before the first render: a SIGHUP that comes early renders again, never ends the process.
 * @param {import('./delivery.js').Session} session
 * @param {{ to: string, credentials: string[], secrets: string[], workspace?: string, prefix?: string, refresh: boolean }} options
 * @param {(line: string) => void} log
 */
export async function render(session, options, log) {
  if (!options.refresh) {
    const rendered = await renderOnce(session, options);
    log(`rendered ${rendered.files} files in ${resolve(options.to)}`);
    return 0;
  }
  return new Promise((resolveExit, rejectExit) => {
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    let stopping = false;
    let first = true;
    /** A render in flight, and whether another was asked for meanwhile (one more runs after it). */
    let running = false;
    let again = false;
    // Signals alone do not keep a process alive: this does, until it stops.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const cleanUp = () => {
      stopping = true;
      clearTimeout(timer);
      clearInterval(keepAlive);
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    };
    const stop = () => {
      cleanUp();
      resolveExit(0);
    };
    const renderNow = async () => {
      if (stopping) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      try {
        const rendered = await renderOnce(session, options);
        log(`rendered ${rendered.files} files in ${resolve(options.to)}`);
        if (rendered.expiresAt !== undefined && !stopping) {
          timer = setTimeout(renderNow, Math.max(MIN_REFRESH_MS, rendered.expiresAt - REFRESH_MARGIN_MS - Date.now()));
        }
      } catch (error) {
        if (first) {
          // The first render's failure is the command's: nothing was rendered to keep fresh.
          cleanUp();
          rejectExit(error);
          return;
        }
        log(`could not render again (retrying in 30 s): ${/** @type {Error} */ (error).message}`);
        if (!stopping) timer = setTimeout(renderNow, 30_000);
      } finally {
        first = false;
        running = false;
      }
      if (again) {
        again = false;
        void renderNow();
      }
    };
    const onHup = () => void renderNow();
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    void renderNow();
  });
}
