import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { makeDetail, makeLead } from './fixtures';
import { toasts } from '../src/lib/toast';
import { parseHash, routeToHash } from '../src/lib/router';
import { createShortcutHandler } from '../src/lib/shortcuts';
import { groupDue, joinOffset, locateStepError, moveStep, splitOffset } from '../src/lib/followups';
import Followups from '../src/lib/screens/Followups.svelte';
import DueQueue from '../src/lib/components/DueQueue.svelte';
import CampaignEditor from '../src/lib/components/CampaignEditor.svelte';
import OutboxList from '../src/lib/components/OutboxList.svelte';
import LeadFollowups from '../src/lib/components/LeadFollowups.svelte';
import LeadDetail from '../src/lib/screens/LeadDetail.svelte';
import type { Campaign, DueItem, DuePage, Enrolment, OutboxMessage, Step } from '../src/lib/types';

vi.mock('../src/lib/ipc');

function dueItem(over: Partial<DueItem> = {}): DueItem {
  return {
    lead_id: 1,
    name: 'Aisha',
    grade: 'B',
    campaign_id: 1,
    campaign: 'New lead nurture',
    step: 1,
    label: 'Introduction',
    due_at: new Date().toISOString(),
    overdue: false,
    waiting_for_window: false,
    ...over,
  };
}

/** A due queue of `items` in one page, counted as the backend would. */
function duePage(items: DueItem[]): DuePage {
  return { items, total: items.length, due_now: items.filter((i) => i.overdue || i.waiting_for_window).length, next: null };
}

function step(position: number, over: Partial<Step> = {}): Step {
  return {
    position,
    offset_minutes: position === 1 ? 60 : (position - 1) * 3 * 1440,
    label: `Step ${position}`,
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
  };
}

const campaign = (): Campaign => ({ id: 1, name: 'New lead nurture', is_default: true, review_before_sending: false, steps: [1, 2, 3, 4, 5].map((n) => step(n)) });

function enrolment(over: Partial<Enrolment> = {}): Enrolment {
  return {
    campaign_id: 1,
    campaign: 'New lead nurture',
    enrolled_at: '2026-03-02T06:00:00Z',
    next_step: 2,
    steps: 5,
    next_due_at: '2026-03-05T06:00:00Z',
    state: 'active',
    stop_reason: null,
    ...over,
  };
}

describe('follow-up helpers', () => {
  it('a waiting item is never counted as overdue, whatever its overdue flag says', () => {
    const g = groupDue([
      dueItem({ lead_id: 1, overdue: true }),
      dueItem({ lead_id: 2, waiting_for_window: true }),
      dueItem({ lead_id: 3 }),
      dueItem({ lead_id: 4, overdue: true, waiting_for_window: true }),
    ]);
    expect(g.overdue.map((i) => i.lead_id)).toEqual([1]);
    expect(g.waiting.map((i) => i.lead_id)).toEqual([2, 4]);
    expect(g.later.map((i) => i.lead_id)).toEqual([3]);
  });

  it('an offset splits into days and hours and joins back', () => {
    expect(splitOffset(3 * 1440 + 5 * 60)).toEqual({ days: 3, hours: 5, minutes: 0 });
    expect(joinOffset(3, 5)).toBe(3 * 1440 + 300);
    expect(joinOffset(NaN, 2)).toBe(120);
  });

  it('moving a step renumbers the campaign', () => {
    const moved = moveStep([step(1), step(2), step(3)], 2, 0);
    expect(moved.map((s) => s.label)).toEqual(['Step 3', 'Step 1', 'Step 2']);
    expect(moved.map((s) => s.position)).toEqual([1, 2, 3]);
  });

  it('a validation error names the step from its message', () => {
    expect(locateStepError({ code: 'validation', field: 'template_fa', message: 'step 2: unknown variable {foo}' }, 5)).toEqual({
      index: 1,
      field: 'template_fa',
    });
    expect(locateStepError({ code: 'validation', field: 'steps', message: 'a campaign has 1 to 20 steps' }, 5)).toEqual({
      index: null,
      field: null,
    });
  });

  it('g f goes to the follow-ups screen, whose hash round-trips', () => {
    expect(parseHash('#/followups')).toEqual({ name: 'followups' });
    expect(routeToHash({ name: 'followups' })).toBe('#/followups');
    const goFollowups = vi.fn();
    const handle = createShortcutHandler({
      goDashboard: vi.fn(),
      goLeads: vi.fn(),
      goSettings: vi.fn(),
      goFollowups,
      newLead: vi.fn(),
      focusSearch: vi.fn(),
      showHelp: vi.fn(),
    });
    handle(new KeyboardEvent('keydown', { key: 'g', code: 'KeyG' }));
    handle(new KeyboardEvent('keydown', { key: 'ف', code: 'KeyF' }));
    expect(goFollowups).toHaveBeenCalledOnce();
  });
});

