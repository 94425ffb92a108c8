import { describe, expect, it } from 'vitest';
import en from '../src/lib/i18n/en';
import fa from '../src/lib/i18n/fa';
import ar from '../src/lib/i18n/ar';
import {
  asciiDigits,
  formatBudget,
  formatClock,
  formatDate,
  formatMoney,
  formatNumber,
  i18n,
  setLanguage,
  t,
  tn,
} from '../src/lib/i18n/i18n.svelte';

const catalogues = { en, fa, ar } as Record<string, Record<string, string>>;
/** Intl puts no-break spaces between currency and amount; compare with plain ones. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('en, fa and ar have exactly the same keys', () => {
    const keys = Object.keys(en).sort();
    expect(Object.keys(fa).sort()).toEqual(keys);
    expect(Object.keys(ar).sort()).toEqual(keys);
  });

  it('have no empty messages', () => {
    for (const [lang, cat] of Object.entries(catalogues)) {
      for (const [key, value] of Object.entries(cat)) {
        expect(value.trim(), `${lang}:${key}`).not.toBe('');
      }
    }
  });

  it('use the same {parameters} for each key in every language', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(params(fa[key]), `fa:${key}`).toEqual(params(en[key]));
      expect(params(ar[key]), `ar:${key}`).toEqual(params(en[key]));
    }
  });

  it('fills parameters and formats numeric ones for the locale', () => {
    expect(t('dashboard.totalLeads', { count: 1234 })).toBe('Total leads: 1,234');
    setLanguage('fa');
    expect(t('dashboard.totalLeads', { count: 1234 })).toBe('همه سرنخ‌ها: ۱٬۲۳۴');
  });

  it('isolates text written in the other direction so punctuation stays put', () => {
    expect(t('form.mergedInto', { name: 'Omid Karimi' })).toBe('Merged into Omid Karimi');
    expect(t('form.mergedInto', { name: 'یوسف ناصر' })).toBe('Merged into \u2068یوسف ناصر\u2069');
    setLanguage('fa');
    expect(t('form.mergedInto', { name: 'یوسف ناصر' })).toBe('در یوسف ناصر ادغام شد');
    expect(t('form.mergedInto', { name: 'Omid' })).toBe('در \u2068Omid\u2069 ادغام شد');
  });

  it('picks the singular or plural form', () => {
    expect(tn('leads.count', 1)).toBe('1 lead');
    expect(tn('leads.count', 100000)).toBe('100,000 leads');
  });
});

describe('language and direction', () => {
  it('sets dir="rtl" for Persian and Arabic and "ltr" for English', () => {
    setLanguage('fa');
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('fa');
    setLanguage('ar');
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ar');
    setLanguage('en');
    expect(document.documentElement.dir).toBe('ltr');
    expect(document.documentElement.lang).toBe('en');
  });

  it('switches the catalogue and remembers the choice', () => {
    setLanguage('ar');
    expect(t('nav.leads')).toBe('العملاء المحتملون');
    expect(localStorage.getItem('leadbook.lang')).toBe('ar');
    expect(i18n.locale).toBe('ar-AE');
  });
});

describe('number and date formatting', () => {
  const nowruz = '2025-03-21T08:00:00Z';

  it('formats numbers per locale', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    setLanguage('fa');
    expect(formatNumber(1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    setLanguage('ar');
    expect(formatNumber(1234567)).toMatch(/1.234.567/);
  });

  it('shows budgets in AED', () => {
    expect(plain(formatMoney(1500000))).toBe('AED 1,500,000');
    expect(plain(formatMoney(1500000, true))).toBe('AED 1.5M');
    expect(plain(formatBudget(1000000, 2500000, true))).toBe('AED 1M – 2.5M');
    expect(plain(formatBudget(null, 2000000))).toBe('Up to AED 2,000,000');
    expect(formatBudget(null, null)).toBe('');
    setLanguage('fa');
    expect(formatMoney(1500000)).toContain('۱٬۵۰۰٬۰۰۰');
  });

  it('groups money for reading in each language, with the currency', () => {
    const bare = (s: string) => plain(s).replace(/[\u200e\u200f\u061c]/g, '');
    expect(bare(formatMoney(3100000))).toBe('AED 3,100,000');
    expect(bare(formatMoney(85000))).toBe('AED 85,000');
    setLanguage('fa');
    expect(bare(formatMoney(3100000))).toBe('AED ۳٬۱۰۰٬۰۰۰');
    expect(bare(formatBudget(null, 2000000))).toContain('۲٬۰۰۰٬۰۰۰');
    setLanguage('ar');
    // Arabic (UAE) groups with a comma or the Arabic thousands separator, amount before the code.
    expect(bare(formatMoney(3100000))).toMatch(/^(3,100,000|٣٬١٠٠٬٠٠٠) AED$/);
    expect(bare(formatBudget(1000000, 2500000))).toMatch(/1,000,000|١٬٠٠٠٬٠٠٠/);
  });

  it('uses the Persian calendar for fa', () => {
    setLanguage('fa');
    const s = formatDate(nowruz);
    expect(s).toContain('۱۴۰۴'); // year 1404 of the Solar Hijri calendar
    expect(s).toContain('فروردین'); // its first month
  });

  it('uses the Gregorian calendar for en and ar', () => {
    expect(formatDate(nowruz)).toBe('21 Mar 2025');
    setLanguage('ar');
    expect(formatDate(nowruz)).toContain('2025');
  });

  it('formats wall-clock times and leaves bad input alone', () => {
    expect(formatClock('09:00')).toBe('9:00 AM');
    setLanguage('fa');
    expect(formatClock('18:00')).toBe('۱۸:۰۰');
    expect(formatClock('later')).toBe('later');
    expect(formatDate('not a date')).toBe('not a date');
    expect(formatDate(null)).toBe('');
  });

  it('reads Persian and Arabic digits typed by the user', () => {
    expect(asciiDigits('۰۵۰۱۲۳۴۵۶۷')).toBe('0501234567');
    expect(asciiDigits('٢٥٠٠٠٠٠')).toBe('2500000');
  });
});

describe("the default campaign's name", () => {
  it('reads in the agent language, and a name the agent gave stays as typed', async () => {
    const { campaignName } = await import('../src/lib/campaignName');
    const { setLanguage } = await import('../src/lib/i18n/i18n.svelte');
    setLanguage('fa');
    expect(campaignName('New lead nurture')).toBe('پرورش سرنخ تازه');
    expect(campaignName('Palm buyers')).toBe('Palm buyers');
    setLanguage('ar');
    expect(campaignName('New lead nurture')).toBe('رعاية العميل الجديد');
    setLanguage('en');
  });
});
