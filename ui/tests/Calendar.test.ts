import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeProperty } from './fixtures';
import { setLanguage, setTimeZone } from '../src/lib/i18n/i18n.svelte';
import { route } from '../src/lib/router';
import { get } from 'svelte/store';
import Calendar from '../src/lib/screens/Calendar.svelte';
import BookViewingDialog from '../src/lib/components/BookViewingDialog.svelte';
import Viewings from '../src/lib/components/Viewings.svelte';
import type { Viewing } from '../src/lib/wire.gen';

vi.mock('../src/lib/ipc');

function viewing(over: Partial<Viewing> = {}): Viewing {
  return {
    id: 1,
    lead_id: 5,
    property_id: 7,
    at: '2026-12-03T07:00:00Z',
    duration_min: 30,
    place: 'Lobby',
    status: 'scheduled',
    created_at: '2026-12-01T00:00:00Z',
    updated_at: '2026-12-01T00:00:00Z',
    lead_name: 'Hot Lead',
    property_title: 'Villa on the Palm',
    ...over,
  };
}

describe('Calendar', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
    setTimeZone('Asia/Dubai');
  });

  it('asks for the visible week in the workspace zone and places a viewing on its day', async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing()]);
    render(Calendar, { view: 'week', date: '2026-12-02' });
    await waitFor(() => expect(ipc.viewingList).toHaveBeenCalledWith('2026-11-29T20:00:00Z', '2026-12-06T20:00:00Z'));
    const block = await screen.findByTestId('calendar-viewing');
    expect(block.closest('[data-testid="calendar-day"]')?.getAttribute('data-day')).toBe('2026-12-03');
    expect(block.textContent).toContain('11:00');
    expect(block.textContent).toContain('Hot Lead');
    expect(block.textContent).toContain('Lobby');
    expect(screen.getAllByTestId('calendar-day')).toHaveLength(7);
  });

  it('strikes a cancelled viewing through', async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing({ status: 'cancelled' })]);
    render(Calendar, { view: 'day', date: '2026-12-03' });
    const block = await screen.findByTestId('calendar-viewing');
    expect(block.classList.contains('cancelled')).toBe(true);
    expect(screen.getAllByTestId('calendar-day')).toHaveLength(1);
  });

  it('moves by week with the arrow keys and switches to the day view with d', async () => {
    render(Calendar, { view: 'week', date: '2026-12-02' });
    await fireEvent.keyDown(document.body, { key: 'ArrowRight', code: 'ArrowRight' });
    expect(get(route)).toEqual({ name: 'calendar', view: 'week', date: '2026-12-09' });
    await fireEvent.keyDown(document.body, { key: 'd', code: 'KeyD' });
    expect(get(route)).toEqual({ name: 'calendar', view: 'day', date: '2026-12-02' });
  });

  it('cancels a viewing only after confirming, saying the reminder will not go', async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing()]);
    vi.mocked(ipc.viewingSetStatus).mockResolvedValue(viewing({ status: 'cancelled' }));
    render(Calendar, { view: 'week', date: '2026-12-02' });
    await fireEvent.click(await screen.findByTestId('calendar-viewing'));
    await fireEvent.click(await screen.findByTestId('viewing-cancel'));
    expect(ipc.viewingSetStatus).not.toHaveBeenCalled();
    expect(screen.getByTestId('viewing-cancel-confirm').textContent).toContain('reminder will not go');
    await fireEvent.click(screen.getByTestId('viewing-cancel-yes'));
    await waitFor(() => expect(ipc.viewingSetStatus).toHaveBeenCalledWith(1, 'cancelled'));
    await waitFor(() => expect(screen.getByTestId('calendar-viewing').classList.contains('cancelled')).toBe(true));
  });

  it('marks a viewing done from the panel', async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing()]);
    vi.mocked(ipc.viewingSetStatus).mockResolvedValue(viewing({ status: 'done' }));
    render(Calendar, { view: 'week', date: '2026-12-02' });
    await fireEvent.click(await screen.findByTestId('calendar-viewing'));
    await fireEvent.click(await screen.findByTestId('viewing-done'));
    await waitFor(() => expect(ipc.viewingSetStatus).toHaveBeenCalledWith(1, 'done'));
  });
});

