/**
 * Language, direction and locale-aware formatting. `t()` reads reactive state, so any
 * template that calls it re-renders when the language changes.
 */
import type { Lang } from '../types';
import { isLang } from '../enums';
import en from './en';
import fa from './fa';
import ar from './ar';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
type PluralBase<K> = K extends `${infer B}_one` ? B : never;
export type PluralKey = PluralBase<MessageKey>;
export type Params = Record<string, string | number | null | undefined>;

export const catalogues: Record<Lang, Messages> = { en, fa, ar };

/** The BCP 47 locale each UI language formats numbers and dates with. */
export const INTL_LOCALES: Record<Lang, string> = {
  en: 'en-AE',
  fa: 'fa-IR-u-ca-persian',
  ar: 'ar-AE',
};

const RTL: ReadonlySet<Lang> = new Set<Lang>(['fa', 'ar']);
const STORAGE_KEY = 'leadbook.lang';

/** Whether the agent ever chose the interface language on this computer. */
export function languageChosen(): boolean {
  try {
    return isLang(globalThis.localStorage?.getItem(STORAGE_KEY));
  } catch {
    return false;
  }
}

function storedLang(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (isLang(v)) return v;
  } catch {
    /* storage unavailable */
  }
  return 'en';
}

const state = $state<{ lang: Lang; timeZone: string | undefined; currency: string }>({
  lang: storedLang(),
  timeZone: undefined,
  currency: 'AED',
});

export const i18n = {
  get lang(): Lang {
    return state.lang;
  },
  get locale(): string {
    return INTL_LOCALES[state.lang];
  },
  get dir(): 'rtl' | 'ltr' {
    return dirOf(state.lang);
  },
  get timeZone(): string | undefined {
    return state.timeZone;
  },
  get currency(): string {
    return state.currency;
  },
};

export function dirOf(lang: Lang): 'rtl' | 'ltr' {
  return RTL.has(lang) ? 'rtl' : 'ltr';
}

/** Switches the UI language: catalogue, `<html lang dir>`, and the cached choice. */
export function setLanguage(lang: Lang): void {
  state.lang = lang;
  applyToDocument();
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    /* storage unavailable */
  }
}

/** Writes the current language and direction onto `<html>`. */
export function applyToDocument(): void {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  root.lang = state.lang;
  root.dir = dirOf(state.lang);
}

/** Dates are shown in the workspace's time zone (undefined = the machine's). */
export function setTimeZone(tz: string | undefined): void {
  state.timeZone = tz && isValidTimeZone(tz) ? tz : undefined;
}

export function setCurrency(currency: string | undefined): void {
  state.currency = currency && /^[A-Z]{3}$/.test(currency) ? currency : 'AED';
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ── Messages ────────────────────────────────────────────────────────────────────────────

const RTL_CHARS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
const LTR_CHARS = /[A-Za-z\u00C0-\u024F]/;

/**
 * Wraps text written in the other direction (an Arabic name in an English sentence, a Latin
 * name or "AED 2M" in a Persian one) in Unicode isolates, so its punctuation stays put.
 */
export function isolate(text: string): string {
  const foreign = dirOf(state.lang) === 'rtl' ? LTR_CHARS : RTL_CHARS;
  return foreign.test(text) ? `\u2068${text}\u2069` : text;
}

function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined || v === null) return whole;
    return typeof v === 'number' ? formatNumber(v) : isolate(v);
  });
}

/** The message for `key` in the current language, with `{param}`s filled in. */
export function t(key: MessageKey, params?: Params): string {
  const template = catalogues[state.lang][key] ?? en[key] ?? key;
  return interpolate(template, params);
}

/** Like `t`, for keys built at run time (e.g. a factor id from the backend). */
export function tOr(key: string, fallback: string, params?: Params): string {
  const cat = catalogues[state.lang] as Record<string, string>;
  const template = cat[key] ?? (en as Record<string, string>)[key];
  return template === undefined ? fallback : interpolate(template, params);
}

