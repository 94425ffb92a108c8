/**
 * Plain helpers for Settings → Channels and the delivery indicator: which non-secret settings
 * each provider has (docs/CHANNELS.md), the payload `channel_set` gets, where a validation
 * error belongs, and the sidebar's summary of a `DeliveryStatus`. No Svelte, no IPC.
 */
import type { ChannelInfo, DeliveryStatus, Provider } from './types';
import type { MessageKey } from './i18n/i18n.svelte';

export const PROVIDERS: readonly Provider[] = ['telegram', 'whatsapp', 'twilio', 'email'];

export type ChannelField =
  | 'bot_username'
  | 'base_url'
  | 'phone_number_id'
  | 'api_version'
  | 'default_template'
  | 'default_template_language'
  | 'account_sid'
  | 'from'
  | 'whatsapp_from'
  | 'imap_host'
  | 'imap_port'
  | 'imap_security'
  | 'smtp_host'
  | 'smtp_port'
  | 'smtp_security'
  | 'username'
  | 'folder';

export interface ChannelFieldSpec {
  key: ChannelField;
  /** Shown under the "Advanced" disclosure. */
  advanced?: boolean;
  /** An example, never a real value. */
  placeholder: string;
  /** The label's message key when it is not `channelField.<key>` (email's `from`). */
  label?: MessageKey;
  /** A port: sent as a number. */
  numeric?: boolean;
  /** One of these values (shown as a choice). */
  choices?: readonly MailSecurity[];
}

/** How a mail server's connection is protected (`none` only for this machine). */
export const MAIL_SECURITY = ['tls', 'starttls', 'none'] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

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
  email: [
    { key: 'from', label: 'channelField.email.from', placeholder: 'agent@example.com' },
    { key: 'username', placeholder: 'agent@example.com' },
    { key: 'imap_host', placeholder: 'imap.example.com' },
    { key: 'smtp_host', placeholder: 'smtp.example.com' },
    { key: 'imap_security', advanced: true, placeholder: 'tls', choices: MAIL_SECURITY },
    { key: 'imap_port', advanced: true, placeholder: '993', numeric: true },
    { key: 'smtp_security', advanced: true, placeholder: 'tls', choices: MAIL_SECURITY },
    { key: 'smtp_port', advanced: true, placeholder: '465', numeric: true },
    { key: 'folder', advanced: true, placeholder: 'INBOX' },
  ],
};

/** The form's name for the token / auth token / access token field. */
export const SECRET_FIELD = 'secret';
const SECRET_ALIASES = new Set(['secret', 'token', 'bot_token', 'access_token', 'auth_token', 'password']);

export type ChannelForm = Record<string, string>;

/** The form's values for a provider, from what is stored (missing settings are ''). */
export function formFromChannel(info: ChannelInfo): ChannelForm {
  const form: ChannelForm = {};
  for (const f of CHANNEL_FIELDS[info.provider]) {
    const v = info.settings?.[f.key];
    form[f.key] = v === null || v === undefined ? '' : String(v);
  }
  return form;
}

/** `channel_set`'s settings: every field of the provider, trimmed, '' → null. */
export function settingsPayload(provider: Provider, form: ChannelForm): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const f of CHANNEL_FIELDS[provider]) {
    let v = (form[f.key] ?? '').trim();
    if (f.key === 'bot_username') v = v.replace(/^@/, '');
    // A port that is not a number goes as typed, for the core to refuse with its field.
    out[f.key] = v === '' ? null : f.numeric && /^\d{1,5}$/.test(v) ? Number(v) : v;
  }
  return out;
}

/** Whether a port typed in the form is a port (1–65535); empty is the default port. */
export function portProblem(form: ChannelForm, provider: Provider): string | null {
  for (const f of CHANNEL_FIELDS[provider]) {
    if (!f.numeric) continue;
    const v = (form[f.key] ?? '').trim();
    if (v !== '' && !(/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535)) return f.key;
  }
  return null;
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
  /**
   * `allSent` only when nothing at all is left for anyone; `autoSent` ("nothing queued to
   * send") when the sender is idle but messages wait for the agent: by hand, to review, to
   * confirm, failed, or held by a compliance rule.
   */
  headline: { key: 'offline' | 'offlineWaiting' | 'waiting' | 'allSent' | 'autoSent'; count: number };
  unknown: number;
  manual: number;
  /** Drafts waiting for the agent's review. */
  review: number;
  failed: number;
  /** Held back by a compliance rule (SPEC §14): never "all sent" while any is. */
  held: number;
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
  const left = {
    unknown: Math.max(0, s.unknown),
    manual: Math.max(0, s.manual),
    review: Math.max(0, s.review ?? 0),
    failed: Math.max(0, s.failed ?? 0),
    held: Math.max(0, s.held ?? 0),
  };
  if (headline.key === 'allSent' && left.unknown + left.manual + left.review + left.failed + left.held > 0) headline = { key: 'autoSent', count: 0 };
  return { tone, headline, ...left };
}

/** What "Send now" did, told when the round it started reports (message key and count). */
export type SendNowOutcome =
  | { key: 'nowOffline'; count: number }
  | { key: 'nowAllGone'; count: number }
  | { key: 'nowSome'; count: number; left: number }
  | { key: 'nowNothing'; count: number };

/** Compares the sender's state before "Send now" with the state its round reported. */
export function sendNowOutcome(before: DeliveryStatus | null, after: DeliveryStatus): SendNowOutcome {
  const was = Math.max(0, before?.waiting ?? 0);
  const left = Math.max(0, after.waiting);
  if (was === 0 && left === 0) return { key: 'nowNothing', count: Math.max(0, after.manual) };
  if (after.online === false) return { key: 'nowOffline', count: left };
  if (left === 0) return { key: 'nowAllGone', count: was };
  return { key: 'nowSome', count: Math.max(0, was - left), left };
}

/** What a manual message's link opens: a WhatsApp chat or a phone call. */
export function manualLinkKind(link: string | null | undefined): 'whatsapp' | 'call' | null {
  if (!link) return null;
  if (/^tel:/i.test(link)) return 'call';
  if (/^https:\/\/(wa\.me|api\.whatsapp\.com)\//i.test(link)) return 'whatsapp';
  return null;
}
