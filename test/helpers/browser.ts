/**
 * A Chromium of the machine's (CHROMIUM_PATH, else Debian's /usr/bin/chromium)
 * driven by playwright-core: no browser is downloaded. Where none is installed
 * and the machine can install Debian's package (as root, with apt), the test
 * run's global setup installs it once, as `.ci/chromium` does; where it cannot,
 * the browser tests are skipped, said in one line at the start of the run
 * (under CI they run, and fail, saying how to get one). The flags keep Chromium
 * from reaching out on its own (background networking, updates, sync).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { root } from './process.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const HOW = `install Debian's chromium (sudo .ci/chromium, or apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable`;

/**
 * Once per test run (the global setup): Chromium found, or installed when this machine can; else the line that
 * says the browser tests are skipped (undefined when they run).
 */
export function prepareChromium(): string | undefined {
  if (executable(CHROMIUM)) return undefined;
  if (!process.env.CHROMIUM_PATH && userInfo().uid === 0 && existsSync('/usr/bin/apt-get')) {
    execFileSync(join(root, '.ci', 'chromium'), { stdio: 'inherit' });
    if (executable(CHROMIUM)) return undefined;
  }
  return process.env.CI ? undefined : `No Chromium at ${CHROMIUM}: the browser tests are skipped (${HOW})`;
}

/** Whether the browser tests run: a Chromium is there (or the run is CI's, where a missing one fails them). */
export const browserTestsRun = (): boolean => executable(CHROMIUM) || Boolean(process.env.CI);

export async function launchBrowser(): Promise<Browser> {
  if (!executable(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: ${HOW}`);
  // Loaded here, by the tests that drive a browser: the run's global setup imports this file too, and
  // playwright-core takes 0.3 s to load, before any test file starts.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a page did: every request it made, and every console error (CSP violations among them). */
export interface PageWatch {
  requests: string[];
  problems: string[];
}

export function watch(page: Page): PageWatch {
  const watched: PageWatch = { requests: [], problems: [] };
  page.on('request', (request) => watched.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/.test(message.text())) watched.problems.push(message.text());
  });
  page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
  return watched;
}
