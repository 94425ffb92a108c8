import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { makeDeliveryStatus, makeDetail, makeOutboxMessage } from './fixtures';
import { toasts } from '../src/lib/toast';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { parseHash, routeToHash } from '../src/lib/router';
import { manualLinkKind, sendNowOutcome, summariseDelivery } from '../src/lib/channels';
import { filterOf } from '../src/lib/messageState';
import DeliveryIndicator from '../src/lib/components/DeliveryIndicator.svelte';
import OutboxList from '../src/lib/components/OutboxList.svelte';
import LeadDetail from '../src/lib/screens/LeadDetail.svelte';
import CampaignEditor from '../src/lib/components/CampaignEditor.svelte';
import App from '../src/App.svelte';
import type { DeliveryStatus, MessageStatus, Step } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const text = (id: string) => screen.getByTestId(id).textContent?.replace(/\s+/g, ' ').trim();

describe('Delivery indicator', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it.each<[Partial<DeliveryStatus>, string]>([
    [{ online: false, waiting: 3 }, 'Offline — 3 waiting'],
    [{ online: false, waiting: 0 }, 'Offline'],
    [{ online: true, waiting: 2 }, '2 waiting'],
    [{ online: null, waiting: 1 }, '1 waiting'],
    [{ online: true, waiting: 0 }, 'All sent'],
    [{ online: null, waiting: 0 }, 'All sent'],
  ])('%o reads "%s"', async (status, expected) => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus(status));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe(expected);
  });

  it('counts messages to confirm and to send by hand, each a link to the outbox', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ waiting: 4, unknown: 2, manual: 1 }));
    render(DeliveryIndicator);
    const unknown = await screen.findByTestId('delivery-unknown');
    expect(unknown.textContent?.trim()).toBe('2 to confirm');
    expect(unknown.getAttribute('href')).toBe('#/followups?outbox=unknown');
    expect(text('delivery-manual')).toBe('1 to send by hand');
    expect(screen.getByTestId('delivery-manual').getAttribute('href')).toMatch(/^#\/followups/);
  });

  it('reads the counts again when another workspace is shown', async () => {
    const { currentWorkspace } = await import('../src/lib/stores');
    const { workspace } = await import('./fixtures');
    currentWorkspace.set(workspace);
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ waiting: 0 }));
    render(DeliveryIndicator);
    await waitFor(() => expect(text('delivery-headline')).toBe('All sent'));
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ waiting: 0, manual: 5 }));
    currentWorkspace.set({ ...workspace, id: 2, name: 'Sample book', sample: true });
    await waitFor(() => expect(text('delivery-manual')).toBe('5 to send by hand'));
    expect(text('delivery-headline')).not.toBe('All sent');
  });

  it('hides the confirm and by-hand lines when there are none', async () => {
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(screen.queryByTestId('delivery-unknown')).toBeNull();
    expect(screen.queryByTestId('delivery-manual')).toBeNull();
    expect(screen.queryByTestId('delivery-review')).toBeNull();
  });

  it('counts drafts held for review apart from what waits for the network', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ waiting: 0, review: 3 }));
    render(DeliveryIndicator);
    const review = await screen.findByTestId('delivery-review');
    expect(review.textContent?.trim()).toBe('3 to review');
    expect(review.getAttribute('href')).toBe('#/followups');
    expect(text('delivery-headline')).toBe('Nothing queued to send');
  });

  it('follows the delivery-status event', async () => {
    let push: ((s: DeliveryStatus) => void) | undefined;
    vi.mocked(ipc.onDeliveryStatus).mockImplementation(async (fn) => {
      push = fn;
      return () => {};
    });
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe('All sent');
    push!(makeDeliveryStatus({ online: false, waiting: 5, deferred: 5, next_attempt_at: new Date(Date.now() + 120e3).toISOString() }));
    await waitFor(() => expect(text('delivery-headline')).toBe('Offline — 5 waiting'));
    expect(text('delivery-next')).toBe('Next try in 2 minutes');
  });

  it('"Send now" wakes the sender and tells what the round it woke did', async () => {
    let push: ((s: DeliveryStatus) => void) | undefined;
    vi.mocked(ipc.onDeliveryStatus).mockImplementation(async (fn) => {
      push = fn;
      return () => {};
    });
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: false, waiting: 3 }));
    vi.mocked(ipc.outboxSendNow).mockResolvedValue(makeDeliveryStatus({ online: false, waiting: 3 }));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    await fireEvent.click(screen.getByTestId('delivery-send-now'));
    expect(ipc.outboxSendNow).toHaveBeenCalledOnce();
    expect(get(toasts).map((x) => x.message)).toEqual([]);
    push!(makeDeliveryStatus({ online: true, waiting: 0 }));
    await waitFor(() => expect(text('delivery-headline')).toBe('All sent'));
    expect(get(toasts).map((x) => x.message)).toContain('All 3 waiting messages went out.');
  });

  it('"Send now" with nothing waiting says so, and points to what is the agent\'s to send', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: true, waiting: 0, manual: 2 }));
    vi.mocked(ipc.outboxSendNow).mockResolvedValue(makeDeliveryStatus({ online: true, waiting: 0, manual: 2 }));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe('Nothing queued to send');
    await fireEvent.click(screen.getByTestId('delivery-send-now'));
    await waitFor(() => expect(get(toasts).map((x) => x.message)).toContain('Nothing waits for the network. 2 messages are yours to send by hand.'));
  });

  it('"Send now" still offline says it waits and that Leadbook keeps trying', () => {
    const before = makeDeliveryStatus({ online: false, waiting: 4 });
    expect(sendNowOutcome(before, makeDeliveryStatus({ online: false, waiting: 4 }))).toEqual({ key: 'nowOffline', count: 4 });
    expect(sendNowOutcome(before, makeDeliveryStatus({ online: true, waiting: 1 }))).toEqual({ key: 'nowSome', count: 3, left: 1 });
  });

  it('never says "All sent" beside messages to send by hand or failed ones', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: true, waiting: 0, manual: 18783, failed: 2 }));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe('Nothing queued to send');
    expect(text('delivery-manual')).toBe('18,783 to send by hand');
    expect(text('delivery-failed')).toBe('2 failed');
    expect(screen.getByTestId('delivery-failed').getAttribute('href')).toBe('#/followups?outbox=failed');
  });

  it('speaks Persian', async () => {
    setLanguage('fa');
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: false, waiting: 3, unknown: 2 }));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe('آفلاین — ۳ در انتظار');
    expect(text('delivery-unknown')).toBe('۲ نیاز به تأیید');
  });

  it('stays hidden when the core cannot tell', async () => {
    vi.mocked(ipc.deliveryStatus).mockRejectedValue({ code: 'internal', message: 'unknown command' });
    render(DeliveryIndicator);
    await waitFor(() => expect(ipc.deliveryStatus).toHaveBeenCalled());
    expect(screen.queryByTestId('delivery-status')).toBeNull();
  });

  it('sits in the sidebar of the app', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: false, waiting: 7 }));
    render(App);
    const nav = await screen.findByRole('navigation');
    expect((await within(nav).findByTestId('delivery-headline')).textContent).toContain('Offline — 7 waiting');
  });

  it('summarises without counting negative numbers', () => {
    expect(summariseDelivery(makeDeliveryStatus({ online: true, waiting: -1, unknown: -2, review: -3 }))).toEqual({
      tone: 'done',
      headline: { key: 'allSent', count: 0 },
      unknown: 0,
      manual: 0,
      failed: 0,
      review: 0,
      held: 0,
    });
  });

  it('never says "All sent" while a compliance rule holds messages back, and counts them apart', async () => {
    vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus({ online: true, waiting: 0, held: 2 }));
    render(DeliveryIndicator);
    await screen.findByTestId('delivery-status');
    expect(text('delivery-headline')).toBe('Nothing queued to send');
    expect(text('delivery-held')).toBe('2 held by a rule');
    expect(screen.getByTestId('delivery-held').getAttribute('href')).toBe('#/followups?outbox=held');
    expect(summariseDelivery(makeDeliveryStatus({ held: 1 })).headline.key).toBe('autoSent');
  });
});

