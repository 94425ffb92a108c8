/** Pure helpers of the Today screen: call durations the agent types, snooze times. */

/** "5" → 300 s, "4:30" → 270 s, "" → null; undefined when it cannot be read. */
export function parseDuration(text: string): number | null | undefined {
  const s = text.trim();
  if (!s) return null;
  let m = /^(\d{1,4})$/.exec(s);
  if (m) return Number(m[1]) * 60;
  m = /^(\d{1,4}):([0-5]\d)$/.exec(s);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return undefined;
}

/** One hour after `now`, RFC 3339. */
export function inAnHour(now: Date): string {
  return new Date(now.getTime() + 3600_000).toISOString();
}

/** The offset (minutes east of UTC) of `zone` at `at`. */
function offsetMinutes(zone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(at.getTime() / 60000) * 60000) / 60000);
}

/** Tomorrow at 09:00 in the workspace's zone, RFC 3339 (UTC). */
export function tomorrowNine(now: Date, zone: string): string {
  const off = offsetMinutes(zone, now);
  const local = new Date(now.getTime() + off * 60000);
  const target = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 9, 0);
  const guess = new Date(target - off * 60000);
  const off2 = offsetMinutes(zone, guess);
  return new Date(target - off2 * 60000).toISOString();
}

/** A `datetime-local` value ("2026-03-01T14:30") read in the workspace zone → RFC 3339 UTC. */
export function fromLocalInput(value: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const target = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  const off = offsetMinutes(zone, new Date(target));
  const guess = new Date(target - off * 60000);
  return new Date(target - offsetMinutes(zone, guess) * 60000).toISOString();
}
