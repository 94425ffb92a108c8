/**
 * Plain helpers for Settings → Channels and the delivery indicator: which non-secret settings
 * each provider has (docs/CHANNELS.md), the payload `channel_set` gets, where a validation
 * error belongs, and the sidebar's summary of a `DeliveryStatus`. No Svelte, no IPC.
 */
import type { ChannelInfo, DeliveryStatus, Provider } from './types';

export const PROVIDERS: readonly Provider[] = ['telegram', 'whatsapp', 'twilio'];

export type ChannelField =
  | 'bot_username'
  | 'base_url'
  | 'phone_number_id'
  | 'api_version'
  | 'default_template'
  | 'default_template_language'
  | 'account_sid'
  | 'from'
  | 'whatsapp_from';

export interface ChannelFieldSpec {
  key: ChannelField;
  /** Shown under the "Advanced" disclosure. */
  advanced?: boolean;
  /** An example, never a real value. */
  placeholder: string;
}

/** The non-secret settings of each provider, in the order the form shows them. */
export const CHANNEL_FIELDS: Record<Provider, readonly ChannelFieldSpec[]> = {
  telegram: [
    { key: 'bot_username', placeholder: 'leadbook_bot' },
    { key: 'base_url', advanced: true, placeholder: 'https://api.telegram.org' },
  ],
  whatsapp: [
    { key: 'phone_number_id', placeholder: '106540352242922' },
    { key: 'default_template', placeholder: 'new_listing' },
    { key: 'default_template_language', placeholder: 'en_US' },
    { key: 'api_version', advanced: true, placeholder: 'v21.0' },
    { key: 'base_url', advanced: true, placeholder: 'https://graph.facebook.com' },
  ],
  twilio: [
    { key: 'account_sid', placeholder: 'AC…' },
    { key: 'from', placeholder: '+14155550100' },
    { key: 'whatsapp_from', placeholder: '+14155550100' },
    { key: 'base_url', advanced: true, placeholder: 'https://api.twilio.com' },
  ],
};

/** The form's name for the token / auth token / access token field. */
export const SECRET_FIELD = 'secret';
const SECRET_ALIASES = new Set(['secret', 'token', 'bot_token', 'access_token', 'auth_token']);

export type ChannelForm = Record<string, string>;

/** The form's values for a provider, from what is stored (missing settings are ''). */
export function formFromChannel(info: ChannelInfo): ChannelForm {
  const form: ChannelForm = {};
  for (const f of CHANNEL_FIELDS[info.provider]) form[f.key] = info.settings?.[f.key] ?? '';
  return form;
}

/** `channel_set`'s settings: every field of the provider, trimmed, '' → null. */
export function settingsPayload(provider: Provider, form: ChannelForm): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of CHANNEL_FIELDS[provider]) {
    let v = (form[f.key] ?? '').trim();
    if (f.key === 'bot_username') v = v.replace(/^@/, '');
    out[f.key] = v === '' ? null : v;
  }
  return out;
}

/** `channel_set`'s secret: null (keep the stored one) when the field was left empty. */
export function secretPayload(value: string): string | null {
  const v = value.trim();
  return v === '' ? null : v;
}

/** Which form field a validation error's `field` names, or null when it names none of them. */
export function fieldOfError(provider: Provider, field: string | undefined): string | null {
  if (!field) return null;
  if (SECRET_ALIASES.has(field)) return SECRET_FIELD;
  return CHANNEL_FIELDS[provider].some((f) => f.key === field) ? field : null;
}

/** Whether an error on `field` sits under the "Advanced" disclosure. */
export function isAdvanced(provider: Provider, field: string | null): boolean {
  return CHANNEL_FIELDS[provider].some((f) => f.key === field && f.advanced);
}

/** What the sidebar says about delivery, as message keys and counts (the component translates). */
export interface DeliverySummary {
  tone: 'offline' | 'waiting' | 'done';
  headline: { key: 'offline' | 'offlineWaiting' | 'waiting' | 'allSent'; count: number };
  unknown: number;
  manual: number;
  /** Drafts waiting for the agent's review. */
  review: number;
}

export function summariseDelivery(s: DeliveryStatus): DeliverySummary {
  const waiting = Math.max(0, s.waiting);
  let headline: DeliverySummary['headline'];
  let tone: DeliverySummary['tone'];
  if (s.online === false) {
    tone = 'offline';
    headline = waiting > 0 ? { key: 'offlineWaiting', count: waiting } : { key: 'offline', count: 0 };
  } else if (waiting > 0) {
    tone = 'waiting';
    headline = { key: 'waiting', count: waiting };
  } else {
    tone = 'done';
    headline = { key: 'allSent', count: 0 };
  }
  return { tone, headline, unknown: Math.max(0, s.unknown), manual: Math.max(0, s.manual), review: Math.max(0, s.review ?? 0) };
}

/** What a manual message's link opens: a WhatsApp chat or a phone call. */
export function manualLinkKind(link: string | null | undefined): 'whatsapp' | 'call' | null {
  if (!link) return null;
  if (/^tel:/i.test(link)) return 'call';
  if (/^https:\/\/(wa\.me|api\.whatsapp\.com)\//i.test(link)) return 'whatsapp';
  return null;
}
