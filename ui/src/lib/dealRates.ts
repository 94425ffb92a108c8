/**
 * The workspace's commission rates as the agent types them (percent, any digits, `2.5` or
 * `2٫5`) and as the backend keeps them (basis points: 1 % = 100), and the viewing reminder's
 * lead time in minutes.
 */
import { asciiDigits } from './i18n/i18n.svelte';
import type { Workspace, WorkspacePatch } from './types';

export const RATE_FIELDS = ['commission_sale_bp', 'commission_rent_bp', 'vat_bp', 'agent_share_bp'] as const;
export type RateField = (typeof RATE_FIELDS)[number];
export type DealField = RateField | 'viewing_reminder_min';
export const DEAL_FIELDS: readonly DealField[] = [...RATE_FIELDS, 'viewing_reminder_min'];

/** 250 → "2.5"; 5000 → "50". */
export function bpToPercent(bp: number): string {
  return String(bp / 100);
}

/** "2.5" → 250, "٢٫٥" → 250, "2,5" → 250; null for what is not a percentage of at most two decimals in 0–100. */
export function percentToBp(raw: string): number | null {
  const s = asciiDigits(raw).replace(/[٫,]/g, '.').replace(/[%٪\s]/g, '');
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return null;
  const bp = Math.round(Number(s) * 100);
  return bp <= 10_000 ? bp : null;
}

/** Whole minutes, 0 to a week; null otherwise. */
export function parseMinutes(raw: string): number | null {
  const s = asciiDigits(raw).trim();
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 7 * 24 * 60 ? n : null;
}

export type DealForm = Record<DealField, string>;

export function formOf(ws: Workspace): DealForm {
  return {
    commission_sale_bp: bpToPercent(ws.commission_sale_bp),
    commission_rent_bp: bpToPercent(ws.commission_rent_bp),
    vat_bp: bpToPercent(ws.vat_bp),
    agent_share_bp: bpToPercent(ws.agent_share_bp),
    viewing_reminder_min: String(ws.viewing_reminder_min),
  };
}

/** The patch for what was typed, or the first field that is not right. */
export function patchOf(form: DealForm): { patch: WorkspacePatch } | { invalid: DealField } {
  const patch: WorkspacePatch = {};
  for (const f of RATE_FIELDS) {
    const bp = percentToBp(form[f]);
    if (bp === null) return { invalid: f };
    patch[f] = bp;
  }
  const minutes = parseMinutes(form.viewing_reminder_min);
  if (minutes === null) return { invalid: 'viewing_reminder_min' };
  patch.viewing_reminder_min = minutes;
  return { patch };
}

/** What a deal of `value` AED earns at these rates, rounded half up as the backend does. */
export function exampleCommission(value: number, rateBp: number, vatBp: number, shareBp: number) {
  const commission = Math.round((value * rateBp) / 10_000);
  return { commission, vat: Math.round((value * rateBp * vatBp) / 1e8), share: Math.round((value * rateBp * shareBp) / 1e8) };
}
