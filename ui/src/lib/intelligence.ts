/**
 * Helpers for the language model's settings, its drafts (prompt, answer, review), the reply
 * classes and the learned score: pure functions, so the components stay thin and tests can
 * check them directly.
 */
import { formatNumber, t, tOr } from './i18n/i18n.svelte';
import type { LlmInfo, LlmInput, OutboxMessage, ReplyClass, Status, TimelineEntry } from './types';

/** What the agent typed into the "Language model" card. */
export interface LlmForm {
  base_url: string;
  model: string;
  timeout: string;
}

export type LlmField = 'base_url' | 'model' | 'api_key' | 'timeout';

/** The default local endpoint of Ollama, offered as a hint. */
export const OLLAMA_URL = 'http://127.0.0.1:11434';

export function llmFormFrom(info: LlmInfo | null | undefined): LlmForm {
  const s = info?.settings;
  return {
    base_url: s?.base_url ?? '',
    model: s?.model ?? '',
    timeout: s?.timeout_seconds != null ? String(s.timeout_seconds) : '',
  };
}

/**
 * The `llm_set` payload. An empty key field keeps the stored key (`null`); `forgetKey` sends ""
 * (removes it). An empty time limit is null (the backend's default). Throws `{field}` when the
 * time limit is not a whole number of seconds.
 */
export function llmPayload(form: LlmForm, key: string, forgetKey = false): LlmInput {
  const raw = form.timeout.trim();
  let timeoutSeconds: number | null = null;
  if (raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 600) throw { code: 'validation', message: '', field: 'timeout' };
    timeoutSeconds = n;
  }
  const typed = key.trim();
  return {
    baseUrl: form.base_url.trim(),
    model: form.model.trim(),
    apiKey: forgetKey ? '' : typed === '' ? null : typed,
    timeoutSeconds,
  };
}

/** The form field a backend validation error belongs to. */
export function llmFieldOf(field: string | undefined): LlmField | null {
  if (field === 'base_url' || field === 'model' || field === 'timeout') return field;
  if (field === 'timeout_seconds') return 'timeout';
  if (field === 'api_key' || field === 'key') return 'api_key';
  return null;
}

// ── Drafts ──────────────────────────────────────────────────────────────────────────────

export type DraftKind = 'model' | 'template' | 'agent';

/** Where a message's text came from, or null for one not drafted (older builds, manual). */
export function draftKind(m: Pick<OutboxMessage, 'draft'>): DraftKind | null {
  return m.draft === 'model' || m.draft === 'template' || m.draft === 'agent' ? m.draft : null;
}

export const isPendingReview = (m: Pick<OutboxMessage, 'review'>) => m.review === 'pending';

/** Whether a message has anything to audit (a prompt or an answer). */
export const hasAudit = (m: Pick<OutboxMessage, 'llm_prompt' | 'llm_answer'>) => !!(m.llm_prompt || m.llm_answer);

export interface PromptLine {
  role: string;
  content: string;
}

/** The stored prompt (a JSON array of {role, content}) as lines; anything else as one line. */
export function promptLines(prompt: string | null | undefined): PromptLine[] {
  if (!prompt) return [];
  try {
    const parsed: unknown = JSON.parse(prompt);
    if (Array.isArray(parsed)) {
      return parsed.map((p) => {
        const o = (p ?? {}) as Record<string, unknown>;
        return {
          role: typeof o.role === 'string' ? o.role : '?',
          content: typeof o.content === 'string' ? o.content : JSON.stringify(o.content ?? ''),
        };
      });
    }
  } catch {
    /* not JSON: shown as it is */
  }
  return [{ role: '', content: prompt }];
}

/** The prompt as plain text, one `role: content` block per message. */
export function promptText(prompt: string | null | undefined): string {
  return promptLines(prompt)
    .map((l) => (l.role ? `${l.role}: ${l.content}` : l.content))
    .join('\n\n');
}

/** The text to send with an approval: null when the agent left the draft as it was. */
export function reviewText(original: string, edited: string): string | null {
  return edited === original || edited.trim() === '' ? null : edited;
}

// ── Replies ─────────────────────────────────────────────────────────────────────────────

export const REPLY_CLASSES: readonly ReplyClass[] = ['interested', 'asks_later', 'not_interested', 'opt_out', 'wrong_number', 'unclear'];

/** The badge tone of a reply class; null = no badge (unclear, unknown). */
export function replyTone(c: string | null | undefined): 'success' | 'warning' | 'neutral' | 'danger' | null {
  switch (c) {
    case 'interested':
      return 'success';
    case 'asks_later':
      return 'warning';
    case 'not_interested':
      return 'neutral';
    case 'opt_out':
    case 'wrong_number':
      return 'danger';
    default:
      return null;
  }
}

/** The newest `replied` entry of a timeline. */
export function latestReply(entries: TimelineEntry[]): TimelineEntry | null {
  let best: TimelineEntry | null = null;
  let bestAt = -Infinity;
  entries.forEach((e) => {
    if (e.kind !== 'replied') return;
    const at = Date.parse(e.at) || 0;
    if (at >= bestAt) {
      best = e;
      bestAt = at;
    }
  });
  return best;
}

/** "Mark as lost?" is offered when the latest reply says not interested and the lead is open. */
export function suggestLost(status: Status, entries: TimelineEntry[]): boolean {
  return status !== 'lost' && status !== 'won' && latestReply(entries)?.reply_class === 'not_interested';
}

// ── The learned score ───────────────────────────────────────────────────────────────────

/** "dubai marina" → "Dubai Marina" (area keys are lower-case). */
export function titleCase(s: string): string {
  return s.replace(/(^|[\s\-/])(\p{Ll})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/** A feature of the learned model, readable: `source:referral` → "Source: referral". */
export function featureLabel(name: string): string {
  const i = name.indexOf(':');
  if (i < 0) return tOr(`learned.feature.${name}`, tOr(`factor.${name}`, name));
  const kind = name.slice(0, i);
  const value = name.slice(i + 1);
  switch (kind) {
    case 'source':
      return t('learned.source', { source: tOr(`source.${value}`, value) });
    case 'area':
      return t('learned.area', { area: titleCase(value) });
    case 'response':
      return tOr(`learned.response.${value}`, t('learned.responseOther', { value }));
    case 'budget_band':
      return t('learned.budget', { band: tOr(`learned.band.${value}`, value) });
    default:
      return name;
  }
}

/** The chance of a win as a percentage in the UI's locale. */
export const formatChance = (p: number) =>
  formatNumber(Math.max(0, Math.min(1, p)), { style: 'percent', maximumFractionDigits: 0 });
