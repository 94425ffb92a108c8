import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { route, navigate } from '../src/lib/router';
import { createShortcutHandler } from '../src/lib/shortcuts';
import { fromLocalInput, inAnHour, parseDuration, tomorrowNine } from '../src/lib/today';
import Today from '../src/lib/screens/Today.svelte';
import CallOutcomeDialog from '../src/lib/components/CallOutcomeDialog.svelte';
import type { Task, TaskCursor, TaskPage, Today as TodayData } from '../src/lib/types';

vi.mock('../src/lib/ipc');

function day(over: Partial<TodayData> = {}): TodayData {
  return {
    now: '2026-03-02T10:00:00Z',
    in_call_window: true,
    calls_wait_until: null,
    calls_wait_label: null,
    calls: [
      { task_id: 7, lead_id: 3, lead_name: 'Aisha <b>', grade: 'A', phone: '+971 50 123 4567', title: 'Call back', due_at: '2026-03-02T09:00:00Z', overdue: true, waits_until: null, held_for: null },
    ],
    calls_total: 1,
    manual_count: 0,
    manual: [],
    viewings: [],
    tasks: [],
    tasks_total: 0,
    tasks_next: null,
    tasks_before: '2026-03-02T20:00:00Z',
    new_leads: [{ lead_id: 9, name: 'Omar', grade: 'B', created_at: '2026-03-02T09:48:00Z', age_minutes: 12 }],
    replies: [],
    ...over,
  };
}


/** `n` open tasks due today, as the backend lists them, and a `taskPage` over them. */
function tasksDue(n: number): Task[] {
  return Array.from({ length: n }, (_, i) => ({
    id: 100 + i, lead_id: null, property_id: null, kind: 'document' as const, origin: 'agent', title: `Task ${i + 1}`, detail: '',
    due_at: '2026-03-02T08:00:00Z', snoozed_until: null, created_at: '2026-03-01T08:00:00Z', done_at: null, lead_name: null,
  }));
}

function pagesOf(all: Task[]) {
  return async (_f: unknown, after: TaskCursor | null, limit: number): Promise<TaskPage> => {
    const start = after ? all.findIndex((t) => t.id === after.id) + 1 : 0;
    const tasks = all.slice(start, start + limit);
    const last = tasks[tasks.length - 1];
    return { tasks, total: all.length, next: start + limit < all.length && last ? { due: last.due_at, id: last.id } : null };
  };
}

describe('today helpers', () => {
  it('reads a call duration as minutes or min:sec and refuses the rest', () => {
    expect(parseDuration('')).toBeNull();
    expect(parseDuration('5')).toBe(300);
    expect(parseDuration('4:30')).toBe(270);
    expect(parseDuration('4:75')).toBeUndefined();
    expect(parseDuration('abc')).toBeUndefined();
  });

  it('snoozes to an hour later and to 09:00 tomorrow in the workspace zone', () => {
    const now = new Date('2026-03-02T20:30:00Z');
    expect(inAnHour(now)).toBe('2026-03-02T21:30:00.000Z');
    // Dubai is UTC+4: 00:30 on the 3rd there, so tomorrow is the 4th.
    expect(tomorrowNine(now, 'Asia/Dubai')).toBe('2026-03-04T05:00:00.000Z');
    expect(tomorrowNine(now, 'UTC')).toBe('2026-03-03T09:00:00.000Z');
    expect(fromLocalInput('2026-03-05T14:30', 'Asia/Dubai')).toBe('2026-03-05T10:30:00.000Z');
    expect(fromLocalInput('nope', 'UTC')).toBeNull();
  });
});

describe('g t', () => {
  it('goes to Today', () => {
    const goToday = vi.fn();
    const handler = createShortcutHandler({ goDashboard: vi.fn(), goLeads: vi.fn(), goSettings: vi.fn(), newLead: vi.fn(), focusSearch: vi.fn(), showHelp: vi.fn(), goToday });
    handler(new KeyboardEvent('keydown', { key: 'g', code: 'KeyG' }));
    handler(new KeyboardEvent('keydown', { key: 't', code: 'KeyT' }));
    expect(goToday).toHaveBeenCalled();
  });
});

