import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeMatch, makeOutboxMessage, makeProperty } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { parseHash, routeToHash } from '../src/lib/router';
import { createShortcutHandler } from '../src/lib/shortcuts';
import Properties from '../src/lib/screens/Properties.svelte';
import PropertyDetail from '../src/lib/screens/PropertyDetail.svelte';
import PropertyForm from '../src/lib/components/PropertyForm.svelte';
import MatchPanel from '../src/lib/components/MatchPanel.svelte';
import LeadListings from '../src/lib/components/LeadListings.svelte';
import type { PropertyAdded } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const field = (name: string) => screen.getByTestId(`pfield-${name}`) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.input(field(name), { target: { value } });

function added(over: Partial<PropertyAdded> = {}): PropertyAdded {
  const property = makeProperty();
  return { id: property.id, property, matched: 3, queued: 2, unreachable: 1, unreachable_leads: [], awaiting_confirmation: false, ...over };
}

describe('Listing form', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows a validation error next to the field named in the error and keeps the values', async () => {
    vi.mocked(ipc.propertyAdd).mockRejectedValue({
      code: 'validation',
      field: 'permit',
      message: 'a RERA permit number has letters, digits and dashes only',
    });
    render(PropertyForm, { oncancel: () => {} });
    await type('title', 'Villa on the Palm');
    await type('location', 'Palm');
    await type('price', '3,100,000');
    await type('permit', 'no good!');
    await fireEvent.click(screen.getByTestId('save-property'));

    const error = await waitFor(() => {
      const el = document.getElementById('error-permit');
      expect(el).not.toBeNull();
      return el!;
    });
    expect(error.textContent).toContain('A RERA permit number has letters, digits and dashes only.');
    const permit = field('permit');
    expect(permit.getAttribute('aria-invalid')).toBe('true');
    expect(permit.getAttribute('aria-describedby')?.split(' ')).toContain('error-permit');
    expect(permit.value).toBe('no good!');
    expect(field('title').value).toBe('Villa on the Palm');
    expect(field('title').getAttribute('aria-invalid')).toBeNull();
    expect(document.getElementById('error-title')).toBeNull();
    expect(ipc.propertyAdd).toHaveBeenCalledWith(
      expect.objectContaining({ title: 'Villa on the Palm', location: 'Palm', price: 3100000, purpose: 'sale', permit: 'no good!' }),
    );
    await waitFor(() => expect(document.activeElement).toBe(permit));
  });

  it('catches a missing price before asking the backend', async () => {
    render(PropertyForm, { oncancel: () => {} });
    await type('title', 'Somewhere');
    await type('location', 'JVC');
    await fireEvent.click(screen.getByTestId('save-property'));
    expect(document.getElementById('error-price')?.textContent).toContain('This is required.');
    expect(field('price').getAttribute('aria-invalid')).toBe('true');
    expect(ipc.propertyAdd).not.toHaveBeenCalled();
  });

  it('edits a listing with property_update', async () => {
    const property = makeProperty({ id: 9, bedrooms: 3 });
    vi.mocked(ipc.propertyUpdate).mockResolvedValue({ ...property, price: 2_900_000 });
    const onupdated = vi.fn();
    render(PropertyForm, { property, onupdated, oncancel: () => {} });
    expect(field('price').value).toBe('3100000');
    await type('price', '2 900 000');
    await fireEvent.click(screen.getByTestId('save-property'));
    await waitFor(() => expect(onupdated).toHaveBeenCalled());
    expect(ipc.propertyUpdate).toHaveBeenCalledWith(9, expect.objectContaining({ price: 2900000, bedrooms: 3, property_type: 'villa' }));
    expect(ipc.propertyAdd).not.toHaveBeenCalled();
  });
});