describe('Due queue', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows the due items in three groups, each row linking to its lead', async () => {
    const items = [
      dueItem({ lead_id: 1, name: 'Aisha', overdue: true, label: 'Introduction' }),
      dueItem({ lead_id: 2, name: 'Reza', waiting_for_window: true, step: 2, label: 'Value' }),
      dueItem({ lead_id: 3, name: '<b>Omar</b>', step: 3, label: 'Urgency' }),
      dueItem({ lead_id: 4, name: 'Sara', overdue: true, grade: 'A' }),
    ];
    vi.mocked(ipc.followupDue).mockResolvedValue({ items, total: 4, due_now: 3, next: null });
    render(DueQueue);
    const overdue = await screen.findByTestId('due-group-overdue');
    expect(within(overdue).getByRole('heading').textContent).toContain('Overdue');
    expect(within(overdue).getAllByTestId('due-lead').map((a) => a.textContent)).toEqual(['Aisha', 'Sara']);
    const waiting = screen.getByTestId('due-group-waiting');
    expect(within(waiting).getByRole('heading').textContent).toContain('Waiting for quiet hours to end');
    expect(within(waiting).getByTestId('due-lead').getAttribute('href')).toBe('#/lead/2');
    expect(within(waiting).getByTestId('due-item').textContent).toContain('Value');
    const later = screen.getByTestId('due-group-later');
    expect(within(later).getByRole('heading').textContent).toContain('Later today');
    // A lead's name is text, never markup.
    expect(within(later).getByTestId('due-lead').textContent).toBe('<b>Omar</b>');
    expect(later.querySelector('b')).toBeNull();
  });

  it('draws the first page, counts every due step and loads the next page on "Show more"', async () => {
    const all = Array.from({ length: 250 }, (_, i) =>
      dueItem({ lead_id: i + 1, name: `Buyer ${i + 1}`, overdue: i < 180, due_at: new Date(Date.UTC(2026, 2, 2, 6, 0, i)).toISOString() }),
    );
    vi.mocked(ipc.followupDue).mockImplementation(async (after, limit = 100) => {
      const start = after ? all.findIndex((i) => i.lead_id === after.lead_id) + 1 : 0;
      const items = all.slice(start, start + limit);
      const last = items[items.length - 1];
      const next = start + limit < all.length && last ? { due_at: last.due_at, lead_id: last.lead_id, campaign_id: 1 } : null;
      return { items, total: all.length, due_now: 180, next };
    });
    render(DueQueue);
    await screen.findByTestId('due-group-overdue');
    expect(screen.getAllByTestId('due-item')).toHaveLength(100);
    expect(ipc.followupDue).toHaveBeenLastCalledWith(null, 100);
    // The groups count the whole day, not the rows drawn.
    expect(screen.getByTestId('due-count-overdue').textContent).toBe('180 messages');
    expect(screen.queryByTestId('due-group-later')).toBeNull();
    const more = screen.getByTestId('due-more');
    expect(more.textContent).toContain('Show 100 more');
    await fireEvent.click(more);
    await waitFor(() => expect(screen.getAllByTestId('due-item')).toHaveLength(200));
    expect(ipc.followupDue).toHaveBeenLastCalledWith({ due_at: all[99].due_at, lead_id: 100, campaign_id: 1 }, 100);
    expect(screen.getByTestId('due-count-later').textContent).toBe('70 messages');
    await fireEvent.click(screen.getByTestId('due-more'));
    await waitFor(() => expect(screen.getAllByTestId('due-item')).toHaveLength(250));
    expect(screen.queryByTestId('due-more')).toBeNull();
    const names = screen.getAllByTestId('due-lead').map((a) => a.textContent);
    expect(new Set(names).size).toBe(250);
  });

  it('says so when nothing is due', async () => {
    render(DueQueue);
    expect((await screen.findByTestId('due-empty')).textContent).toContain('Nothing is due today.');
  });

  it('"Run now" runs a tick, shows its counts and reloads the queue', async () => {
    vi.mocked(ipc.followupRun).mockResolvedValue({ due: 4, queued: 2, stopped: 1, deferred: 1, skipped: 3 });
    render(DueQueue);
    await screen.findByTestId('due-empty');
    await fireEvent.click(screen.getByTestId('followup-run'));
    const expected = 'Follow-ups run: 4 due, 2 queued, 1 waiting, 3 skipped, 1 stopped';
    await waitFor(() => expect(screen.getByTestId('tick-report').textContent).toBe(expected));
    expect(get(toasts).map((t) => t.message)).toContain(expected);
    expect(ipc.followupRun).toHaveBeenCalledOnce();
    expect(ipc.followupDue).toHaveBeenCalledTimes(2);
  });

  it('reloads when the app ticks', async () => {
    let tick: (() => void) | undefined;
    vi.mocked(ipc.onFollowupsTicked).mockImplementation(async (fn) => {
      tick = () => fn(null);
      return () => {};
    });
    render(DueQueue);
    await screen.findByTestId('due-empty');
    vi.mocked(ipc.followupDue).mockResolvedValue(duePage([dueItem({ overdue: true })]));
    tick!();
    expect(await screen.findByTestId('due-group-overdue')).toBeTruthy();
  });
});