describe('Today screen', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.today).mockResolvedValue(day());
  });

  it('lists the calls and new leads with their age, lead names as text, and empty states', async () => {
    render(Today);
    expect(await screen.findByText('Aisha <b> · Call back')).toBeTruthy();
    expect(screen.getByText('Overdue')).toBeTruthy();
    expect(screen.getByText('12 min')).toBeTruthy();
    expect(screen.getByTestId('today-replies').textContent).toContain('No reply waits for you.');
  });

  it('draws the first tasks, counts them all, and loads the rest of the day on "Show more"', async () => {
    const all = tasksDue(120);
    vi.mocked(ipc.today).mockResolvedValue(day({ tasks: all.slice(0, 50), tasks_total: 120, tasks_next: { due: all[49].due_at, id: all[49].id }, calls_total: 75 }));
    vi.mocked(ipc.taskPage).mockImplementation(pagesOf(all));
    render(Today);
    const section = await screen.findByTestId('today-tasks');
    expect(section.querySelector('h2')!.textContent).toBe('Tasks due (120)');
    expect(section.querySelectorAll('[data-testid="today-row"]')).toHaveLength(50);
    // 75 calls to make, one shown: the rest come as calls are logged.
    expect(screen.getByTestId('today-calls').querySelector('h2')!.textContent).toBe('Calls to make (75)');
    expect(screen.getByTestId('today-calls-more').textContent).toContain('The first 1 of 75');
    await fireEvent.click(screen.getByTestId('today-tasks-more'));
    await waitFor(() => expect(section.querySelectorAll('[data-testid="today-row"]')).toHaveLength(100));
    expect(ipc.taskPage).toHaveBeenLastCalledWith({ open: true, due_before: '2026-03-02T20:00:00Z', except_kind: 'call' }, { due: all[49].due_at, id: 149 }, 50);
    await fireEvent.click(screen.getByTestId('today-tasks-more'));
    await waitFor(() => expect(section.querySelectorAll('[data-testid="today-row"]')).toHaveLength(120));
    expect(screen.queryByTestId('today-tasks-more')).toBeNull();
    // The keyboard list runs on into the loaded rows.
    const rows = screen.getAllByTestId('today-row');
    rows[rows.length - 2].focus();
    await fireEvent.keyDown(rows[rows.length - 2], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getAllByTestId('today-row')[rows.length - 1]);
  });

  it('shows a call to a number on the Do Not Call Register as held, with no call button', async () => {
    const held = { ...day().calls[0], held_for: 'dncr' as const };
    vi.mocked(ipc.today).mockResolvedValue(day({ calls: [held] }));
    render(Today);
    expect(await screen.findByText('Aisha <b> · Call back')).toBeTruthy();
    expect(screen.getByTestId('today-calls').textContent).toMatch(/Held: .*Do Not Call Register/i);
    expect(screen.queryByTestId('today-call')).toBeNull();
    expect(screen.queryByText('Overdue')).toBeNull();
  });

  it('says when calls wait outside the window, not the core English label', async () => {
    vi.mocked(ipc.today).mockResolvedValue(day({ in_call_window: false, calls_wait_until: '2026-03-03T05:00:00Z', calls_wait_label: 'after 09:00' }));
    render(Today);
    const wait = await screen.findByTestId('today-calls-wait');
    expect(wait.textContent).toMatch(/^Calls wait until /);
    expect(wait.textContent).not.toContain('after 09:00');
  });

  it('calls through tel:, then logs the outcome with the dialog', async () => {
    vi.mocked(ipc.callLog).mockResolvedValue({ id: 1, lead_id: 3, do_not_market: false });
    render(Today);
    await fireEvent.click(await screen.findByTestId('today-call'));
    expect(ipc.openExternal).toHaveBeenCalledWith('tel:+971501234567');
    await screen.findByTestId('call-outcome-dialog');
    await fireEvent.click(screen.getByTestId('outcome-no_answer'));
    await fireEvent.input(screen.getByTestId('call-duration'), { target: { value: '1:30' } });
    await fireEvent.click(screen.getByTestId('call-log-save'));
    await waitFor(() => expect(ipc.callLog).toHaveBeenCalledWith(3, 'no_answer', null, 90));
    await waitFor(() => expect(vi.mocked(ipc.today).mock.calls.length).toBeGreaterThan(1));
  });

  it('moves with the arrow keys, d marks done, s snoozes and Enter opens the lead', async () => {
    vi.mocked(ipc.taskDone).mockResolvedValue({} as never);
    vi.mocked(ipc.taskSnooze).mockResolvedValue({} as never);
    navigate({ name: 'today' });
    render(Today);
    await screen.findByText('Aisha <b> · Call back');
    const rows = screen.getAllByTestId('today-row');
    rows[0].focus();
    await fireEvent.keyDown(rows[0], { key: 'd' });
    await waitFor(() => expect(ipc.taskDone).toHaveBeenCalledWith(7));
    await fireEvent.keyDown(rows[0], { key: 's' });
    await fireEvent.click(await screen.findByTestId('snooze-hour'));
    await waitFor(() => expect(ipc.taskSnooze).toHaveBeenCalledWith(7, expect.any(String)));
    await fireEvent.keyDown(screen.getAllByTestId('today-row')[0], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getAllByTestId('today-row')[1]);
    await fireEvent.keyDown(screen.getAllByTestId('today-row')[1], { key: 'Enter' });
    expect(get(route)).toEqual({ name: 'lead', id: 9 });
  });
});