/** Count-dependent message: uses `<key>_one` or `<key>_other` and passes `count`. */
export function tn(key: PluralKey, count: number, params?: Params): string {
  const form = new Intl.PluralRules(i18n.locale).select(count) === 'one' ? 'one' : 'other';
  return t(`${key}_${form}` as MessageKey, { ...params, count });
}

// ── Formatting ──────────────────────────────────────────────────────────────────────────

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(opts: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${i18n.locale}|${JSON.stringify(opts)}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(i18n.locale, opts);
    numberFormats.set(key, f);
  }
  return f;
}

function dateFormat(opts: Intl.DateTimeFormatOptions, utc = false): Intl.DateTimeFormat {
  const timeZone = utc ? 'UTC' : state.timeZone;
  const key = `${i18n.locale}|${timeZone ?? ''}|${JSON.stringify(opts)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(i18n.locale, timeZone ? { ...opts, timeZone } : opts);
    dateFormats.set(key, f);
  }
  return f;
}

export function formatNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return numberFormat(opts).format(n);
}

/** An amount in the workspace currency (AED), whole units; `compact` gives "AED 1.5M". */
export function formatMoney(n: number, compact = false): string {
  return numberFormat({
    style: 'currency',
    currency: state.currency,
    currencyDisplay: 'code',
    maximumFractionDigits: compact ? 1 : 0,
    minimumFractionDigits: 0,
    ...(compact ? { notation: 'compact' as const } : {}),
  }).format(n);
}

/** A budget range; '' when neither end is known. */
export function formatBudget(min: number | null, max: number | null, compact = false): string {
  if (min !== null && max !== null) {
    if (min === max) return formatMoney(max, compact);
    // Compact (a table cell): the currency once, on the lower end — "AED 1.5M – 2.5M".
    const upper = compact ? numberFormat({ notation: 'compact', maximumFractionDigits: 1 }).format(max) : formatMoney(max);
    return t('budget.range', { min: formatMoney(min, compact), max: upper });
  }
  if (max !== null) return t('budget.upTo', { amount: formatMoney(max, compact) });
  if (min !== null) return t('budget.from', { amount: formatMoney(min, compact) });
  return '';
}

function parseDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A calendar date ("21 Mar 2025", "۱ فروردین ۱۴۰۴"); '' for null, the raw text if unparsable. */
export function formatDate(iso: string | null | undefined): string {
  const d = parseDate(iso);
  if (!d) return iso ?? '';
  return dateFormat({ dateStyle: 'medium' }).format(d);
}

/**
 * A calendar day given as `YYYY-MM-DD` (a week's Monday): "17 Mar", "۲۷ اسفند" (Persian
 * calendar in fa); `full` adds the year. The day is not shifted by any time zone.
 */
export function formatDay(ymd: string, full = false): string {
  const d = parseDate(ymd);
  if (!d) return ymd;
  return dateFormat(full ? { dateStyle: 'medium' } : { day: 'numeric', month: 'short' }, true).format(d);
}

export function formatDateTime(iso: string | null | undefined): string {
  const d = parseDate(iso);
  if (!d) return iso ?? '';
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A wall-clock "HH:MM" (quiet hours) in the current locale's style. */
export function formatClock(hhmm: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return hhmm;
  const d = new Date(Date.UTC(2000, 0, 1, Number(m[1]), Number(m[2])));
  return dateFormat({ hour: 'numeric', minute: '2-digit' }, true).format(d);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "in 2 hours"; '' for null. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parseDate(iso);
  if (!d) return iso ?? '';
  const seconds = (d.getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(i18n.locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(0, 'minute');
}

/** Turns Persian (۰-۹) and Arabic-Indic (٠-٩) digits into ASCII ones. */
export function asciiDigits(s: string): string {
  return s
    .replace(/[۰-۹]/g, (c) => String(c.charCodeAt(0) - 0x06f0))
    .replace(/[٠-٩]/g, (c) => String(c.charCodeAt(0) - 0x0660));
}
