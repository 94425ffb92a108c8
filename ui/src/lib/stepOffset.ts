/**
 * When a campaign step goes, in words: "at once", "after 1 hour", "after 3 days and 4 hours",
 * in the interface language (Intl's own unit names and list joining, so Persian and Arabic
 * read as they should, digits included).
 */
import { i18n, t } from './i18n/i18n.svelte';

export function stepOffsetWords(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m === 0) return t('step.atOnce');
  const parts: [number, 'day' | 'hour' | 'minute'][] = [
    [Math.floor(m / 1440), 'day'],
    [Math.floor((m % 1440) / 60), 'hour'],
    [m % 60, 'minute'],
  ];
  const words = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => new Intl.NumberFormat(i18n.locale, { style: 'unit', unit, unitDisplay: 'long' }).format(n));
  let time: string;
  try {
    time = new Intl.ListFormat(i18n.locale, { style: 'long', type: 'conjunction' }).format(words);
  } catch {
    time = words.join(' ');
  }
  return t('step.after', { time });
}