describe('Outbox actions', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  const STATES: MessageStatus[] = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'deferred', 'unknown', 'held'];

  it('names a message no channel carries "to send by hand" and one held for review "to review", as the sidebar does', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 1, status: 'queued', channel: 'manual', queued_at: '2026-03-02T01:00:00Z' }),
      makeOutboxMessage({ id: 2, status: 'queued', channel: null, review: 'pending', queued_at: '2026-03-02T02:00:00Z' }),
      makeOutboxMessage({ id: 3, status: 'deferred', channel: 'telegram', error: 'offline', queued_at: '2026-03-02T03:00:00Z' }),
    ]);
    render(OutboxList);
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(3));
    const badges = screen.getAllByTestId('message-status');
    expect(badges.map((b) => [b.dataset.state, b.textContent])).toEqual([
      ['manual', 'To send by hand'],
      ['review', 'To review'],
      ['retry', 'To try again'],
    ]);
    // A reason that is not one of the backend's own lines: a plain sentence, then its words.
    expect(badges[2].getAttribute('title')).toBe('It did not go this time; it will try again. offline');
  });

  it('a held message says the rule holding it back in words, never queued or sent', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 1, status: 'held', held_for: 'no_permit', channel: null, queued_at: '2026-03-02T01:00:00Z' }),
      makeOutboxMessage({ id: 2, status: 'held', held_for: 'dncr', channel: 'whatsapp', queued_at: '2026-03-02T02:00:00Z' }),
    ]);
    render(OutboxList);
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(2));
    const badges = screen.getAllByTestId('message-status');
    expect(badges.map((b) => [b.dataset.state, b.textContent, b.getAttribute('title')])).toEqual([
      ['held', 'Held', 'The listing has no permit number'],
      ['held', 'Held', 'On the Do Not Call Register'],
    ]);
    expect(screen.getAllByTestId('outbox-held-reason').map((p) => p.textContent)).toEqual(['The listing has no permit number', 'On the Do Not Call Register']);
  });

  it('the outbox filter finds held messages apart from those to try again', () => {
    expect(filterOf('held')).toMatchObject({ status: 'held' });
    expect(filterOf('retry')).toMatchObject({ status: 'deferred' });
  });

  it('shows every state with its badge, and only the actions each state allows', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue(
      STATES.map((status, i) => makeOutboxMessage({ id: i + 1, status, channel: 'telegram', queued_at: `2026-03-02T0${i}:00:00Z` })),
    );
    render(OutboxList);
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(9));
    expect(screen.getAllByTestId('message-status').map((b) => b.textContent)).toEqual([
      'Queued',
      'Sending',
      'Sent',
      'Delivered',
      'Read',
      'Failed',
      'To try again',
      'Unconfirmed',
      'Held',
    ]);
    const actions = screen.getAllByTestId('outbox-message').map((li) => ({
      status: li.dataset.status,
      retry: !!within(li).queryByTestId('outbox-retry'),
      cancel: !!within(li).queryByTestId('outbox-cancel'),
      done: !!within(li).queryByTestId('outbox-mark-done'),
      confirm: !!within(li).queryByTestId('confirm-sent'),
    }));
    expect(actions).toEqual([
      { status: 'queued', retry: false, cancel: true, done: false, confirm: false },
      { status: 'sending', retry: false, cancel: false, done: false, confirm: false },
      { status: 'sent', retry: false, cancel: false, done: false, confirm: false },
      { status: 'delivered', retry: false, cancel: false, done: false, confirm: false },
      { status: 'read', retry: false, cancel: false, done: false, confirm: false },
      { status: 'failed', retry: true, cancel: false, done: false, confirm: false },
      { status: 'deferred', retry: true, cancel: true, done: false, confirm: false },
      { status: 'unknown', retry: false, cancel: false, done: false, confirm: true },
      { status: 'held', retry: false, cancel: true, done: false, confirm: false },
    ]);
    expect(screen.getAllByTestId('outbox-channel')[0].textContent).toContain('Telegram');
  });

  it('says the backend’s own reasons in the agent’s words, once', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 5, status: 'failed', error: 'cancelled by the agent', queued_at: '2026-03-02T01:00:00Z' }),
      makeOutboxMessage({ id: 6, status: 'failed', error: 'the viewing is cancelled', queued_at: '2026-03-02T02:00:00Z' }),
      makeOutboxMessage({ id: 7, status: 'queued', channel: 'manual', manual_link: 'tel:+971501234567', error: 'no channel can reach this lead: send it by hand', queued_at: '2026-03-02T03:00:00Z' }),
    ]);
    render(OutboxList);
    await screen.findAllByTestId('outbox-message');
    const errors = screen.getAllByTestId('outbox-error').map((e) => e.textContent?.trim());
    expect(errors).toEqual(['You cancelled it.', 'Not sent (viewing: Cancelled).']);
    // The manual message says it in its hint, not a second time as an error.
    const manual = screen.getAllByTestId('outbox-message')[2];
    expect(manual.textContent).toContain('No channel can reach this lead: send it yourself');
    expect(manual.textContent).not.toContain('send it by hand');
  });

  it('says an outbox reason in Persian', async () => {
    setLanguage('fa');
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 8, status: 'failed', error: 'the lead is marked do not market' }),
    ]);
    render(OutboxList);
    expect((await screen.findByTestId('outbox-error')).textContent).toContain('این سرنخ «بازاریابی ممنوع» است.');
  });

  it('a deferred message says when it is tried next and why it waits', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({
        id: 4,
        status: 'deferred',
        channel: 'sms',
        attempts: 3,
        error: 'Twilio 20429: too many requests',
        next_attempt_at: new Date(Date.now() + 3 * 3600e3).toISOString(),
      }),
    ]);
    render(OutboxList);
    expect((await screen.findByTestId('outbox-next-attempt')).textContent).toContain('Next try in 3 hours');
    expect(screen.getByTestId('outbox-error').textContent).toContain('It did not go this time; it will try again.');
    expect(screen.getByTestId('outbox-error-detail').textContent).toBe('Twilio 20429: too many requests');
    expect(screen.getByTestId('outbox-channel').textContent).toContain('SMS');
  });

  it('Retry calls outbox_retry with the message id and reloads the list', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 11, status: 'failed', error: 'Forbidden: bot was blocked by the user' })]);
    vi.mocked(ipc.outboxRetry).mockResolvedValue(makeOutboxMessage({ id: 11, status: 'queued' }));
    render(OutboxList);
    const retry = await screen.findByTestId('outbox-retry');
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 11, status: 'queued' })]);
    await fireEvent.click(retry);
    await waitFor(() => expect(ipc.outboxRetry).toHaveBeenCalledWith(11));
    // Reloaded: queued now, so it can only be cancelled.
    await waitFor(() => expect(screen.getByTestId('outbox-message').dataset.status).toBe('queued'));
    expect(screen.queryByTestId('outbox-retry')).toBeNull();
    expect(screen.getByTestId('outbox-cancel')).toBeTruthy();
    expect(get(toasts).map((t) => t.message)).toContain('It will be sent again now');
    expect(ipc.outboxCancel).not.toHaveBeenCalled();
  });

  it('Cancel sends outbox_cancel for a queued message', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 12, status: 'queued', channel: 'whatsapp' })]);
    vi.mocked(ipc.outboxCancel).mockResolvedValue(makeOutboxMessage({ id: 12, status: 'failed', error: 'cancelled by the agent' }));
    render(OutboxList);
    await fireEvent.click(await screen.findByTestId('outbox-cancel'));
    await waitFor(() => expect(ipc.outboxCancel).toHaveBeenCalledWith(12));
    expect(ipc.outboxRetry).not.toHaveBeenCalled();
    expect(ipc.outboxMarkDone).not.toHaveBeenCalled();
  });

  it('a manual message opens its WhatsApp link and is marked as sent by hand', async () => {
    const link = 'https://wa.me/971501234567?text=Hi%20Sara';
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 21, status: 'queued', channel: 'manual', manual_link: link })]);
    vi.mocked(ipc.outboxMarkDone).mockResolvedValue(makeOutboxMessage({ id: 21, status: 'sent', channel: 'manual' }));
    render(OutboxList);
    const open = await screen.findByTestId('outbox-open-link');
    expect(open.textContent).toContain('Open WhatsApp');
    expect(screen.getByTestId('outbox-channel').textContent).toContain('By hand');
    expect(screen.getByTestId('outbox-cancel')).toBeTruthy();
    expect(screen.queryByTestId('outbox-retry')).toBeNull();
    await fireEvent.click(open);
    expect(ipc.openExternal).toHaveBeenCalledWith(link);
    await fireEvent.click(screen.getByTestId('outbox-mark-done'));
    await waitFor(() => expect(ipc.outboxMarkDone).toHaveBeenCalledWith(21));
    expect(ipc.outboxCancel).not.toHaveBeenCalled();
  });

  it('a manual message with a tel: link offers a call', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 22, channel: 'manual', manual_link: 'tel:+971501234567' })]);
    render(OutboxList);
    const open = await screen.findByTestId('outbox-open-link');
    expect(open.textContent).toContain('Call');
    await fireEvent.click(open);
    expect(ipc.openExternal).toHaveBeenCalledWith('tel:+971501234567');
  });

  it('a sent manual message has nothing left to do', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 23, status: 'sent', channel: 'manual', manual_link: 'tel:+971501234567' })]);
    render(OutboxList);
    await screen.findByTestId('outbox-message');
    expect(screen.queryByTestId('outbox-open-link')).toBeNull();
    expect(screen.queryByTestId('outbox-mark-done')).toBeNull();
    expect(screen.queryByTestId('outbox-cancel')).toBeNull();
  });

  it('a failed action is reported and the list stays', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 31, status: 'deferred' })]);
    vi.mocked(ipc.outboxRetry).mockRejectedValue({ code: 'usage', message: 'only a failed or deferred message can be retried' });
    render(OutboxList);
    await fireEvent.click(await screen.findByTestId('outbox-retry'));
    await waitFor(() => expect(get(toasts).map((t) => t.kind)).toContain('error'));
    expect(screen.getByTestId('outbox-message')).toBeTruthy();
  });

  it('reloads on outbox-changed', async () => {
    let changed: (() => void) | undefined;
    vi.mocked(ipc.onOutboxChanged).mockImplementation(async (fn) => {
      changed = fn;
      return () => {};
    });
    render(OutboxList);
    await screen.findByTestId('outbox-empty');
    vi.mocked(ipc.outboxList).mockResolvedValue([makeOutboxMessage({ id: 5, status: 'unknown' })]);
    changed!();
    expect(await screen.findByTestId('confirm-sent')).toBeTruthy();
  });

  it('opens filtered when the sidebar links to the messages to confirm', async () => {
    render(OutboxList, { initialStatus: 'unknown' });
    await waitFor(() =>
      expect(ipc.outboxPage).toHaveBeenCalledWith({ status: 'unknown', lead_id: null, manual: false, review: false }, null, 100),
    );
    expect((screen.getByTestId('outbox-filter') as HTMLSelectElement).value).toBe('unknown');
  });

  it('draws a big outbox a page at a time and shows the next page on demand', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue(
      Array.from({ length: 250 }, (_, i) =>
        makeOutboxMessage({ id: i + 1, status: 'queued', channel: 'telegram', queued_at: `2026-03-02T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z` }),
      ),
    );
    render(OutboxList);
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(100));
    expect(screen.getByTestId('outbox-count').textContent).toBe('100 of 250');
    await fireEvent.click(screen.getByTestId('outbox-more'));
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(200));
    await fireEvent.click(screen.getByTestId('outbox-more'));
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(250));
    expect(screen.queryByTestId('outbox-more')).toBeNull();
    const ids = screen.getAllByTestId('outbox-message').map((li) => Number(li.dataset.messageId));
    expect(new Set(ids).size).toBe(250);
  });

  it('marks every selected message to send by hand as sent at once', async () => {
    vi.mocked(ipc.outboxList).mockResolvedValue([
      makeOutboxMessage({ id: 1, status: 'queued', channel: 'manual', manual_link: 'https://wa.me/971501234567?text=x', queued_at: '2026-03-02T01:00:00Z' }),
      makeOutboxMessage({ id: 2, status: 'queued', channel: 'manual', manual_link: 'tel:+971501234568', queued_at: '2026-03-02T02:00:00Z' }),
      makeOutboxMessage({ id: 3, status: 'sent', channel: 'telegram', queued_at: '2026-03-02T03:00:00Z' }),
    ]);
    vi.mocked(ipc.outboxMarkDone).mockResolvedValue(makeOutboxMessage({ status: 'sent' }));
    render(OutboxList, { initialStatus: 'manual' });
    await waitFor(() => expect(screen.getAllByTestId('outbox-message')).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('outbox-open-next'));
    expect(ipc.openExternal).toHaveBeenCalledWith('https://wa.me/971501234567?text=x');
    await fireEvent.click(screen.getByTestId('outbox-select-all'));
    expect(screen.getByTestId('outbox-mark-selected').textContent).toContain('Mark 2 as sent');
    await fireEvent.click(screen.getByTestId('outbox-mark-selected'));
    await waitFor(() => expect(ipc.outboxMarkDone).toHaveBeenCalledTimes(2));
    expect(vi.mocked(ipc.outboxMarkDone).mock.calls.map((c) => c[0])).toEqual([1, 2]);
  });

  it('knows a WhatsApp link from a call', () => {
    expect(manualLinkKind('https://wa.me/971501234567?text=x')).toBe('whatsapp');
    expect(manualLinkKind('tel:+971501234567')).toBe('call');
    expect(manualLinkKind('javascript:alert(1)')).toBeNull();
    expect(manualLinkKind(null)).toBeNull();
  });

  it('the outbox filter and the channels section have their own addresses', () => {
    expect(parseHash('#/followups?outbox=unknown')).toEqual({ name: 'followups', outbox: 'unknown' });
    expect(parseHash('#/followups?outbox=nonsense')).toEqual({ name: 'followups' });
    expect(parseHash('#/followups?outbox=manual')).toEqual({ name: 'followups', outbox: 'manual' });
    expect(parseHash('#/followups?outbox=deferred')).toEqual({ name: 'followups', outbox: 'retry' });
    expect(parseHash('#/followups?outbox=held')).toEqual({ name: 'followups', outbox: 'held' });
    expect(parseHash('#/followups?outbox=held&lead=7')).toEqual({ name: 'followups', outbox: 'held', lead: 7 });
    expect(routeToHash({ name: 'followups', outbox: 'held', lead: 7 })).toBe('#/followups?outbox=held&lead=7');
    expect(parseHash('#/followups?tab=outbox')).toEqual({ name: 'followups', tab: 'outbox' });
    expect(routeToHash({ name: 'followups', outbox: 'queued' })).toBe('#/followups?outbox=queued');
    expect(parseHash('#/settings/channels')).toEqual({ name: 'settings', section: 'channels' });
    expect(routeToHash({ name: 'settings', section: 'channels' })).toBe('#/settings/channels');
    expect(parseHash('#/settings')).toEqual({ name: 'settings' });
  });
});

