/**
 * What the lead and the listing forms both do with what was typed: trimming, whole numbers
 * from any digits, and which form field a backend error's `field` names.
 */
import { asciiDigits } from './i18n/i18n.svelte';

/** What the form can see is wrong before asking the backend. */
export type FieldProblem = 'notNumber' | 'required';

/** Trimmed text; blank → null. */
export function text(v: string): string | null {
  const trimmed = v.trim();
  return trimmed === '' ? null : trimmed;
}

/** Whole number from what was typed: Persian/Arabic digits, thousands separators allowed. */
export function parseWholeNumber(v: string): number | null | 'invalid' {
  const cleaned = asciiDigits(v).replace(/[\s,٬،_']/g, '').trim();
  if (cleaned === '') return null;
  if (!/^\d+$/.test(cleaned)) return 'invalid';
  const n = Number(cleaned);
  return Number.isSafeInteger(n) ? n : 'invalid';
}

/** A reader of whole-number fields that notes `notNumber` in `problems` for what isn't one. */
export function wholeNumbers<F extends string>(problems: Partial<Record<F, FieldProblem>>) {
  return (field: F, raw: string): number | null => {
    const n = parseWholeNumber(raw);
    if (n === 'invalid') {
      problems[field] = 'notNumber';
      return null;
    }
    return n;
  };
}

/**
 * Maps the `field` of a backend error to the form field it belongs to (null: the form):
 * one of `fields` itself, or what `aliases` says the backend's other name is.
 */
export function fieldMapper<F extends string>(fields: readonly F[], aliases: Record<string, F>) {
  return (field: string | undefined): F | null => {
    if (!field) return null;
    if ((fields as readonly string[]).includes(field)) return field as F;
    return aliases[field] ?? null;
  };
}
