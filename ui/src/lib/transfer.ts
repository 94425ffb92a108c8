/**
 * Pure helpers for the Import and Export screens: the fields a column can fill, the rejected
 * rows as CSV for the clipboard, and export file names.
 */
import { t, tOr } from './i18n/i18n.svelte';
import type { ImportField, RejectedRow } from './types';

/** Every field an import column can fill, in the order the mapping select lists them. */
export const IMPORT_FIELDS: readonly ImportField[] = [
  'name',
  'first_name',
  'last_name',
  'email',
  'phone',
  'whatsapp',
  'telegram_username',
  'linkedin_url',
  'company',
  'position',
  'source',
  'budget_min',
  'budget_max',
  'locations',
  'property_type',
  'bedrooms',
  'purpose',
  'language',
  'tags',
  'notes',
];

export function isImportField(v: unknown): v is ImportField {
  return typeof v === 'string' && (IMPORT_FIELDS as readonly string[]).includes(v);
}

/**
 * One CSV cell: quoted when it holds a comma, quote or line break, and prefixed with `'` when
 * a spreadsheet would read it as a formula (the same rule as the backend's CSV export).
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rejected rows as CSV (header `row,reason`, CRLF line ends) to paste into a spreadsheet. */
export function rejectedCsv(rows: readonly RejectedRow[]): string {
  return ['row,reason', ...rows.map((r) => `${csvCell(r.row)},${csvCell(r.reason)}`)].join('\r\n') + '\r\n';
}

/** The book as a workbook or a CSV of leads, or the viewings as a calendar (RFC 5545). */
export type ExportFormat = 'xlsx' | 'csv' | 'ics';

/** `path` with the extension of `format` (replacing .xlsx/.csv/.ics, appending otherwise). */
export function withExtension(path: string, format: ExportFormat): string {
  const trimmed = path.trim();
  if (!trimmed) return trimmed;
  const base = trimmed.replace(/\.(xlsx|csv|ics)$/i, '');
  return `${base}.${format}`;
}

/** The format a path's extension names, if any. */
export function formatOfPath(path: string): ExportFormat | null {
  const m = /\.(xlsx|csv|ics)$/i.exec(path.trim());
  return m ? (m[1].toLowerCase() as ExportFormat) : null;
}

/** A default file name for an export made on `date`: `leadbook-2025-03-21.xlsx`. */
export function defaultExportName(format: ExportFormat, date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `leadbook-${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}.${format}`;
}

/**
 * Why an import row was refused, in the agent's words. The core says `field: message`
 * (`transfer/bulk.rs`), the message naming the cell's value in English ("'castle' is not a
 * property type"): a field the lead form knows reads as its label and the form's own sentence
 * for it, and the core's line is kept as the detail. Any other reason is shown as it came.
 */
export function rejectedReason(reason: string): { text: string; detail: string | null } {
  const m = /^([a-z_]+): ([\s\S]+)$/.exec(reason);
  if (m) {
    const said = tOr(`invalid.${m[1]}`, '');
    const label = tOr(`lead.${m[1]}`, '');
    if (said && label) return { text: t('import.rejectedWhy', { field: label, why: said }), detail: m[2] };
  }
  return { text: reason, detail: null };
}

/** Why a portal's mail could not be read (`messaging/email_in.rs`), in words; else as stored. */
export function unparsedReason(reason: string): string {
  if (reason === 'the mail has no text to read') return t('unparsed.reason.noText');
  if (reason === 'no phone number and no email address found in the mail') return t('unparsed.reason.noContact');
  return rejectedReason(reason).text;
}
