/**
 * Background re-validation (VALIDATE_EVERY) as time passes: every credential
 * re-validated, recorded as the background door; a user's never-answering
 * credentials backed off and holding up nobody else's. Real time (periods of a
 * second or two, below what an operator may set), hence the system tier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProviders, startFakeProviders } from '../helpers/fake-providers.js';
import { rest } from '../helpers/rest.js';
import { startServer } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(() => fake.close());

describe('VALIDATE_EVERY', () => {
  it('re-validates every credential in the background, recorded as the background door', async () => {
    // A period of 2 s, below what an operator may set (10 s), to see sweeps within the test.
    const background = await startServer(
      { VALIDATION_ALLOWED_HOSTS: fake.host, VALIDATION_TIMEOUT_MS: '500' },
      {
        adjust: (c) => ({
          ...c,
          validation: { ...c.validation, everyMs: 2000 },
        }),
      },
    );
    try {
      const user = await background.newUser();
      const make = async (token: string) =>
        (
          await rest(background, user.token, 'POST', '/api/credentials', {
            credentials: { name: token, provider: 'github', baseUrl: fake.url, keys: { token } },
          })
        ).body.credentialsId as string;
      const good = await make('good-bg');
      const bad = await make('bad-bg');
      const deadline = Date.now() + 20_000;
      let rows = await background.db.credential.findMany({ where: { id: { in: [good, bad] } } });
      while (rows.some((r) => r.lastValidated === null) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        rows = await background.db.credential.findMany({ where: { id: { in: [good, bad] } } });
      }
      expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [good]: 'AVAILABLE', [bad]: 'INVALID' });
      const audit = await background.db.auditEvent.findMany({ where: { targetId: bad, action: 'credential.validate' } });
      expect(audit[0]).toMatchObject({ actor: 'background', door: 'background', detail: 'INVALID' });
      const metrics = await (await fetch(`${background.url}/metrics`)).text();
      expect(metrics).toContain('credentials_invalid{provider="github"} 1');
    } finally {
      await background.close();
    }
  });
});

describe('the background sweep is fair and backs off transient failures', () => {
  it("a user's 8 never-answering credentials neither hold up another's probes nor get probed every period (the back-off is stored)", async () => {
    const EVERY_MS = 1000;
    const server = await startServer(
      { VALIDATION_ALLOWED_HOSTS: fake.host, VALIDATION_TIMEOUT_MS: '400' },
      {
        adjust: (c) => ({
          ...c,
          validation: { ...c.validation, everyMs: EVERY_MS },
        }),
      },
    );
    try {
      const attacker = await server.newUser('sweep-hog');
      const victim = await server.newUser('sweep-victim');
      const make = async (user: { token: string }, name: string, token: string) =>
        expect(
          (await rest(server, user.token, 'POST', '/api/credentials', { credentials: { name, provider: 'github', baseUrl: fake.url, keys: { token } } }))
            .status,
        ).toBe(200);
      const from = Date.now();
      for (let i = 0; i < 8; i++) await make(attacker, `never-${i}`, `slow-${i}`);
      await make(victim, 'mine', 'good-victim');
      // Counted in sweeps, not seconds (a loaded machine sweeps slower): until the victim's credential was probed
      // six times, about once a sweep.
      const probes = (secret: string) => fake.requests.filter((r) => r.headers.authorization === `Bearer ${secret}`).length;
      await eventually('six sweeps probed the victim’s credential', () => probes('good-victim') >= 6, 90_000);
      const attackerProbes = Array.from({ length: 8 }, (_, i) => probes(`slow-${i}`));
      // Each never-answering credential backs off (probed again after 1, 2, 4… periods): a few probes by then, fewer
      // than the victim's by a margin, whatever the sweeps' pace.
      expect(Math.min(...attackerProbes)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...attackerProbes)).toBeLessThanOrEqual(4);
      const backoffs = await server.db.probeBackoff.findMany();
      expect(backoffs).toHaveLength(8);
      expect(Math.max(...backoffs.map((b) => b.failures))).toBeGreaterThanOrEqual(2);
      for (const b of backoffs) expect(Number(b.retryAt)).toBeGreaterThan(from + EVERY_MS);
    } finally {
      await server.close();
    }
  });
});
