/**
 * Calendar arithmetic for the viewings screen: days as `YYYY-MM-DD` in the workspace's zone,
 * the visible range (day or week starting Monday), and a viewing's place on the grid.
 */
export type CalView = 'day' | 'week';

export const FIRST_HOUR = 7;
export const LAST_HOUR = 22;

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isYmd(s: string | null | undefined): s is string {
  if (!s) return false;
  const m = YMD.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function toUtcDate(ymd: string): Date {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function fromUtcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(ymd: string, n: number): string {
  const d = toUtcDate(ymd);
  d.setUTCDate(d.getUTCDate() + n);
  return fromUtcDate(d);
}

/** The Monday of `ymd`'s week. */
export function weekStart(ymd: string): string {
  const dow = (toUtcDate(ymd).getUTCDay() + 6) % 7;
  return addDays(ymd, -dow);
}

/** The days shown: one, or the seven of the week from Monday. */
export function visibleDays(view: CalView, ymd: string): string[] {
  if (view === 'day') return [ymd];
  const start = weekStart(ymd);
  return Array.from({ length: 7 }, (_, i) => addDays(start, i));
}

/** The wall-clock parts of an instant in `tz` (undefined = the machine's zone). */
export function zonedParts(iso: string, tz?: string): { ymd: string; minutes: number } {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(iso))) p[part.type] = part.value;
  return { ymd: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** Today's date in `tz`. */
export function todayIn(tz?: string, now: Date = new Date()): string {
  return zonedParts(now.toISOString(), tz).ymd;
}

/** The UTC instant (RFC 3339) of wall-clock `ymd` `hh:mm` in `tz`. */
export function zonedToUtc(ymd: string, hhmm: string, tz?: string): string {
  const [y, mo, d] = ymd.split('-').map(Number);
  const [h, mi] = hhmm.split(':').map(Number);
  const wanted = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wanted;
  // Two passes settle the zone's offset (also across a DST change).
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess).toISOString(), tz);
    const [py, pm, pd] = p.ymd.split('-').map(Number);
    const shown = Date.UTC(py, pm - 1, pd, Math.floor(p.minutes / 60), p.minutes % 60);
    guess += wanted - shown;
  }
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}

/** `from`/`to` (RFC 3339, UTC) of the visible days in `tz`. */
export function rangeOf(view: CalView, ymd: string, tz?: string): { from: string; to: string } {
  const days = visibleDays(view, ymd);
  return { from: zonedToUtc(days[0], '00:00', tz), to: zonedToUtc(addDays(days[days.length - 1], 1), '00:00', tz) };
}

/** Moves by one day or one week. */
export function step(view: CalView, ymd: string, dir: 1 | -1): string {
  return addDays(ymd, dir * (view === 'day' ? 1 : 7));
}

/** "HH:MM" of minutes since midnight. */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