describe('Book viewing dialog', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
    setTimeZone('Asia/Dubai');
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ id: 7, title: 'Villa on the Palm' })]);
  });

  it('books at the wall-clock time in the workspace zone and says the confirmation is queued', async () => {
    vi.mocked(ipc.viewingAdd).mockResolvedValue({
      id: 1,
      viewing: viewing(),
      confirmation_queued: true,
      reminder_at: '2026-12-03T05:00:00Z',
    });
    render(BookViewingDialog, { open: true, lead: { id: 5, name: 'Hot Lead' }, date: '2026-12-03' });
    await waitFor(() => expect(screen.getByText(/Villa on the Palm/)).toBeTruthy());
    await fireEvent.change(screen.getByTestId('booking-listing'), { target: { value: '7' } });
    await fireEvent.input(screen.getByTestId('booking-time'), { target: { value: '11:00' } });
    await fireEvent.input(screen.getByTestId('booking-place'), { target: { value: 'Lobby' } });
    await fireEvent.click(screen.getByTestId('booking-submit'));
    await waitFor(() =>
      expect(ipc.viewingAdd).toHaveBeenCalledWith({ lead_id: 5, property_id: 7, at: '2026-12-03T07:00:00Z', duration_min: 30, place: 'Lobby' }),
    );
    expect((await screen.findByTestId('booking-confirmation')).textContent).toContain('Confirmation queued');
    expect(screen.getByTestId('booking-reminder').textContent).toContain('09:00');
    expect(screen.queryByText(/sent/i)).toBeNull();
  });

  it('keeps the booking result when the page behind reloads and hands it the same lead again', async () => {
    vi.mocked(ipc.viewingAdd).mockResolvedValue({ id: 1, viewing: viewing(), confirmation_queued: true, reminder_at: null });
    const { rerender } = render(BookViewingDialog, { open: true, lead: { id: 5, name: 'Hot Lead' }, date: '2026-12-03' });
    await waitFor(() => expect(screen.getByText(/Villa on the Palm/)).toBeTruthy());
    await fireEvent.change(screen.getByTestId('booking-listing'), { target: { value: '7' } });
    await fireEvent.click(screen.getByTestId('booking-submit'));
    await screen.findByTestId('booking-result');
    // The lead's page reloads its viewings after the booking: a new, equal lead object.
    await rerender({ open: true, lead: { id: 5, name: 'Hot Lead' }, date: '2026-12-03' });
    expect(screen.getByTestId('booking-confirmation').textContent).toContain('Confirmation queued');
  });

  it('says plainly when no confirmation was queued and no reminder is due', async () => {
    vi.mocked(ipc.viewingAdd).mockResolvedValue({ id: 1, viewing: viewing(), confirmation_queued: false, reminder_at: null });
    render(BookViewingDialog, { open: true, lead: { id: 5, name: 'Hot Lead' }, date: '2026-12-03' });
    await waitFor(() => expect(screen.getByText(/Villa on the Palm/)).toBeTruthy());
    await fireEvent.change(screen.getByTestId('booking-listing'), { target: { value: '7' } });
    await fireEvent.click(screen.getByTestId('booking-submit'));
    expect((await screen.findByTestId('booking-confirmation')).textContent).toContain('No confirmation queued');
    expect(screen.getByTestId('booking-reminder').textContent).toContain('No reminder');
  });

  it('refuses to book without a listing and shows the backend error as text', async () => {
    render(BookViewingDialog, { open: true, lead: { id: 5, name: 'Hot Lead' }, date: '2026-12-03' });
    await fireEvent.click(await screen.findByTestId('booking-submit'));
    expect(screen.getByTestId('booking-error').textContent).toContain('Choose a listing');
    expect(ipc.viewingAdd).not.toHaveBeenCalled();
    vi.mocked(ipc.viewingAdd).mockRejectedValue({ code: 'validation', field: 'at', message: '<b>too far</b>' });
    await fireEvent.change(screen.getByTestId('booking-listing'), { target: { value: '7' } });
    await fireEvent.click(screen.getByTestId('booking-submit'));
    await waitFor(() => expect(screen.getByTestId('booking-error').textContent).toBe('<b>too far</b>'));
  });
});

describe('Lead viewings', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
  });

  it("lists the lead's viewings with their status", async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing({ at: '2099-01-01T07:00:00Z' }), viewing({ id: 2, at: '2020-01-01T07:00:00Z', status: 'no_show' })]);
    render(Viewings, { of: { kind: 'lead', id: 5, name: 'Hot Lead' } });
    await waitFor(() => expect(screen.getAllByTestId('lead-viewing')).toHaveLength(2));
    expect(ipc.viewingList).toHaveBeenCalledWith(null, null, 5);
    expect(screen.getByText('Upcoming')).toBeTruthy();
    expect(screen.getByText('No-show')).toBeTruthy();
  });

  it("lists a listing's viewings by lead and books one with that listing already chosen", async () => {
    vi.mocked(ipc.viewingList).mockResolvedValue([viewing({ at: '2099-01-01T07:00:00Z' })]);
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ id: 9, title: 'JVC 2BR' }), makeProperty({ id: 3, title: 'Marina 1BR' })]);
    render(Viewings, { of: { kind: 'property', id: 9, title: 'JVC 2BR' } });
    await waitFor(() => expect(screen.getAllByTestId('property-viewing')).toHaveLength(1));
    expect(ipc.viewingList).toHaveBeenCalledWith(null, null, null, 9);
    const row = screen.getByTestId('property-viewing');
    expect(row.querySelector('a')?.getAttribute('href')).toBe(`#/lead/${viewing().lead_id}`);
    await fireEvent.click(screen.getByTestId('property-book-viewing'));
    await waitFor(() => expect((screen.getByTestId('booking-listing') as HTMLSelectElement).value).toBe('9'));
  });
});
