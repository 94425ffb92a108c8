/**
 * Compliance evidence (SPEC §14) in the agent's words: the checks a contact passed, the rule
 * that held a message back, the rules the agent's own contact did not keep, where a consent
 * came from — and the contact log's filter as the screen's form holds it. No Svelte, no IPC.
 */
import { t, tOr } from './i18n/i18n.svelte';
import type { Check, ConsentSource, ContactOutcome, HoldReason, LogFilter } from './types';

export const CHECKS: readonly Check[] = ['window', 'opt_out', 'do_not_market', 'quiet_hours', 'pacing', 'consent', 'dncr', 'permit'];
export const HOLD_REASONS: readonly HoldReason[] = ['dncr', 'no_consent', 'no_permit', 'do_not_market', 'review'];
export const CONTACT_OUTCOMES: readonly ContactOutcome[] = ['sent', 'held', 'call'];
/** The channels a contact-log entry names: the four a provider carries, by hand, a call. */
export const LOG_CHANNELS = ['telegram', 'whatsapp', 'sms', 'email', 'manual', 'call'] as const;
export const CONSENT_CHANNELS = ['telegram', 'whatsapp', 'sms', 'email'] as const;
export const CONSENT_SOURCES: readonly ConsentSource[] = ['inbound', 'enquiry', 'import', 'verbal'];

export function isHoldReason(v: unknown): v is HoldReason {
  return typeof v === 'string' && (HOLD_REASONS as readonly string[]).includes(v);
}

export function isCheck(v: unknown): v is Check {
  return typeof v === 'string' && (CHECKS as readonly string[]).includes(v);
}

/** A check passed, as a short phrase ("Outside quiet hours"); an unknown name as it came. */
export function checkWord(c: string): string {
  return tOr(`compliance.check.${c}`, c);
}

/** A rule the agent's own contact did not keep ("During quiet hours"). */
export function brokeWord(c: string): string {
  return tOr(`compliance.broke.${c}`, c);
}

/** Why a message is held, in a sentence ("On the Do Not Call Register"). */
export function holdReasonWord(r: string | null | undefined): string {
  if (!r) return '';
  return tOr(`compliance.hold.${r}`, r);
}

/** The checks passed, one readable list ("Sending window · Not opted out · …"). */
export function checksLine(checks: readonly string[]): string {
  return checks.map(checkWord).join(' · ');
}

/** "Rules not kept: During quiet hours, Too soon after the last message". */
export function brokeLine(checks: readonly string[]): string {
  return checks.length ? t('compliance.brokeLine', { rules: checks.map(brokeWord).join(', ') }) : '';
}

/** A log entry's channel (`manual` is by hand, `call` a call). */
export function logChannelWord(c: string): string {
  return tOr(c === 'call' ? 'compliance.channel.call' : `channel.${c}`, c);
}

/**
 * An entry's detail in words: a call's outcome ("No answer"), or the core's fixed line for a
 * message the agent sent by hand; anything else as stored.
 */
export function detailWord(outcome: string, detail: string | null | undefined): string {
  const d = detail?.trim() ?? '';
  if (!d) return '';
  if (outcome === 'call') return tOr(`today.outcome.${d}`, d);
  if (d === "sent by the agent's hand") return t('compliance.detail.byHand');
  return d;
}

/** Where a consent came from, in words (inbound: the lead wrote first on this channel…). */
export function consentSourceWord(s: string): string {
  return tOr(`compliance.source.${s}`, s);
}

/** What the screen's filter form holds: '' for "any". */
export interface LogForm {
  from: string;
  to: string;
  leadId: number | null;
  channel: string;
  rule: string;
  outcome: string;
}

export const EMPTY_LOG_FORM: LogForm = { from: '', to: '', leadId: null, channel: '', rule: '', outcome: '' };

const YMD = /^\d{4}-\d{2}-\d{2}$/;

/** The `LogFilter` the core reads: every empty field left out; a malformed date is ignored. */
export function logFilterOf(f: LogForm): LogFilter {
  const out: LogFilter = {};
  if (YMD.test(f.from)) out.from = f.from;
  if (YMD.test(f.to)) out.to = f.to;
  if (f.leadId !== null && f.leadId > 0) out.lead_id = f.leadId;
  if (f.channel) out.channel = f.channel;
  if (isHoldReason(f.rule) || isCheck(f.rule)) out.rule = f.rule;
  if ((CONTACT_OUTCOMES as readonly string[]).includes(f.outcome)) out.outcome = f.outcome as ContactOutcome;
  return out;
}

/** The rules the filter offers: `held:<reason>` is the same name as a check for dncr and do_not_market. */
export function ruleOptions(): { value: string; label: string; group: 'held' | 'broke' }[] {
  return [
    ...HOLD_REASONS.map((r) => ({ value: r, label: holdReasonWord(r), group: 'held' as const })),
    ...CHECKS.filter((c) => !isHoldReason(c)).map((c) => ({ value: c, label: brokeWord(c), group: 'broke' as const })),
  ];
}