describe('Match panel', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows the counts and every matching buyer in rank order, each linking to the lead', async () => {
    vi.mocked(ipc.propertyMatches).mockResolvedValue([
      makeMatch({
        id: 4,
        name: 'Hot Lead',
        grade: 'A',
        fit: 0.97,
        alert: { message_id: 1, status: 'queued', channel: 'manual', review: null, error: 'no channel can reach this lead', held_for: null },
      }),
      makeMatch({ id: 2, name: 'Warm Two', grade: 'B', fit: 0.5 }),
      makeMatch({ id: 8, name: '<img src=x onerror="window.__pwned=1">', grade: 'C', fit: 0.25, reachable: false, phone: '+971509999999' }),
    ]);
    render(MatchPanel, { result: added() });
    const panel = screen.getByTestId('match-panel');
    expect(within(panel).getByTestId('match-summary').textContent).toMatch(/3 buyers matched\s*·\s*2 alerts queued\s*·\s*1 to call/);
    const rows = await within(panel).findAllByTestId('match-row');
    expect(rows.map((r) => within(r).getByTestId('match-name').textContent)).toEqual([
      'Hot Lead',
      'Warm Two',
      '<img src=x onerror="window.__pwned=1">',
    ]);
    expect(within(rows[0]).getByTestId('match-name').getAttribute('href')).toBe('#/lead/4');
    expect(rows[0].textContent).toContain('97% fit');
    // The alert's real state, in the one vocabulary: no channel is set up, so it is the agent's.
    const alert = within(rows[0]).getByTestId('match-alert');
    expect([alert.dataset.state, alert.textContent]).toEqual(['manual', 'To send by hand']);
    expect(within(rows[1]).getByTestId('match-reachable').textContent).toBe('Not told');
    // What the fit is over.
    expect(within(rows[0]).getByTestId('match-why').textContent).toBe('Fits on: area, budget · Not given: type, bedrooms, buy or rent');
    expect(ipc.propertyMatches).toHaveBeenCalledWith(7);
    expect(document.querySelector('img')).toBeNull();

    // The number reads grouped; the call still dials E.164.
    expect(within(rows[2]).getByTestId('match-call').textContent).toContain('+971 50 999 9999');
    await fireEvent.click(within(rows[2]).getByTestId('match-call'));
    expect(ipc.openExternal).toHaveBeenCalledWith('tel:+971509999999');
  });

  it('shows an alert a compliance rule holds as Held, with the rule as its reason', async () => {
    vi.mocked(ipc.propertyMatches).mockResolvedValue([
      makeMatch({ id: 4, name: 'Hot Lead', grade: 'A', fit: 0.97, alert: { message_id: 1, status: 'held', channel: null, review: null, error: null, held_for: 'no_permit' } }),
    ]);
    render(MatchPanel, { result: added() });
    const alert = await within(screen.getByTestId('match-panel')).findByTestId('match-alert');
    expect(alert.textContent).toBe('Held');
    expect(alert.getAttribute('title')).toMatch(/permit/i);
  });

  it('tells nobody until the agent confirms, then says what was queued', async () => {
    vi.mocked(ipc.propertyMatches).mockResolvedValue([
      makeMatch({ id: 4, name: 'Hot Lead' }),
      makeMatch({ id: 2, name: 'Warm Two', reachable: false }),
    ]);
    const waiting = added({ matched: 2, queued: 0, unreachable: 0, awaiting_confirmation: true });
    vi.mocked(ipc.propertyAnnounce).mockResolvedValue(added({ matched: 2, queued: 1, unreachable: 1 }));
    render(MatchPanel, { result: waiting, onclose: () => {} });
    expect(screen.getByTestId('match-summary').textContent).toMatch(/2 buyers matched\s*·\s*nobody told yet/);
    expect(screen.queryByTestId('match-queued')).toBeNull();
    expect(screen.getByTestId('match-confirm').textContent).toContain('has not told these 2 buyers yet');
    // Who would be told is listed before anything is sent.
    expect((await screen.findAllByTestId('match-row')).length).toBe(2);
    expect(ipc.propertyAnnounce).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('match-announce'));
    expect(ipc.propertyAnnounce).toHaveBeenCalledWith(waiting.id);
    await waitFor(() => expect(screen.getByTestId('match-summary').textContent).toMatch(/2 buyers matched\s*·\s*1 alert queued\s*·\s*1 to call/));
    expect(screen.queryByTestId('match-confirm')).toBeNull();
  });

  it('uses the singular and translates', async () => {
    vi.mocked(ipc.propertyMatches).mockResolvedValue([makeMatch()]);
    const { unmount } = render(MatchPanel, { result: added({ matched: 1, queued: 1, unreachable: 0 }) });
    expect(screen.getByTestId('match-summary').textContent).toMatch(/1 buyer matched\s*·\s*1 alert queued\s*·\s*0 to call/);
    unmount();
    setLanguage('fa');
    render(MatchPanel, { result: added({ matched: 1, queued: 1, unreachable: 0 }) });
    expect(screen.getByTestId('match-summary').textContent).toContain('۱ خریدار مناسب');
  });
});

