/**
 * The audit trail for people and SIEMs: `auditEvents` on GraphQL (a context's
 * events with names, filtered and paged; a workspace's for its managers only),
 * and the export on REST as JSON lines or CSV, streamed in constant memory,
 * that Python's csv module reads with the documented columns.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS, cell } from '../../src/features/audit/rules/formats.js';
import { onPostgres } from '../helpers/database.js';
import { rest } from '../helpers/rest.js';
import { gql, withServer } from '../helpers/server.js';

const {
  server,
  users: { alice, bob },
} = withServer({ users: ['alice', 'bob'] });

/**
 * The Python that reads the CSV, found once while the events are written: `python3` is often a version manager's
 * shim (pyenv's takes 0.3 s a call), the interpreter it runs is not.
 */
const python3 = promisify(execFile)('python3', ['-c', 'import sys; print(sys.executable)']).then(({ stdout }) => stdout.trim());
python3.catch(() => {});
const python = async (script: string, input: string) => JSON.parse(execFileSync(await python3, ['-c', script], { input }).toString());

const EVENTS = `query($ws: ID, $kinds: [AuditEventKind!], $first: Int, $after: String, $since: DateTime) {
  auditEvents(workspaceId: $ws, kinds: $kinds, first: $first, after: $after, since: $since) {
    edges { node { id at kind seqeraType targetType targetId targetName workspaceId actor actorName door detail } }
    pageInfo { hasNextPage endCursor } } }`;

// The export's events, written before any request: the inserts take seconds, and a kept-alive connection idle that
// long is closed by the server under its client's feet.
beforeAll(async () => {
  // 20,000 events of 2 KB each: 40 MB of CSV, 40 pages of 500; written by the database itself in one statement
  // (a row for each number, a second apart), the first with a detail a spreadsheet would run as a formula.
  const detail = `d${'x'.repeat(2000)}`;
  const formula = '=HYPERLINK("http://evil", "click"), "quoted"\nline';
  const columns = '"at", "action", "targetType", "targetId", "ownerUserId", "actor", "door", "detail"';
  if (onPostgres) {
    await server.db.$executeRawUnsafe(
      `INSERT INTO "AuditEvent" (${columns}) SELECT TIMESTAMP '2026-06-01 00:00:00' + n * INTERVAL '1 second', 'credential.validate', ` +
        `'credential', 'bulk-' || (n / 1000) || '-' || (n % 1000), $1, 'background', 'background', CASE WHEN n = 0 THEN $2 ELSE $3 END FROM generate_series(0, 19999) AS n`,
      alice.userId,
      formula,
      detail,
    );
  } else {
    await server.db.$executeRawUnsafe(
      `WITH RECURSIVE numbers(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM numbers WHERE n < 19999) INSERT INTO "AuditEvent" (${columns}) ` +
        `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 1780272000 + n, 'unixepoch'), 'credential.validate', 'credential', 'bulk-' || (n / 1000) || '-' || (n % 1000), ?, ` +
        `'background', 'background', CASE WHEN n = 0 THEN ? ELSE ? END FROM numbers`,
      alice.userId,
      formula,
      detail,
    );
  }
});

const github = (name: string, token: string) => ({ credentials: { name, provider: 'github', keys: { username: 'octo', token } } });