describe('Telegram on the lead page', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('"Start link" makes a deep link to copy and send', async () => {
    const url = 'https://t.me/leadbook_bot?start=q2Lk9xVw3mPz7A1c';
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7, telegram_id: null, telegram_username: null }));
    vi.mocked(ipc.leadTelegramLink).mockResolvedValue({ url, token: 'q2Lk9xVw3mPz7A1c' });
    vi.mocked(ipc.copyText).mockResolvedValue();
    render(LeadDetail, { id: 7 });
    const row = await screen.findByTestId('telegram-row');
    expect(row.textContent).toContain('Not linked');
    expect(within(row).queryByTestId('telegram-linked')).toBeNull();
    await fireEvent.click(within(row).getByTestId('telegram-start-link'));
    expect(ipc.leadTelegramLink).toHaveBeenCalledWith(7);
    expect((await within(row).findByTestId('telegram-link-url')).textContent).toBe(url);
    expect(within(row).queryByTestId('telegram-start-link')).toBeNull();
    await fireEvent.click(within(row).getByTestId('telegram-link-copy'));
    expect(ipc.copyText).toHaveBeenCalledWith(url);
    await waitFor(() => expect(get(toasts).map((t) => t.message)).toContain('Link copied'));
  });

  it('points to Settings → Channels when the bot has no username yet', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7 }));
    vi.mocked(ipc.leadTelegramLink).mockRejectedValue({ code: 'validation', field: 'bot_username', message: 'the bot username is not set' });
    render(LeadDetail, { id: 7 });
    await fireEvent.click(await screen.findByTestId('telegram-start-link'));
    const hint = await screen.findByTestId('telegram-needs-bot');
    expect(hint.textContent).toContain("Set your bot's username in Settings → Channels first.");
    expect(within(hint).getByTestId('telegram-settings-link').getAttribute('href')).toBe('#/settings/channels');
    expect(screen.queryByTestId('telegram-link-url')).toBeNull();
    expect(get(toasts)).toEqual([]);
  });

  it('any other failure is a toast, not the hint', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7 }));
    vi.mocked(ipc.leadTelegramLink).mockRejectedValue({ code: 'internal', message: 'database is locked' });
    render(LeadDetail, { id: 7 });
    await fireEvent.click(await screen.findByTestId('telegram-start-link'));
    await waitFor(() => expect(get(toasts).map((t) => t.detail)).toContain('database is locked'));
    expect(screen.queryByTestId('telegram-needs-bot')).toBeNull();
  });

  it('a linked lead shows as linked, with no link to start', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7, telegram_id: 123456789, telegram_username: 'sara_r' }));
    render(LeadDetail, { id: 7 });
    const row = await screen.findByTestId('telegram-row');
    expect(within(row).getByTestId('telegram-linked').textContent).toContain('Linked');
    expect(row.textContent).toContain('@sara_r');
    expect(within(row).queryByTestId('telegram-start-link')).toBeNull();
  });

  it('shows opt-outs and channels a provider refused', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(
      makeDetail({ id: 7, telegram_id: 42, opt_outs: ['whatsapp'], unusable_channels: ['telegram', 'whatsapp'] }),
    );
    render(LeadDetail, { id: 7 });
    const blocks = await screen.findByTestId('channel-blocks');
    expect(within(blocks).getAllByTestId('opt-out').map((b) => b.textContent)).toEqual(['Opted out of WhatsApp']);
    // WhatsApp is said once: the opt-out explains it.
    expect(within(blocks).getAllByTestId('unusable-channel').map((b) => b.textContent)).toEqual(['Blocked the bot on Telegram']);
  });

  it('says nothing about blocks when there are none', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 7 }));
    render(LeadDetail, { id: 7 });
    await screen.findByTestId('telegram-row');
    expect(screen.queryByTestId('channel-blocks')).toBeNull();
  });
});

