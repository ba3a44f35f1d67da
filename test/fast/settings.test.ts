/** Settings that are misspelled are said to be ignored, with what was meant, whatever their first word. */
import { describe, expect, it } from 'vitest';
import { unknownSettings } from '../../src/infra/config.js';

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