describe('auditEvents', () => {
  it("shows a context's events newest first with names and Seqera's types, filtered and paged; never another user's", async () => {
    const start = new Date(Date.now() - 1000).toISOString();
    const id = (await rest(server, alice.token, 'POST', '/api/credentials', github('audited', 'ghp_audited-secret'))).body.credentialsId;
    await rest(server, alice.token, 'PUT', `/api/credentials/${id}`, github('audited', 'ghp_audited-secret-2'));
    await rest(server, alice.token, 'DELETE', `/api/credentials/${id}`);
    const all = await gql(server, alice.token, EVENTS, { kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE', 'CREDENTIAL_DELETE'], since: start });
    expect(all.body.errors).toBeUndefined();
    const nodes = all.body.data!.auditEvents.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.kind, n.seqeraType, n.targetName, n.actorName, n.door, n.detail])).toEqual([
      ['CREDENTIAL_DELETE', 'credentials_deleted', 'audited', alice.name, 'rest', null],
      ['CREDENTIAL_UPDATE', 'credentials_updated', 'audited', alice.name, 'rest', 'version 2'],
      ['CREDENTIAL_CREATE', 'credentials_created', 'audited', alice.name, 'rest', 'version 1'],
    ]);
    expect(JSON.stringify(all.body)).not.toContain('ghp_');
    const first = await gql(server, alice.token, EVENTS, { first: 1, since: start, kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE', 'CREDENTIAL_DELETE'] });
    expect(first.body.data!.auditEvents.pageInfo.hasNextPage).toBe(true);
    const next = await gql(server, alice.token, EVENTS, {
      first: 5,
      since: start,
      kinds: ['CREDENTIAL_CREATE', 'CREDENTIAL_UPDATE', 'CREDENTIAL_DELETE'],
      after: first.body.data!.auditEvents.pageInfo.endCursor,
    });
    expect(next.body.data!.auditEvents.edges.map((e: any) => e.node.kind)).toEqual(['CREDENTIAL_UPDATE', 'CREDENTIAL_CREATE']);
    // Bob's context holds none of it.
    const bobs = await gql(server, bob.token, EVENTS, { since: start });
    expect(bobs.body.data!.auditEvents.edges.map((e: any) => e.node.targetId)).not.toContain(id);
  });

  it("a workspace's events: its OWNER reads them, a VIEW participant is refused", async () => {
    const me = { userId: alice.userId, door: 'graphql' as const, scope: 'all' };
    const org = await server.services.workspaces.createOrganization(me, 'audit-org');
    const ws = await server.services.workspaces.createWorkspace(me, { id: String(org.id) }, 'audit-ws');
    await server.services.workspaces.addParticipant(me, { id: String(ws.id) }, bob.name, 'VIEW');
    await rest(server, alice.token, 'POST', `/api/credentials?workspaceId=${ws.id}`, github('ws-audited', 'ghp_ws'));
    const owner = await gql(server, alice.token, EVENTS, { ws: String(ws.id) });
    const kinds = owner.body.data!.auditEvents.edges.map((e: any) => e.node.kind);
    expect(kinds).toEqual(expect.arrayContaining(['CREDENTIAL_CREATE', 'PARTICIPANT_ADD']));
    expect(owner.body.data!.auditEvents.edges.every((e: any) => e.node.workspaceId === String(ws.id))).toBe(true);
    const viewer = await gql(server, bob.token, EVENTS, { ws: String(ws.id) });
    expect(viewer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const export_ = await rest(server, bob.token, 'GET', `/api/audit-events?workspaceId=${ws.id}`);
    expect(export_.status).toBe(403);
  });

  it('refuses an unknown kind and a reversed range, naming the parameter', async () => {
    const bad = await rest(server, alice.token, 'GET', '/api/audit-events?kinds=credential.create,credential.nope');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^kinds: unknown kind 'credential\.nope'/);
    const reversed = await rest(server, alice.token, 'GET', '/api/audit-events?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z');
    expect(reversed).toMatchObject({ status: 400, body: { message: 'until: must be after since' } });
  });
});

describe('GET /api/audit-events', () => {
  const since = '2026-06-01T00:00:00Z';
  const until = '2026-07-01T00:00:00Z';
  const AUDIT_READS = /^SELECT .* FROM [^ ]*AuditEvent\W* WHERE/;

  it('streams 20,000 events as CSV a page at a time (a reader that stops holds the server at a few pages), and Python’s csv module reads the documented columns', async () => {
    const pagesRead = () => server.queries.filter((q) => AUDIT_READS.test(q)).length;
    const before = pagesRead();
    const response = await fetch(`${server.url}/api/audit-events?since=${since}&until=${until}`, {
      headers: { authorization: `Bearer ${alice.token}`, accept: 'text/csv' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let head = decoder.decode((await reader.read()).value, { stream: true });
    // The reader pauses: the server reads on only as far as the socket's buffers take it, not to the end. While it
    // pauses, 40 other requests are answered one after the other (the server's event loop turns many times over:
    // a server that did not wait for the reader would have read all 40 pages meanwhile, however slow the machine).
    for (let i = 0; i < 40; i++) expect((await fetch(`${server.url}/api/user-info`, { headers: { authorization: `Bearer ${alice.token}` } })).status).toBe(200);
    const whilePaused = pagesRead() - before;
    expect(whilePaused).toBeLessThan(20); // of 40: the client's and the kernel's buffers hold some
    let bytes = head.length;
    let tail = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (head.length < 5000) head += decoder.decode(value, { stream: true });
      else tail = (tail + decoder.decode(value)).slice(-3000);
    }
    expect(bytes).toBeGreaterThan(40_000_000);
    expect(pagesRead() - before).toBeGreaterThanOrEqual(40);
    expect(head.split('\r\n')[0]).toBe(AUDIT_COLUMNS.join(','));
    expect(tail.endsWith('\r\n')).toBe(true);
    expect(tail).toContain('bulk-19-999');

    // Python's csv module reads the start: the documented columns, the hostile cell quoted and defused.
    const script = `import csv, io, json, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.read())))
print(json.dumps({"columns": list(rows[0].keys()), "first": rows[0], "count": len(rows)}))`;
    const sample = head.split('\r\n').slice(0, 3).join('\r\n');
    const parsed = await python(script, `${sample}\r\n`);
    expect(parsed.columns).toEqual([...AUDIT_COLUMNS]);
    expect(parsed.first).toMatchObject({ kind: 'credential.validate', targetId: 'bulk-0-0', actor: 'background', at: '2026-06-01T00:00:00.000Z' });
    expect(parsed.first.detail).toBe(`'=HYPERLINK("http://evil", "click"), "quoted"\nline`);
  });

  it('CSV cells never run as formulas: read with "," or split on ";" or a tab as other locales do, no piece starts a formula', async () => {
    const hostile = ['=1+1', 'ok;=cmd|"/c calc"!A1', 'a\t@SUM(A1)', 'x, -2+3', '＝HYPERLINK("http://evil")', 'plain; text', 'tab\there'];
    const line = hostile.map(cell).join(',');
    // Python's csv module, as a spreadsheet would: with ",", then each cell split again on ";" and on a tab.
    const script = `import csv, io, json, sys
cells = next(csv.reader(io.StringIO(sys.stdin.read())))
pieces = [p for c in cells for part in c.split(";") for p in part.split("\t")]
print(json.dumps({"cells": cells, "pieces": pieces}))`;
    const parsed = await python(script, `${line}\r\n`);
    expect(parsed.cells).toHaveLength(hostile.length);
    for (const piece of parsed.pieces) expect(piece.trimStart(), piece).not.toMatch(/^[=+\-@＝＋－＠]/);
    // Every cell with a separator is quoted; the text is all there, a quote mark before each formula character.
    expect(cell('plain; text')).toBe('"plain; text"');
    expect(cell('tab\there')).toBe('"tab\there"');
    expect(parsed.cells[1]).toBe(`ok;'=cmd|"/c calc"!A1`);
  });

  it('as JSON lines by default, the same events, oldest first; 406 for a format it does not write', async () => {
    const result = await fetch(`${server.url}/api/audit-events?since=${since}&until=2026-06-01T00:00:05Z`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(result.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await result.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.targetId)).toEqual(['bulk-0-0', 'bulk-0-1', 'bulk-0-2', 'bulk-0-3', 'bulk-0-4']);
    expect(Object.keys(lines[0])).toEqual([...AUDIT_COLUMNS]);
    const refused = await fetch(`${server.url}/api/audit-events`, { headers: { authorization: `Bearer ${alice.token}`, accept: 'image/png' } });
    expect(refused.status).toBe(406);
  });
});
