/**
 * Plain helpers for the Follow-ups screen and the step editor: grouping the due queue,
 * splitting a step's offset into days and hours, the template variables, and finding which
 * step and field a backend validation error is about. No Svelte, no IPC: unit-testable.
 */
import type { AppError, DueItem, Language, Step, StepStats, VariantStats } from './types';

export type DueGroup = 'overdue' | 'waiting' | 'later';
export const DUE_GROUPS: readonly DueGroup[] = ['overdue', 'waiting', 'later'];

/** Which group of the due queue an item belongs to. */
export function dueGroupOf(item: DueItem): DueGroup {
  if (item.waiting_for_window) return 'waiting';
  if (item.overdue) return 'overdue';
  return 'later';
}

/** The due queue in its three groups, each keeping the backend's order (earliest first). */
export function groupDue(items: readonly DueItem[]): Record<DueGroup, DueItem[]> {
  const groups: Record<DueGroup, DueItem[]> = { overdue: [], waiting: [], later: [] };
  for (const item of items) groups[dueGroupOf(item)].push(item);
  return groups;
}

/**
 * How many steps each group holds in all, when only the first pages are shown: the day's steps
 * due by now (`due_now`) are overdue, or all waiting when the sending window is closed; the
 * rest are later today. Without the totals, the rows shown.
 */
export function groupCounts(
  shown: Record<DueGroup, DueItem[]>,
  totals: { total: number; due_now: number } | null,
): Record<DueGroup, number> {
  if (!totals) return { overdue: shown.overdue.length, waiting: shown.waiting.length, later: shown.later.length };
  const nowGroup: DueGroup = shown.waiting.length > 0 ? 'waiting' : 'overdue';
  return {
    overdue: nowGroup === 'overdue' ? totals.due_now : shown.overdue.length,
    waiting: nowGroup === 'waiting' ? totals.due_now : shown.waiting.length,
    later: Math.max(0, totals.total - totals.due_now),
  };
}

/** The variables a template may use (SPEC §5); shown as "insert" buttons in the editor. */
export const TEMPLATE_VARIABLES = [
  'first_name',
  'name',
  'agent_name',
  'location',
  'budget',
  'property_type',
  'bedrooms',
  'property_title',
  'property_location',
  'price',
] as const;

export type TemplateLang = Language;
export const TEMPLATE_LANGS: readonly TemplateLang[] = ['en', 'fa', 'ar'];
export type TemplateField = `template_${TemplateLang}`;

/** A step's offset as whole days and the hours left over. */
export function splitOffset(minutes: number): { days: number; hours: number; minutes: number } {
  const m = Math.max(0, Math.round(minutes));
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  return { days, hours, minutes: m % 60 };
}

/** Days + hours (+ stray minutes kept from the stored value) back to minutes. */
export function joinOffset(days: number, hours: number, minutes = 0): number {
  const d = Number.isFinite(days) ? Math.max(0, Math.floor(days)) : 0;
  const h = Number.isFinite(hours) ? Math.max(0, Math.floor(hours)) : 0;
  return d * 1440 + h * 60 + minutes;
}

/** Inserts `text` into `value` replacing [start, end); returns the new value and caret. */
export function insertAt(value: string, text: string, start: number, end: number = start): { value: string; caret: number } {
  const s = Math.max(0, Math.min(start, value.length));
  const e = Math.max(s, Math.min(end, value.length));
  return { value: value.slice(0, s) + text + value.slice(e), caret: s + text.length };
}

/** Steps renumbered 1..n in their current order. */
export function renumber(steps: readonly Step[]): Step[] {
  return steps.map((s, i) => ({ ...s, position: i + 1 }));
}

/** Moves the step at `from` to `to` (indices), renumbering. */
export function moveStep(steps: readonly Step[], from: number, to: number): Step[] {
  if (to < 0 || to >= steps.length || from === to) return [...steps];
  const next = [...steps];
  const [s] = next.splice(from, 1);
  next.splice(to, 0, s);
  return renumber(next);
}

/** A new step one day after the last one. */
export function blankStep(after: readonly Step[]): Step {
  const last = after.at(-1);
  return {
    position: after.length + 1,
    offset_minutes: (last?.offset_minutes ?? 0) + 1440,
    label: '',
    template_en: '',
    template_fa: '',
    template_ar: '',
    channel: null,
    wa_template: null,
    wa_template_language: null,
    wa_template_params: [],
    subject_en: '',
    subject_fa: '',
    subject_ar: '',
    variants: [],
  };
}

/** A step as the editor wants it: the WhatsApp template fields present even from an older core. */
export function withTemplateFields(step: Step): Step {
  return {
    ...step,
    wa_template: step.wa_template ?? null,
    wa_template_language: step.wa_template_language ?? null,
    wa_template_params: Array.isArray(step.wa_template_params) ? [...step.wa_template_params] : [],
    subject_en: step.subject_en ?? '',
    subject_fa: step.subject_fa ?? '',
    subject_ar: step.subject_ar ?? '',
    variants: Array.isArray(step.variants) ? step.variants.map((v) => ({ ...v })) : [],
  };
}

export const STEP_FIELDS = [
  'offset_minutes',
  'label',
  'template_en',
  'template_fa',
  'template_ar',
  'channel',
  'wa_template',
  'wa_template_language',
  'wa_template_params',
  'subject_en',
  'subject_fa',
  'subject_ar',
  'variants',
] as const;
export type StepField = (typeof STEP_FIELDS)[number];

/**
 * Where a `campaign_update` validation error belongs: the step index (0-based, from "step N"
 * in the message) or null for the whole campaign, and the step field or null.
 */
export function locateStepError(
  err: AppError,
  stepCount: number,
): { index: number | null; field: StepField | null; variant?: number } {
  const field = (STEP_FIELDS as readonly string[]).includes(err.field ?? '') ? (err.field as StepField) : null;
  const m = /step\s+(\d+)/i.exec(err.message);
  const n = m ? Number(m[1]) : NaN;
  const index = Number.isInteger(n) && n >= 1 && n <= stepCount ? n - 1 : null;
  // "step 2 variant B needs a message…": the template field of variant B (1), not of A.
  const v = /variant\s+([B-D])\b/.exec(err.message);
  const variant = v ? variantIndex(v[1]) : 0;
  return variant > 0 && field ? { index, field, variant } : { index: field ? index : null, field };
}

// ── A/B tests ──

/** At most three variants beside A. */
export const MAX_VARIANTS = 3;

/** 0 → A, 1 → B… */
export const variantLabel = (i: number): string => String.fromCharCode(65 + i);
/** 'B' → 1; 0 for anything else than B–Z. */
export function variantIndex(label: string): number {
  const c = label.trim().toUpperCase().charCodeAt(0) - 65;
  return Number.isInteger(c) && c >= 1 && c < 26 ? c : 0;
}

/** Fewer sent than this (for a variant or for A) and no verdict is given. */
export const MIN_SENT = 20;

export type Verdict = 'baseline' | 'too_few' | 'better' | 'worse' | 'no_difference';

/** What to say about variant `v` of a step's figures, against A. */
export function verdictOf(stats: StepStats, v: VariantStats): Verdict {
  if (v.variant === 0) return 'baseline';
  const a = stats.variants.find((x) => x.variant === 0);
  if (!a || v.sent < MIN_SENT || a.sent < MIN_SENT || !v.versus_a) return 'too_few';
  if (!v.versus_a.significant) return 'no_difference';
  return v.versus_a.z > 0 ? 'better' : 'worse';
}
