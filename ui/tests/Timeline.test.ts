import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import * as ipc from '../src/lib/ipc';
import Timeline from '../src/lib/components/Timeline.svelte';
import { entryWords } from '../src/lib/timelineWords';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import type { TimelineEntry } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const at = '2025-03-21T08:00:00Z';
const words = (kind: string, detail: string) => entryWords({ at, kind, detail }).text;
const plain = (s: string) => s.replace(/[\u00a0\u202f\u2068\u2069]/g, (c) => (c === '\u2068' || c === '\u2069' ? '' : ' '));

describe('the timeline in words', () => {
  it('renders an entry in words rather than its codes', () => {
    const entries: TimelineEntry[] = [
      { at, kind: 'created', detail: 'source referral' },
      { at: '2025-03-22T08:00:00Z', kind: 'merged', detail: 'merged a duplicate from manual (same phone)' },
      { at: '2025-03-23T08:00:00Z', kind: 'status_changed', detail: 'contacted → viewing' },
    ];
    render(Timeline, { props: { entries } });
    const shown = screen.getAllByTestId('timeline-entry').map((e) => e.textContent?.replace(/\s+/g, ' ').trim());
    expect(shown[0]).toContain('Status changed');
    expect(shown[0]).toContain('Contacted → Viewing');
    expect(shown[1]).toContain('Merged a duplicate with the same phone number (source: Added by hand)');
    expect(shown[2]).toContain('Lead added');
    expect(shown[2]).toContain('Source: Referral');
    expect(shown.join(' ')).not.toMatch(/source referral|from manual/);
  });

  it('says the codes of each kind the backend writes', () => {
    expect(words('updated', 'edited budget_max, phone, tags')).toBe('Edited budget up to, phone, and tags');
    expect(words('merged', 'merged a duplicate from import (same linkedin url); kept the existing phone, budget')).toBe(
      'Merged a duplicate with the same LinkedIn profile (source: Import); kept the existing phone and budget',
    );
    expect(words('merged', 'merged lead #12 (Omid K) by hand')).toBe('Merged lead #12 (Omid K) by hand');
    expect(words('kept_separate', 'kept apart from lead #12 (Omid K), same phone')).toBe(
      'Added as a lead of its own though it shares the phone number with lead #12 (Omid K); that phone number still finds Omid K',
    );
    expect(words('status_changed', 'new → contacted (first message sent via whatsapp)')).toBe('New → Contacted (first message sent on WhatsApp)');
    expect(words('status_changed', 'new → contacted (answered a call)')).toBe('New → Contacted (answered a call)');
    expect(words('created', 'first wrote via telegram')).toBe('First wrote on Telegram');
    expect(words('opted_out', 'opted out of email (the provider says the lead unsubscribed)')).toBe(
      'Opted out of E-mail (the provider says the lead unsubscribed)',
    );
    expect(words('call', 'call: no_answer, 40 s — try later')).toBe('Call: No answer, 40 s — try later');
    expect(words('do_not_market', 'marked do not market: declined on a call')).toBe('Marked do not market: declined on a call');
    expect(plain(words('deal', 'deal #3 opened: sale of AED 2000000 at offer'))).toBe('Deal #3 opened: a sale of AED 2,000,000, at Offer');
    expect(words('deal', 'deal #3: offer → mou_signed')).toBe('Deal #3: Offer → MOU signed');
    expect(words('viewing', 'viewing #4 of Palm villa 4BR: no_show')).toBe('Viewing #4 of Palm villa 4BR: No-show');
    expect(plain(words('viewing', 'viewing #4 of Palm villa 4BR booked for 2025-03-24 16:30'))).toMatch(/^Viewing #4 of Palm villa 4BR booked for 24 Mar 2025 4:30 PM$/i);
  });

  it("names a lead's tasks on the timeline by their kind and title, never task_open", () => {
    render(Timeline, { props: { entries: [{ at, kind: 'task_open', detail: 'call task: Call about the Palm' }] } });
    const shown = screen.getByTestId('timeline-entry').textContent?.replace(/\s+/g, ' ');
    expect(shown).toContain('Task');
    expect(shown).toContain('Call: Call about the Palm');
    expect(shown).not.toMatch(/task_open|call task/);
    expect(words('task_done', 'document task: Send the floor plan')).toBe('Document: Send the floor plan');
  });

  it('says where an enquiry came from', () => {
    expect(words('enquiry', 'Enquiry from Property Finder (listing PF-123): Is it still available? [property #5]')).toBe(
      'Enquiry from Property Finder (listing PF-123): Is it still available? · property #5',
    );
    expect(words('enquiry', 'Call from Bayut')).toBe('Call from Bayut');
    expect(words('enquiry', 'Enquiry by email: Hello')).toBe('Enquiry by e-mail: Hello');
    expect(words('enquiry', 'Enquiry from email (read by the agent): 2BR in JVC')).toBe('Enquiry from e-mail, read by you: 2BR in JVC');
    setLanguage('fa');
    expect(words('enquiry', 'Enquiry by email: سلام')).toBe('درخواست با ایمیل: سلام');
  });

  it('keeps a line it does not know as the backend wrote it, and the lead’s own words', () => {
    expect(words('status_changed', 'contacted → somewhere else')).toBe('contacted → somewhere else');
    expect(words('task', 'Decide about the reply')).toBe('Decide about the reply');
    expect(words('created', 'source <img src=x>')).toBe('source <img src=x>');
    const reply = entryWords({ at, kind: 'replied', detail: 'Call me tomorrow via telegram' });
    expect(reply).toEqual({ text: 'Call me tomorrow', words: false, via: 'on Telegram' });
  });

  it('shows a name inside a line as text, never as markup', () => {
    render(Timeline, { props: { entries: [{ at, kind: 'merged', detail: 'merged lead #3 (<img src=x onerror="window.__pwned=1">) by hand' }] } });
    expect(screen.getByTestId('timeline-detail').textContent).toBe('Merged lead #3 (<img src=x onerror="window.__pwned=1">) by hand');
    expect(document.querySelector('img')).toBeNull();
  });

  it('speaks Persian and Arabic', () => {
    setLanguage('fa');
    expect(words('created', 'source referral')).toBe('منبع: معرفی');
    expect(words('status_changed', 'new → contacted')).toMatch(/^جدید ← تماس گرفته‌شده$/);
    setLanguage('ar');
    expect(words('created', 'source referral')).toMatch(/^المصدر: /);
  });
});

describe('a long history', () => {
  const note = (i: number): TimelineEntry => ({ at: `2025-03-${String(28 - i).padStart(2, '0')}T08:00:00Z`, kind: 'note', detail: `note ${i}` });

  it('shows its newest page and reads older ones from where the page ends', async () => {
    setLanguage('en');
    const first = [note(0), note(1)];
    const cursor = { at: first[1].at, source: 0, id: 2 };
    vi.mocked(ipc.leadTimeline).mockResolvedValueOnce({ entries: [note(2), note(3)], total: 5, next: { at: note(3).at, source: 0, id: 4 } });
    vi.mocked(ipc.leadTimeline).mockResolvedValueOnce({ entries: [{ at: '2025-03-01T08:00:00Z', kind: 'created', detail: 'source referral' }], total: 5, next: null });
    render(Timeline, { props: { entries: first, total: 5, next: cursor, leadId: 7, pageSize: 2 } });
    expect(screen.getAllByTestId('timeline-entry')).toHaveLength(2);
    expect(screen.getByTestId('timeline-more').textContent).toContain('Show 2 older');

    await fireEvent.click(screen.getByTestId('timeline-more'));
    expect(vi.mocked(ipc.leadTimeline)).toHaveBeenLastCalledWith(7, cursor, 2);
    await vi.waitFor(() => expect(screen.getAllByTestId('timeline-entry')).toHaveLength(4));
    expect(screen.getByTestId('timeline-more').textContent).toContain('Show 1 older');

    await fireEvent.click(screen.getByTestId('timeline-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('timeline-entry')).toHaveLength(5));
    expect(screen.queryByTestId('timeline-more')).toBeNull();
    const details = screen.getAllByTestId('timeline-entry').map((e) => e.textContent ?? '');
    expect(details[0]).toContain('note 0');
    expect(details[4]).toContain('Lead added');
  });

  it('offers nothing more when the first page is the whole history', () => {
    render(Timeline, { props: { entries: [note(0)], total: 1, next: null, leadId: 7 } });
    expect(screen.queryByTestId('timeline-more')).toBeNull();
  });
});

describe('entries at the same time', () => {
  it("keep the backend's order across pages", async () => {
    setLanguage('en');
    const same = (i: number): TimelineEntry => ({ at: '2025-03-21T08:00:00Z', kind: 'note', detail: `entry ${i}` });
    vi.mocked(ipc.leadTimeline).mockResolvedValueOnce({ entries: [same(3), same(4)], total: 5, next: null });
    render(Timeline, { props: { entries: [same(0), same(1), same(2)], total: 5, next: { at: '2025-03-21T08:00:00Z', source: 0, id: 9 }, leadId: 7 } });
    await fireEvent.click(screen.getByTestId('timeline-more'));
    await vi.waitFor(() => expect(screen.getAllByTestId('timeline-entry')).toHaveLength(5));
    const order = screen.getAllByTestId('timeline-entry').map((e) => /entry (\d)/.exec(e.textContent ?? '')?.[1]);
    expect(order).toEqual(['0', '1', '2', '3', '4']);
  });
});