describe('Properties screen', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('has routes for the list and one listing', () => {
    expect(parseHash('#/properties')).toEqual({ name: 'properties' });
    expect(parseHash('#/property/12')).toEqual({ name: 'property', id: 12 });
    expect(routeToHash({ name: 'property', id: 12 })).toBe('#/property/12');
    expect(parseHash('#/property/x')).toEqual({ name: 'today' });
  });

  it('g p goes to the listings', () => {
    const goProperties = vi.fn();
    const noop = () => {};
    const handler = createShortcutHandler({
      goDashboard: noop,
      goLeads: noop,
      goSettings: noop,
      goProperties,
      newLead: noop,
      focusSearch: noop,
      showHelp: noop,
    });
    handler(new KeyboardEvent('keydown', { key: 'g', code: 'KeyG' }));
    handler(new KeyboardEvent('keydown', { key: 'پ', code: 'KeyP' }));
    expect(goProperties).toHaveBeenCalledOnce();
  });

  it('shows an empty state, then adds a listing and shows who matched', async () => {
    const result = added({ matched: 1, queued: 1, unreachable: 0 });
    vi.mocked(ipc.propertyAdd).mockResolvedValue(result);
    vi.mocked(ipc.propertyMatches).mockResolvedValue([makeMatch({ id: 4, name: 'Hot Lead' })]);
    render(Properties);
    await screen.findByTestId('properties-empty');

    vi.mocked(ipc.propertyList).mockResolvedValue([result.property]);
    await fireEvent.click(screen.getByTestId('add-property'));
    await type('title', 'Villa on the Palm');
    await type('location', 'Palm');
    await type('price', '3100000');
    await fireEvent.change(field('property_type'), { target: { value: 'villa' } });
    await type('bedrooms', '4');
    await fireEvent.click(screen.getByTestId('save-property'));

    const panel = await screen.findByTestId('match-panel');
    expect(within(panel).getByTestId('match-matched').textContent).toBe('1 buyer matched');
    expect((await within(panel).findByTestId('match-name')).textContent).toBe('Hot Lead');
    expect(ipc.propertyAdd).toHaveBeenCalledWith(expect.objectContaining({ property_type: 'villa', bedrooms: 4, price: 3100000 }));
    expect(screen.queryByTestId('property-form')).toBeNull();
    const row = await screen.findByTestId('property-row');
    expect(row.textContent).toContain('Villa on the Palm');
    expect(row.textContent).toMatch(/AED\s3,100,000/);
    expect(row.textContent).toContain('Available');
  });

  it('making a listing available again shows who was newly told', async () => {
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ status: 'reserved' })]);
    vi.mocked(ipc.propertySetStatus).mockResolvedValue(added({ matched: 2, queued: 1, unreachable: 0 }));
    render(PropertyDetail, { id: 7 });
    const select = (await screen.findByTestId('property-status-select')) as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'available' } });
    expect(ipc.propertySetStatus).toHaveBeenCalledWith(7, 'available');
    const panel = await screen.findByTestId('match-panel');
    expect(panel.textContent).toContain('2 buyers matched');
  });

  it('says so when the listing is not in this workspace', async () => {
    render(PropertyDetail, { id: 99 });
    await screen.findByTestId('property-not-found');
  });
});

describe('Listings sent (lead detail)', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it("lists the lead's property messages with title, state and time, newest first", async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 1, property_id: 7, status: 'delivered' }),
      makeOutboxMessage({ id: 2, kind: 'followup', property_id: null, body: 'Just checking in' }),
      makeOutboxMessage({ id: 3, property_id: 55, status: 'queued', body: 'Old listing — JVC' }),
    ]);
    vi.mocked(ipc.propertyList).mockResolvedValue([makeProperty({ id: 7, title: 'Villa on the Palm' })]);
    render(LeadListings, { leadId: 4 });
    const items = await screen.findAllByTestId('listing-sent');
    expect(ipc.outboxList).toHaveBeenCalledWith({ leadId: 4 });
    expect(items).toHaveLength(2);
    expect(within(items[0]).getByTestId('listing-sent-title').textContent).toBe('Old listing — JVC');
    expect(within(items[0]).getByTestId('listing-sent-status').textContent).toBe('Queued');
    const title = within(items[1]).getByTestId('listing-sent-title');
    expect(title.textContent).toBe('Villa on the Palm');
    expect(title.getAttribute('href')).toBe('#/property/7');
    expect(within(items[1]).getByTestId('listing-sent-status').textContent).toBe('Delivered');
    expect(items[1].textContent).toContain('Queued');
  });

  it('says when nothing was sent', async () => {
    render(LeadListings, { leadId: 4 });
    await screen.findByTestId('listings-empty');
  });
});
