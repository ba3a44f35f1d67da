/**
 * The audit trail's export formats, for every door that exports it (REST's
 * download, the CLI): JSON lines or CSV (RFC 4180 with a header row), written a line at a
 * time from the domain's export, so that any number of events streams in
 * constant memory. CSV cells that a spreadsheet would run as a formula
 * (starting with = + - @, a tab or a carriage return) are prefixed with `'`.
 */
import { Readable } from 'node:stream';
import type { AuditEventView } from './trail.js';

/** The CSV's columns, in order (the JSON lines carry the same names). */
export const AUDIT_COLUMNS = [
  'id',
  'at',
  'kind',
  'seqeraType',
  'targetType',
  'targetId',
  'targetName',
  'workspaceId',
  'ownerUserId',
  'actor',
  'actorName',
  'door',
  'detail',
] as const;

export type AuditFormat = 'ndjson' | 'csv';

const row = (e: AuditEventView): Record<(typeof AUDIT_COLUMNS)[number], string | number | null> => ({
  id: e.id,
  at: e.at.toISOString(),
  kind: e.action,
  seqeraType: e.seqeraType,
  targetType: e.targetType,
  targetId: e.targetId,
  targetName: e.targetName,
  workspaceId: e.workspaceId,
  ownerUserId: e.ownerUserId,
  actor: e.actor,
  actorName: e.actorName,
  door: e.door,
  detail: e.detail,
});

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The events as a stream of lines in the format. */
export function auditStream(events: AsyncIterable<AuditEventView>, format: AuditFormat): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${AUDIT_COLUMNS.join(',')}\r\n`;
    for await (const event of events) {
      const r = row(event);
      yield format === 'csv' ? `${AUDIT_COLUMNS.map((c) => cell(r[c])).join(',')}\r\n` : `${JSON.stringify(r)}\n`;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
