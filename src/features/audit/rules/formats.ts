/**
 * The audit trail's export formats, for every door that exports it (REST's
 * download, the CLI): JSON lines or CSV (RFC 4180 with a header row), written a line at a
 * time from the domain's export, so that any number of events streams in
 * constant memory. No CSV cell can run as a spreadsheet formula: a formula
 * character (= + - @, their fullwidth forms, a tab or a carriage return) that
 * starts the cell, or starts a piece a spreadsheet splitting on another
 * separator (`;`, a tab) would make, is prefixed with `'`; and every cell that
 * holds a separator is quoted.
 */
import { Readable } from 'node:stream';
import type { AuditEventView } from '../model.js';

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

/** A formula character at the start of the cell or of a piece after a separator (spaces before it too). */
const FORMULA_START = /(^|[,;\t])([ \u3000]*)([=+\-@\uFF1D\uFF0B\uFF0D\uFF20\t\r])/g;

export function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value).replace(FORMULA_START, "$1$2'$3");
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Characters of lines sent in one write. */
const CHUNK = 64 * 1024;

/** The events as a stream of lines in the format. */
export function auditStream(events: AsyncIterable<AuditEventView>, format: AuditFormat): Readable {
  // Lines are sent in chunks of about CHUNK characters: a write per line made a socket write per event.
  async function* lines(): AsyncGenerator<string> {
    let chunk = format === 'csv' ? `${AUDIT_COLUMNS.join(',')}\r\n` : '';
    for await (const event of events) {
      const r = row(event);
      chunk += format === 'csv' ? `${AUDIT_COLUMNS.map((c) => cell(r[c])).join(',')}\r\n` : `${JSON.stringify(r)}\n`;
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  return Readable.from(lines(), { objectMode: false });
}
