/** The allowed values of each enumeration, in the order the UI lists them. */
import type { Channel, Grade, Lang, MessageStatus, PropertyType, Purpose, Source, Status } from './types';

export const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D'];
export const STATUSES: readonly Status[] = [
  'new',
  'contacted',
  'replied',
  'qualified',
  'viewing',
  'negotiating',
  'won',
  'lost',
];
/** The funnel, in order; `lost` is shown apart from it. */
export const FUNNEL: readonly Status[] = STATUSES.filter((s) => s !== 'lost');
export const SOURCES: readonly Source[] = [
  'linkedin',
  'telegram',
  'whatsapp',
  'referral',
  'portal',
  'website',
  'walk_in',
  'manual',
  'import',
  'property_finder',
  'bayut',
  'dubizzle',
  'email',
];
export const PROPERTY_TYPES: readonly PropertyType[] = [
  'apartment',
  'villa',
  'townhouse',
  'penthouse',
  'office',
  'land',
];
export const PURPOSES: readonly Purpose[] = ['buy', 'rent'];
export const LANGS: readonly Lang[] = ['en', 'fa', 'ar'];
export const CHANNELS: readonly Channel[] = ['telegram', 'whatsapp', 'sms', 'email'];
export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'deferred',
  'unknown',
  'held',
];

export function isGrade(v: unknown): v is Grade {
  return typeof v === 'string' && (GRADES as readonly string[]).includes(v);
}
export function isStatus(v: unknown): v is Status {
  return typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
}
export function isSource(v: unknown): v is Source {
  return typeof v === 'string' && (SOURCES as readonly string[]).includes(v);
}
export function isMessageStatus(v: unknown): v is MessageStatus {
  return typeof v === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(v);
}
export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGS as readonly string[]).includes(v);
}

/** Time zones offered in Settings: the region's and the agent's usual clients'. */
export const TIME_ZONES: readonly string[] = [
  'Asia/Dubai',
  'Asia/Tehran',
  'Asia/Riyadh',
  'Asia/Qatar',
  'Asia/Bahrain',
  'Asia/Kuwait',
  'Asia/Muscat',
  'Asia/Baghdad',
  'Asia/Karachi',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Africa/Cairo',
  'Europe/Istanbul',
  'Europe/Moscow',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/London',
  'America/New_York',
  'America/Toronto',
  'America/Los_Angeles',
  'Australia/Sydney',
  'UTC',
];

/** Default phone regions (ISO 3166-1 alpha-2) offered in Settings. */
export const PHONE_REGIONS: readonly string[] = [
  'AE',
  'IR',
  'SA',
  'QA',
  'BH',
  'KW',
  'OM',
  'EG',
  'IN',
  'PK',
  'TR',
  'RU',
  'GB',
  'DE',
  'FR',
  'US',
  'CA',
  'AU',
];
