/**
 * Debian's Chromium (/usr/bin/chromium, `.ci/chromium` installs it) driven by
 * playwright-core: no browser is downloaded. The flags keep Chromium from
 * reaching out on its own (background networking, updates, sync).
 */
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
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