describe('WhatsApp template of a step', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.templatePreview).mockResolvedValue('…');
  });

  const step = (over: Partial<Step> = {}): Step => ({
    position: 1,
    offset_minutes: 60,
    label: 'Introduction',
    template_en: 'Hi {first_name}',
    template_fa: 'سلام {first_name}',
    template_ar: 'مرحباً {first_name}',
    channel: null,
    wa_template: null,
    wa_template_language: null,
    wa_template_params: [],
    subject_en: '',
    subject_fa: '',
    subject_ar: '',
    variants: [],
    ...over,
  });

  it('is explained in one line and saved with the step: name, language and parameters in order', async () => {
    vi.mocked(ipc.campaignUpdate).mockImplementation(async (id, steps) => ({ id, name: 'Nurture', is_default: true, review_before_sending: false, steps }));
    const onsaved = vi.fn();
    render(CampaignEditor, { campaign: { id: 1, name: 'Nurture', is_default: true, review_before_sending: false, steps: [step()] }, onsaved, oncancel: () => {} });
    const wa = await screen.findByTestId('step-wa');
    expect(wa.textContent).toContain('Used when the lead has not written on WhatsApp in 24 h.');
    await fireEvent.input(within(wa).getByTestId('step-wa-template'), { target: { value: 'intro_offer' } });
    await fireEvent.input(within(wa).getByTestId('step-wa-language'), { target: { value: 'en_US' } });
    await fireEvent.click(within(wa).getByTestId('step-wa-add-param'));
    await fireEvent.click(within(wa).getByTestId('step-wa-add-param'));
    const params = within(wa).getAllByTestId('step-wa-param') as HTMLSelectElement[];
    expect(params).toHaveLength(2);
    // Only the template variables are offered.
    expect([...params[1].options].map((o) => o.value)).toContain('location');
    await fireEvent.change(params[1], { target: { value: 'location' } });
    expect(wa.textContent).toContain('{{2}}');
    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [, steps] = vi.mocked(ipc.campaignUpdate).mock.calls[0];
    expect(steps[0]).toMatchObject({ wa_template: 'intro_offer', wa_template_language: 'en_US', wa_template_params: ['first_name', 'location'] });
  });

  it('removing a parameter and clearing the name sends them empty', async () => {
    vi.mocked(ipc.campaignUpdate).mockImplementation(async (id, steps) => ({ id, name: 'Nurture', is_default: true, review_before_sending: false, steps }));
    const onsaved = vi.fn();
    const start = step({ wa_template: 'intro_offer', wa_template_language: 'en_US', wa_template_params: ['first_name'] });
    render(CampaignEditor, { campaign: { id: 1, name: 'Nurture', is_default: true, review_before_sending: false, steps: [start] }, onsaved, oncancel: () => {} });
    const wa = await screen.findByTestId('step-wa');
    await fireEvent.click(within(wa).getByTestId('step-wa-remove-param'));
    await fireEvent.input(within(wa).getByTestId('step-wa-template'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(vi.mocked(ipc.campaignUpdate).mock.calls[0][1][0]).toMatchObject({ wa_template: null, wa_template_params: [] });
  });

  it('an error on a template field is shown next to it', async () => {
    vi.mocked(ipc.campaignUpdate).mockRejectedValue({
      code: 'validation',
      field: 'wa_template_language',
      message: 'step 1: a template language is a code such as en_US',
    });
    render(CampaignEditor, { campaign: { id: 1, name: 'Nurture', is_default: true, review_before_sending: false, steps: [step({ wa_template: 'x' })] }, onsaved: () => {}, oncancel: () => {} });
    await fireEvent.click(await screen.findByTestId('save-campaign'));
    const error = await screen.findByTestId('step-error-wa_template_language');
    expect(error.textContent).toContain('a template language is a code such as en_US');
    expect(screen.getByTestId('step-wa-language').getAttribute('aria-invalid')).toBe('true');
  });

  it('a step from an older core without the template fields still edits and saves', async () => {
    vi.mocked(ipc.campaignUpdate).mockImplementation(async (id, steps) => ({ id, name: 'Nurture', is_default: true, review_before_sending: false, steps }));
    const onsaved = vi.fn();
    const old = step();
    delete (old as Partial<Step>).wa_template_params;
    delete (old as Partial<Step>).wa_template;
    render(CampaignEditor, { campaign: { id: 1, name: 'Nurture', is_default: true, review_before_sending: false, steps: [old] }, onsaved, oncancel: () => {} });
    await fireEvent.click(await screen.findByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(vi.mocked(ipc.campaignUpdate).mock.calls[0][1][0]).toMatchObject({ wa_template: null, wa_template_params: [] });
  });
});

describe('Inbound messages', () => {
  it('refresh what is on screen (the dashboard counts)', async () => {
    const ipc = stubIpc();
    let received: (() => void) | undefined;
    vi.mocked(ipc.onInboxReceived).mockImplementation(async (fn) => {
      received = () => fn({ received: 2, matched: 1, new_leads: 1, opt_outs: 0, linked: 0, wrong_numbers: 0, emails: 0, portal_leads: 0, unparsed: 0 });
      return () => {};
    });
    history.replaceState(null, '', '#/dashboard'); // the app opens on Today
    render(App);
    await screen.findByTestId('grade-card-A');
    await waitFor(() => expect(received).toBeDefined());
    const before = vi.mocked(ipc.dashboard).mock.calls.length;
    received!();
    await waitFor(() => expect(vi.mocked(ipc.dashboard).mock.calls.length).toBeGreaterThan(before));
  });
});