describe('Campaign editor', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.leadList).mockResolvedValue({ total: 1, more: false, rows: [makeLead({ id: 7, name: 'Aisha Khan' })] });
  });

  it('renders a live preview of the template for the chosen lead', async () => {
    vi.mocked(ipc.templatePreview).mockImplementation(async (_lead, template) =>
      template.replace('{first_name}', 'Aisha').replace('{location}', 'your preferred area'),
    );
    render(CampaignEditor, { campaign: campaign(), onsaved: () => {}, oncancel: () => {} });
    expect((await screen.findByTestId('preview-lead')).textContent).toContain('Aisha Khan');
    await waitFor(() => expect(screen.getByTestId('step-preview').textContent).toBe('Hi Aisha'));
    expect(ipc.templatePreview).toHaveBeenLastCalledWith(7, 'Hi {first_name}', 'en');

    const area = screen.getByTestId('step-template-en') as HTMLTextAreaElement;
    await fireEvent.input(area, { target: { value: 'Homes in ' } });
    area.setSelectionRange(9, 9);
    await fireEvent.click(screen.getByTestId('insert-location'));
    expect(area.value).toBe('Homes in {location}');
    await waitFor(() => expect(screen.getByTestId('step-preview').textContent).toBe('Homes in your preferred area'));
    expect(ipc.templatePreview).toHaveBeenLastCalledWith(7, 'Homes in {location}', 'en');

    await fireEvent.click(screen.getByTestId('step-tab-fa'));
    const fa = screen.getByTestId('step-template-fa');
    expect(fa.getAttribute('dir')).toBe('rtl');
    await waitFor(() => expect(ipc.templatePreview).toHaveBeenLastCalledWith(7, 'سلام {first_name}', 'fa'));
    expect(screen.getByTestId('step-preview').getAttribute('dir')).toBe('rtl');
  });

  it('shows a validation error on template_fa next to the Persian template of that step', async () => {
    vi.mocked(ipc.templatePreview).mockResolvedValue('…');
    vi.mocked(ipc.campaignUpdate).mockRejectedValue({
      code: 'validation',
      field: 'template_fa',
      message: 'step 3: unknown variable {nam}',
    });
    const onsaved = vi.fn();
    render(CampaignEditor, { campaign: campaign(), onsaved, oncancel: () => {} });
    await fireEvent.click(screen.getByTestId('save-campaign'));

    const error = await screen.findByTestId('step-error-template_fa');
    expect(error.textContent).toContain('step 3: unknown variable {nam}');
    expect(screen.getByTestId('editor-step-3').getAttribute('aria-current')).toBe('step');
    const fa = screen.getByTestId('step-template-fa');
    expect(fa.getAttribute('aria-invalid')).toBe('true');
    expect(fa.getAttribute('aria-describedby')).toBe(error.id);
    expect(screen.getByTestId('step-tab-fa').getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByTestId('step-error-template_en')).toBeNull();
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('counts the SMS segments of each language\'s text and warns past 10', async () => {
    vi.mocked(ipc.templatePreview).mockResolvedValue('…');
    render(CampaignEditor, { campaign: campaign(), onsaved: () => {}, oncancel: () => {} });
    const area = screen.getByTestId('step-template-en') as HTMLTextAreaElement;
    expect(screen.getByTestId('step-sms-segments-en').textContent).toContain('1 SMS segment');
    await fireEvent.input(area, { target: { value: 'a'.repeat(161) } });
    expect(screen.getByTestId('step-sms-segments-en').textContent).toContain('2 SMS segments');
    await fireEvent.input(area, { target: { value: `${'a'.repeat(150)}€[` } });
    expect(screen.getByTestId('step-sms-segments-en').textContent).toContain('1 SMS segment');
    expect(screen.queryByTestId('step-sms-too-long')).toBeNull();

    // Persian: any Arabic-script letter makes it UCS-2, 67 code units a segment past 70.
    await fireEvent.click(screen.getByTestId('step-tab-fa'));
    const fa = screen.getByTestId('step-template-fa') as HTMLTextAreaElement;
    await fireEvent.input(fa, { target: { value: 'س'.repeat(71) } });
    expect(screen.getByTestId('step-sms-segments-fa').textContent).toContain('2 SMS segments');
    await fireEvent.input(fa, { target: { value: 'س'.repeat(671) } });
    const counter = screen.getByTestId('step-sms-segments-fa');
    expect(counter.textContent).toContain('11 SMS segments');
    expect(counter.classList.contains('over')).toBe(true);
    expect(screen.getByTestId('step-sms-too-long').textContent).toContain('will not go by SMS');
  });

  it('saves the edited steps, renumbered, with campaign_update', async () => {
    vi.mocked(ipc.templatePreview).mockResolvedValue('…');
    vi.mocked(ipc.campaignUpdate).mockImplementation(async (id, steps) => ({ ...campaign(), id, steps }));
    const onsaved = vi.fn();
    render(CampaignEditor, { campaign: campaign(), onsaved, oncancel: () => {} });
    await fireEvent.input(screen.getByTestId('step-days'), { target: { value: '0' } });
    await fireEvent.input(screen.getByTestId('step-hours'), { target: { value: '2' } });
    await fireEvent.click(screen.getByTestId('editor-remove-5'));
    await fireEvent.click(screen.getByTestId('save-campaign'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [id, steps] = vi.mocked(ipc.campaignUpdate).mock.calls[0];
    expect(id).toBe(1);
    expect(steps.map((s) => s.position)).toEqual([1, 2, 3, 4]);
    expect(steps[0].offset_minutes).toBe(120);
  });
});

describe('Follow-ups screen', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('lists the campaigns with their steps', async () => {
    vi.mocked(ipc.campaignList).mockResolvedValue([campaign()]);
    render(Followups);
    const c = await screen.findByTestId('campaign');
    expect(within(c).getByTestId('campaign-name').textContent).toBe('New lead nurture');
    expect(within(c).getAllByTestId('campaign-step')).toHaveLength(5);
    expect(within(c).getByTestId('campaign-step-count').textContent).toBe('5 steps');
  });

  it('keeps the outbox on a tab of its own, opened by its link', async () => {
    vi.mocked(ipc.campaignList).mockResolvedValue([campaign()]);
    const plan = render(Followups);
    await screen.findByTestId('campaign');
    expect(screen.queryByTestId('outbox')).toBeNull();
    expect(screen.getByTestId('followups-tab-outbox').getAttribute('href')).toBe('#/followups?tab=outbox');
    plan.unmount();
    render(Followups, { props: { tab: 'outbox', outbox: 'held' } });
    await screen.findByTestId('outbox');
    expect(screen.queryByTestId('campaign')).toBeNull();
    expect(screen.getByTestId('followups-tab-outbox').getAttribute('aria-current')).toBe('page');
  });

  it('shows the outbox oldest first with states, filterable by state', async () => {
    const msg = (id: number, status: OutboxMessage['status'], queued_at: string): OutboxMessage => ({
      id,
      lead_id: id,
      kind: 'followup',
      campaign_step: 1,
      property_id: null,
      channel: 'telegram',
      status,
      body: `Body ${id}`,
      queued_at,
      sent_at: null,
      attempts: 0,
      error: null,
      next_attempt_at: null,
      manual_link: null,
      draft: null,
      draft_note: null,
      review: null,
      llm_prompt: null,
      llm_answer: null,
      held_for: null,
      lead_name: `Lead ${id}`,
    });
    vi.mocked(ipc.outboxList).mockResolvedValue([msg(2, 'failed', '2026-03-02T10:00:00Z'), msg(1, 'queued', '2026-03-02T08:00:00Z')]);
    render(OutboxList);
    await waitFor(() => expect(screen.getAllByTestId('outbox-body').map((b) => b.textContent)).toEqual(['Body 1', 'Body 2']));
    expect(screen.getAllByTestId('message-status').map((b) => b.textContent)).toEqual(['Queued', 'Failed']);
    const filter = screen.getByTestId('outbox-filter') as HTMLSelectElement;
    filter.value = 'failed';
    await fireEvent.change(filter);
    await waitFor(() =>
      expect(ipc.outboxPage).toHaveBeenLastCalledWith({ status: 'failed', lead_id: null, manual: false, review: false }, null, 100),
    );
    await waitFor(() => expect(screen.getAllByTestId('outbox-body').map((b) => b.textContent)).toEqual(['Body 2']));
  });

  it('asks the agent to settle a message whose sending was interrupted, and never resends by itself', async () => {
    const unknown: OutboxMessage = {
      id: 7,
      lead_id: 3,
      kind: 'followup',
      campaign_step: 2,
      property_id: null,
      channel: 'whatsapp',
      status: 'unknown',
      body: 'Hi Omar',
      queued_at: '2026-03-02T08:00:00Z',
      sent_at: null,
      attempts: 1,
      error: 'the app stopped while sending this message; confirm whether it arrived',
      next_attempt_at: null,
      manual_link: null,
      draft: null,
      draft_note: null,
      review: null,
      llm_prompt: null,
      llm_answer: null,
      held_for: null,
      lead_name: 'Omar Haddad',
    };
    vi.mocked(ipc.outboxList).mockResolvedValue([unknown]);
    vi.mocked(ipc.outboxConfirm).mockResolvedValue({ ...unknown, status: 'queued', error: null });
    render(OutboxList);
    expect((await screen.findByText('Omar Haddad')).getAttribute('href')).toBe('#/lead/3');
    await fireEvent.click(await screen.findByTestId('confirm-not-sent'));
    await waitFor(() => expect(ipc.outboxConfirm).toHaveBeenCalledWith(7, false));
    expect(ipc.outboxList).toHaveBeenCalledTimes(2);
  });
});

describe('Lead follow-ups', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows the campaign, the step and the state; pause and resume call the commands', async () => {
    vi.mocked(ipc.leadEnrolments).mockResolvedValue([enrolment()]);
    vi.mocked(ipc.followupPause).mockResolvedValue([enrolment({ state: 'paused', stop_reason: 'paused by hand' })]);
    vi.mocked(ipc.followupResume).mockResolvedValue([enrolment()]);
    render(LeadFollowups, { leadId: 42 });
    expect((await screen.findByTestId('enrolment-state')).textContent).toBe('Active');
    expect(screen.getByTestId('enrolment-step').textContent).toContain('2 of 5');
    expect(screen.getByTestId('lead-followups').textContent).toContain('New lead nurture');
    expect(ipc.leadEnrolments).toHaveBeenCalledWith(42);

    await fireEvent.click(screen.getByTestId('followup-pause'));
    await waitFor(() => expect(screen.getByTestId('enrolment-state').textContent).toBe('Paused'));
    expect(ipc.followupPause).toHaveBeenCalledWith(42);
    expect(screen.getByTestId('enrolment-reason').textContent).toBe('Paused by hand');
    expect(screen.queryByTestId('followup-pause')).toBeNull();

    await fireEvent.click(screen.getByTestId('followup-resume'));
    await waitFor(() => expect(screen.getByTestId('enrolment-state').textContent).toBe('Active'));
    expect(ipc.followupResume).toHaveBeenCalledWith(42);
  });

  it('shows why a campaign stopped', async () => {
    vi.mocked(ipc.leadEnrolments).mockResolvedValue([enrolment({ state: 'stopped', stop_reason: 'the lead replied', next_due_at: null })]);
    render(LeadFollowups, { leadId: 1 });
    expect((await screen.findByTestId('enrolment-state')).textContent).toBe('Stopped');
    expect(screen.getByTestId('enrolment-reason').textContent).toBe('The lead replied');
    expect(screen.queryByTestId('followup-pause')).toBeNull();
    expect(screen.queryByTestId('followup-resume')).toBeNull();
  });

  it('is part of lead detail', async () => {
    vi.mocked(ipc.leadGet).mockResolvedValue(makeDetail({ id: 5 }));
    vi.mocked(ipc.leadEnrolments).mockResolvedValue([enrolment()]);
    render(LeadDetail, { id: 5 });
    expect(await screen.findByTestId('lead-followups')).toBeTruthy();
    await waitFor(() => expect(ipc.leadEnrolments).toHaveBeenCalledWith(5));
  });
});
