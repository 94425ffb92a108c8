/**
 * A time zone as the agent reads it: its name in the agent's language from the platform's
 * ICU ("Gulf Standard Time", «وقت عادی خلیج فارس», «توقيت الخليج») and the city of its IANA
 * id, which tells apart zones sharing a name (Dubai and Muscat are both Gulf time). The id
 * itself stays the value stored and sent.
 */
import { i18n } from './i18n/i18n.svelte';

export function zoneName(zone: string, locale: string = i18n.locale): string {
  const city = zone.split('/').pop()?.replace(/_/g, ' ') ?? zone;
  try {
    const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'longGeneric' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName')?.value;
    // Where ICU knows no name it gives an offset ("GMT+4"): the id reads better then.
    if (!part || /^(GMT|UTC)/.test(part)) return zone.replace(/_/g, ' ');
    return `${part} — ${city}`;
  } catch {
    return zone.replace(/_/g, ' ');
  }
}
