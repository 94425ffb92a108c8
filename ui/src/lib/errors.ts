/**
 * Normalises anything a command (or our own code) can throw into the wire's `AppError`
 * shape, so screens switch on `code` and never on message text.
 */
import type { AppError } from './types';

const KNOWN_CODES = new Set([
  'validation',
  'not_found',
  'duplicate',
  'usage',
  'internal',
  'offline',
  'provider',
  'busy',
  'database',
  'io',
  'cancelled',
]);

function fromObject(v: Record<string, unknown>): AppError | null {
  if (typeof v.code !== 'string') return null;
  const err: AppError = {
    code: v.code,
    message: typeof v.message === 'string' ? v.message : '',
  };
  if (typeof v.field === 'string' && v.field !== '') err.field = v.field;
  return err;
}

export function isAppError(v: unknown): v is AppError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as AppError).code === 'string' &&
    typeof (v as AppError).message === 'string'
  );
}

export function toAppError(e: unknown): AppError {
  if (typeof e === 'object' && e !== null) {
    const shaped = fromObject(e as Record<string, unknown>);
    if (shaped) return shaped;
    if (e instanceof Error) return { code: 'internal', message: e.message || e.name };
    return { code: 'internal', message: safeJson(e) };
  }
  if (typeof e === 'string') {
    // Some layers serialise the error to a JSON string; accept that too.
    const trimmed = e.trim();
    if (trimmed.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (typeof parsed === 'object' && parsed !== null) {
          const shaped = fromObject(parsed as Record<string, unknown>);
          if (shaped) return shaped;
        }
      } catch {
        /* not JSON: fall through */
      }
    }
    return { code: 'internal', message: e };
  }
  return { code: 'internal', message: e === undefined ? '' : String(e) };
}

/**
 * What a rejected command call becomes. Our commands reject with the `{code, message, field?}`
 * object; a plain string comes from Tauri itself, before any command ran — most often a payload
 * that does not fit the command's typed arguments ("invalid args `input` for command
 * `lead_add`: …", "command lead_get missing required key id") — so it is a `usage` error.
 */
export function fromInvokeRejection(e: unknown): AppError {
  if (typeof e === 'string' && !e.trim().startsWith('{')) return { code: 'usage', message: e };
  return toAppError(e);
}

/** True for the codes this UI knows how to explain; others are shown as `internal`. */
export function isKnownCode(code: string): boolean {
  return KNOWN_CODES.has(code);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
