import { describe, expect, it, vi } from 'vitest';
import { addDays, isYmd, rangeOf, step, visibleDays, weekStart, zonedParts, zonedToUtc, todayIn } from '../src/lib/calendar';

describe('calendar arithmetic', () => {
  it('starts the week on Monday', () => {
    expect(weekStart('2026-12-02')).toBe('2026-11-30');
    expect(weekStart('2026-11-30')).toBe('2026-11-30');
    expect(weekStart('2026-12-06')).toBe('2026-11-30');
    expect(visibleDays('week', '2026-12-02')).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    expect(visibleDays('day', '2026-12-02')).toEqual(['2026-12-02']);
  });
  it('moves by a day or a week across months', () => {
    expect(step('day', '2026-12-31', 1)).toBe('2027-01-01');
    expect(step('week', '2026-12-02', -1)).toBe('2026-11-25');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });
  it('accepts only real dates', () => {
    expect(isYmd('2026-02-30')).toBe(false);
    expect(isYmd('2026-2-3')).toBe(false);
    expect(isYmd('2026-02-28')).toBe(true);
  });
  it('places an instant in the workspace zone', () => {
    expect(zonedParts('2026-12-02T20:30:00Z', 'Asia/Dubai')).toEqual({ ymd: '2026-12-03', minutes: 30 });
    expect(zonedParts('2026-12-02T07:15:00Z', 'Asia/Tehran')).toEqual({ ymd: '2026-12-02', minutes: 10 * 60 + 45 });
    expect(todayIn('Asia/Dubai', new Date('2026-12-02T21:00:00Z'))).toBe('2026-12-03');
  });
  it('turns wall-clock time in the zone into UTC, also across DST', () => {
    expect(zonedToUtc('2026-12-03', '11:00', 'Asia/Dubai')).toBe('2026-12-03T07:00:00Z');
    expect(zonedToUtc('2026-07-01', '09:00', 'Europe/London')).toBe('2026-07-01T08:00:00Z');
    expect(zonedToUtc('2026-01-01', '09:00', 'Europe/London')).toBe('2026-01-01T09:00:00Z');
  });
  it('asks for the visible range in the zone', () => {
    expect(rangeOf('week', '2026-12-02', 'Asia/Dubai')).toEqual({ from: '2026-11-29T20:00:00Z', to: '2026-12-06T20:00:00Z' });
    expect(rangeOf('day', '2026-12-02', 'UTC')).toEqual({ from: '2026-12-02T00:00:00Z', to: '2026-12-03T00:00:00Z' });
  });
});

import { parseHash, routeToHash } from '../src/lib/router';
describe('calendar route', () => {
  it('round-trips view and date', () => {
    expect(parseHash('#/calendar?view=day&date=2026-12-02')).toEqual({ name: 'calendar', view: 'day', date: '2026-12-02' });
    expect(parseHash('#/calendar')).toEqual({ name: 'calendar', view: 'week' });
    expect(parseHash('#/calendar?view=x&date=2026-02-31')).toEqual({ name: 'calendar', view: 'week' });
    const r = { name: 'calendar', view: 'day', date: '2026-12-02' } as const;
    expect(parseHash(routeToHash(r))).toEqual(r);
  });
});

import { createShortcutHandler } from '../src/lib/shortcuts';
describe('calendar shortcut', () => {
  it('g c opens the calendar', () => {
    const goCalendar = vi.fn();
    const h = createShortcutHandler({ goDashboard() {}, goLeads() {}, goSettings() {}, newLead() {}, focusSearch() {}, showHelp() {}, goCalendar });
    h(new KeyboardEvent('keydown', { key: 'g', code: 'KeyG' }));
    h(new KeyboardEvent('keydown', { key: 'c', code: 'KeyC' }));
    expect(goCalendar).toHaveBeenCalledOnce();
  });
});