describe('CallOutcomeDialog', () => {
  it('says a declined call marked the lead do not market', async () => {
    const ipc = stubIpc();
    vi.mocked(ipc.callLog).mockResolvedValue({ id: 2, lead_id: 3, do_not_market: true });
    const { toasts } = await import('../src/lib/toast');
    render(CallOutcomeDialog, { open: true, leadId: 3, leadName: 'Aisha' });
    await fireEvent.click(screen.getByTestId('outcome-declined'));
    await fireEvent.input(screen.getByTestId('call-duration'), { target: { value: 'x' } });
    await fireEvent.click(screen.getByTestId('call-log-save'));
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(ipc.callLog).not.toHaveBeenCalled();
    await fireEvent.input(screen.getByTestId('call-duration'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('call-log-save'));
    await waitFor(() => expect(ipc.callLog).toHaveBeenCalledWith(3, 'declined', null, null));
    await waitFor(() => expect(get(toasts).some((t) => t.message.includes('do not market'))).toBe(true));
  });
});

describe('LeadTasks', () => {
  it('draws the first page of a lead\'s open tasks and loads more on demand', async () => {
    const { default: LeadTasks } = await import('../src/lib/components/LeadTasks.svelte');
    const ipc = stubIpc();
    const all = tasksDue(45);
    vi.mocked(ipc.taskPage).mockImplementation(pagesOf(all));
    render(LeadTasks, { leadId: 3, leadName: 'Aisha', dnmAt: null, dnmReason: null });
    await waitFor(() => expect(screen.getAllByTestId('lead-task')).toHaveLength(20));
    expect(ipc.taskPage).toHaveBeenCalledWith({ open: true, lead_id: 3 }, null, 20);
    expect(screen.getByTestId('lead-tasks-more').textContent).toContain('Show 20 more');
    await fireEvent.click(screen.getByTestId('lead-tasks-more'));
    await waitFor(() => expect(screen.getAllByTestId('lead-task')).toHaveLength(40));
    await fireEvent.click(screen.getByTestId('lead-tasks-more'));
    await waitFor(() => expect(screen.getAllByTestId('lead-task')).toHaveLength(45));
    expect(screen.queryByTestId('lead-tasks-more')).toBeNull();
  });

  it('shows the do-not-market banner and allows marketing again with a reason', async () => {
    const { default: LeadTasks } = await import('../src/lib/components/LeadTasks.svelte');
    const { makeLead } = await import('./fixtures');
    const ipc = stubIpc();
    vi.mocked(ipc.callList).mockResolvedValue([{ id: 1, lead_id: 3, outcome: 'declined', notes: null, duration_s: null, at: '2026-03-02T09:00:00Z' }]);
    vi.mocked(ipc.leadSetDoNotMarket).mockResolvedValue(makeLead({ id: 3, do_not_market_at: null, do_not_market_reason: null }));
    render(LeadTasks, { leadId: 3, leadName: 'Aisha', dnmAt: '2026-03-02T09:00:00Z', dnmReason: 'declined on a call' });
    const banner = await screen.findByTestId('dnm-banner');
    expect(banner.textContent).toContain('declined on a call');
    expect((await screen.findByTestId('lead-call')).textContent).toContain('Declined');
    await fireEvent.click(screen.getByTestId('dnm-allow'));
    await fireEvent.input(await screen.findByTestId('dnm-reason'), { target: { value: 'asked to hear again' } });
    await fireEvent.click(screen.getByTestId('dnm-save'));
    await waitFor(() => expect(ipc.leadSetDoNotMarket).toHaveBeenCalledWith(3, false, 'asked to hear again'));
    await waitFor(() => expect(screen.queryByTestId('dnm-banner')).toBeNull());
  });
});
