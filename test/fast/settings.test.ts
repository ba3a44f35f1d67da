/**
 * Settings: declared once (the docs table, the unknown-settings check and the
 * Config come from the declarations); misspelled ones are said to be ignored,
 * with what was meant, whatever their first word; one duration style.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, unknownSettings } from '../../src/infra/config/index.js';
import { SETTINGS } from '../../src/infra/config/settings.js';
import { OPERATING, withTables } from '../../tools/settings-table.js';

describe('unknown settings', () => {
  it('warn, with "did you mean", for every name near a setting whatever its prefix; other variables are left alone', () => {
    const warnings = unknownSettings({
      WEBHOOKS_ALLOWED_HOSTS: 'x',
      SUBSCRIPTION_PER_TOKEN: '3',
      DATABSE_URL: 'file:x.db',
      MASTER_KEY: 'k1:abc',
      MASTR_KEY_FILE: '/keys.json',
      // The machine's and other programs' own: never warned about.
      PATH: '/usr/bin',
      HOSTNAME: 'box',
      NODE_OPTIONS: '--max-old-space-size=200',
      PGPASSWORD: 'x',
      AWS_REGION: 'eu-west-1',
      LOGNAME: 'root',
    });
    expect(warnings.sort()).toEqual([
      'unknown setting DATABSE_URL is ignored (did you mean DATABASE_URL?)',
      'unknown setting MASTER_KEY is ignored (did you mean MASTER_KEYS?)',
      'unknown setting MASTR_KEY_FILE is ignored (did you mean MASTER_KEY_FILE?)',
      'unknown setting SUBSCRIPTION_PER_TOKEN is ignored (did you mean SUBSCRIPTIONS_PER_TOKEN?)',
      'unknown setting WEBHOOKS_ALLOWED_HOSTS is ignored (did you mean WEBHOOK_ALLOWED_HOSTS?)',
    ]);
  });
});

describe('settings declared once', () => {
  it("docs/operating.md's settings tables are those the declarations write (npm run docs:settings)", () => {
    const text = readFileSync(OPERATING, 'utf8');
    expect(withTables(text) === text, 'docs/operating.md is stale: run npm run docs:settings').toBe(true);
    // Every declared setting has its row, and every row is a declared setting.
    const rows = [...text.matchAll(/^\| `([A-Z_0-9]+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it('a new setting is known at once: the unknown-settings check reads the declarations', () => {
    for (const name of Object.keys(SETTINGS)) expect(unknownSettings({ [name]: 'x' }, [name])).toEqual([]);
  });

  it('every duration is written one way; a _MS setting also takes a plain number of milliseconds', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '30s' }).http.requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '30000' }).http.requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ WEBHOOK_RETRY_FOR: '2h' }).events.webhookRetryForMs).toBe(7_200_000);
    expect(loadConfig({}).events.webhookRetryForMs).toBe(86_400_000);
    expect(loadConfig({}).retention.recoveryWindowMs).toBe(7 * 86_400_000);
    expect(loadConfig({ CREDENTIAL_RECOVERY_WINDOW: '0' }).retention.recoveryWindowMs).toBe(0);
    expect(loadConfig({ VALIDATE_EVERY: 'off' }).validation.everyMs).toBeUndefined();
    expect(loadConfig({ VALIDATE_EVERY: '30m' }).validation.everyMs).toBe(1_800_000);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow('REQUEST_TIMEOUT_MS: must be a duration from 100ms to 10m (0ms is not)');
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: 'soon' })).toThrow(
      'REQUEST_TIMEOUT_MS: must be a duration from 100ms to 10m: a whole number of milliseconds, or a whole number and s, m, h or d',
    );
    expect(() => loadConfig({ WEBHOOK_RETRY_FOR: '30d' })).toThrow('WEBHOOK_RETRY_FOR: must be a duration from 1m to 7d (30d is not)');
    expect(() => loadConfig({ CREDENTIAL_RECOVERY_WINDOW: '1s' })).toThrow('must be a duration from 1m to 365d (1s is not), or 0 (purge at once)');
  });
});
