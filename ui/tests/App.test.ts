import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { navigate, route } from '../src/lib/router';
import { deferred, stubIpc } from './ipcMock';
import { makeLead, workspace } from './fixtures';
import type { LeadPage, LeadQuery } from '../src/lib/types';
import App from '../src/App.svelte';

vi.mock('../src/lib/ipc');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const press = (key: string, code: string) => fireEvent.keyDown(document.body, { key, code });
const searches = (ipc: ReturnType<typeof stubIpc>) =>
  vi.mocked(ipc.leadList).mock.calls.map(([q]) => (q as LeadQuery).search ?? null);

describe('App', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('switches the interface language from the sidebar: flips dir, and leaves the language of messages to leads alone', async () => {
    history.replaceState(null, '', '#/dashboard'); // the app opens on Today
    render(App);
    await screen.findByTestId('grade-card-A');
    expect(document.documentElement.dir).toBe('ltr');
    const select = screen.getByTestId('language-select') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'fa' } });
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('fa');
    await sleep(0);
    expect(ipc.workspaceUpdate).not.toHaveBeenCalled();
    expect(screen.getByTestId('nav-leads').textContent).toContain('سرنخ‌ها');
    await fireEvent.change(select, { target: { value: 'ar' } });
    expect(document.documentElement.dir).toBe('rtl');
    await fireEvent.change(select, { target: { value: 'en' } });
    expect(document.documentElement.dir).toBe('ltr');
  });

  it('starts in the workspace language until the agent chooses one, then keeps the agent’s', async () => {
    localStorage.removeItem('leadbook.lang');
    vi.mocked(ipc.workspaceCurrent).mockResolvedValue({ ...workspace, language: 'ar' });
    const first = render(App);
    await waitFor(() => expect(document.documentElement.dir).toBe('rtl'));
    expect(document.documentElement.lang).toBe('ar');
    await fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'en' } });
    first.unmount();
    render(App);
    await sleep(10);
    expect(document.documentElement.lang).toBe('en');
  });

  it('every screen is reachable from the keyboard', async () => {
    history.replaceState(null, '', '#/dashboard'); // the app opens on Today
    render(App);
    await screen.findByTestId('grade-card-A');
    await press('g', 'KeyG');
    await press('l', 'KeyL');
    expect(get(route)).toEqual({ name: 'leads', filters: {} });
    expect(await screen.findByRole('heading', { level: 1, name: 'Leads' })).toBeTruthy();
    await press('n', 'KeyN');
    expect(await screen.findByTestId('field-name')).toBeTruthy();
    await press('g', 'KeyG'); // typing in the form: ignored
    await fireEvent.keyDown(screen.getByTestId('field-name'), { key: 'g', code: 'KeyG' });
    expect(get(route).name).toBe('lead-new');
    (document.activeElement as HTMLElement | null)?.blur();
    await press('g', 'KeyG');
    await press('s', 'KeyS');
    expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeTruthy();
    await press('/', 'Slash');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('lead-search')));
    (document.activeElement as HTMLElement).blur();
    await press('?', 'Slash');
    const help = await screen.findByTestId('shortcuts-dialog');
    expect(help.textContent).toContain('Go to the dashboard');
    await fireEvent.keyDown(help, { key: 'Escape' });
    expect(screen.queryByTestId('shortcuts-dialog')).toBeNull();
    await press('g', 'KeyG');
    await press('d', 'KeyD');
    expect(await screen.findByTestId('grade-card-A')).toBeTruthy();
  });

  it('nav links carry their test ids and are links in tab order', async () => {
    render(App);
    for (const id of ['nav-dashboard', 'nav-leads', 'nav-settings', 'nav-new-lead']) {
      const el = screen.getByTestId(id);
      expect(el.tagName).toBe('A');
      expect(el.getAttribute('href')).toMatch(/^#\//);
    }
  });

  it('a grade card opens the list filtered by that grade', async () => {
    vi.mocked(ipc.leadList).mockResolvedValue({ total: 1, more: false, rows: [makeLead({ name: 'Hot Lead' })] });
    render(App);
    await fireEvent.click(await screen.findByTestId('grade-card-A'));
    expect(await screen.findByText('Hot Lead')).toBeTruthy();
    expect(vi.mocked(ipc.leadList).mock.calls[0][0]).toMatchObject({ grade: 'A', offset: 0 });
    expect((screen.getByTestId('filter-grade') as HTMLSelectElement).value).toBe('A');
    expect(screen.getByTestId('leads-total').textContent).toContain('1 lead');
  });

  it('a search that stopped counting says there are more, and an exact count does not', async () => {
    vi.mocked(ipc.leadList).mockImplementation(async (q) =>
      q.search
        ? { total: 250, more: true, rows: [makeLead({ id: 1, name: 'Sara One' })] }
        : { total: 2, more: false, rows: [makeLead({ id: 2, name: 'Everyone' })] },
    );
    navigate({ name: 'leads', filters: {} }, { replace: true });
    render(App);
    await screen.findByText('Everyone');
    expect(screen.getByTestId('leads-total').textContent).toContain('2 leads');
    await fireEvent.input(screen.getByTestId('lead-search'), { target: { value: 'sara' } });
    await screen.findByText('Sara One');
    await waitFor(() => expect(screen.getByTestId('leads-total').textContent).toContain('250+ leads'));
  });

  it('searches as you type: the first key at once, keys typed meanwhile as one query', async () => {
    const first = deferred<LeadPage>();
    vi.mocked(ipc.leadList).mockImplementation(async (q) => {
      if (q.search === 'o') return first.promise;
      return { total: 1, more: false, rows: [makeLead({ id: 1, name: q.search ? `Match ${q.search}` : 'Everyone' })] };
    });
    navigate({ name: 'leads', filters: {} }, { replace: true });
    render(App);
    await screen.findByText('Everyone');
    const box = screen.getByTestId('lead-search');

    await fireEvent.input(box, { target: { value: 'o' } });
    await waitFor(() => expect(searches(ipc)).toEqual([null, 'o']));
    await fireEvent.input(box, { target: { value: 'om' } });
    await fireEvent.input(box, { target: { value: 'omi' } });
    await sleep(50);
    expect(searches(ipc)).toEqual([null, 'o']);
    first.resolve({ total: 1, more: false, rows: [makeLead({ id: 2, name: 'Match o' })] });
    expect(await screen.findByText('Match omi')).toBeTruthy();
    expect(searches(ipc)).toEqual([null, 'o', 'omi']);
  });

  it('a stale search answer never replaces a newer one', async () => {
    const slow = deferred<LeadPage>();
    vi.mocked(ipc.leadList).mockImplementation(async (q) => {
      if (q.search === 'ja') return slow.promise;
      if (q.search === 'jam') return { total: 1, more: false, rows: [makeLead({ id: 2, name: 'James Fresh' })] };
      return { total: 1, more: false, rows: [makeLead({ id: 1, name: 'Everyone' })] };
    });
    navigate({ name: 'leads', filters: {} }, { replace: true });
    render(App);
    await screen.findByText('Everyone');
    const box = screen.getByTestId('lead-search');

    await fireEvent.input(box, { target: { value: 'ja' } });
    await sleep(20);
    // 'ja' hangs: after a little patience the newer text goes anyway.
    await fireEvent.input(box, { target: { value: 'jam' } });
    expect(await screen.findByText('James Fresh', {}, { timeout: 2000 })).toBeTruthy();
    slow.resolve({ total: 1, more: false, rows: [makeLead({ id: 3, name: 'Stale Answer' })] });
    await sleep(50);
    expect(screen.queryByText('Stale Answer')).toBeNull();
    expect(screen.getByText('James Fresh')).toBeTruthy();
    expect(location.hash).toBe('#/leads?search=jam');
  });

  it('refetches when the backend says leads changed', async () => {
    let fire: () => void = () => {};
    vi.mocked(ipc.onLeadsChanged).mockImplementation(async (h) => {
      fire = h;
      return () => {};
    });
    history.replaceState(null, '', '#/dashboard'); // the app opens on Today
    render(App);
    await screen.findByTestId('grade-card-A');
    await waitFor(() => expect(ipc.onLeadsChanged).toHaveBeenCalled());
    const before = vi.mocked(ipc.dashboard).mock.calls.length;
    fire();
    await waitFor(() => expect(vi.mocked(ipc.dashboard).mock.calls.length).toBe(before + 1));
  });

  it('opens a lead from the table with Enter and shows its detail', async () => {
    vi.mocked(ipc.leadList).mockResolvedValue({
      total: 2,
      more: false,
      rows: [makeLead({ id: 1, name: 'First' }), makeLead({ id: 2, name: 'Second' })],
    });
    vi.mocked(ipc.leadGet).mockImplementation(async (id) => ({
      ...makeLead({ id, name: id === 2 ? 'Second' : 'First' }),
      score_breakdown: [{ factor: 'phone', points: 15 }],
      timeline: [],
      timeline_total: 0,
      timeline_next: null,
      learned: null,
    }));
    navigate({ name: 'leads', filters: {} }, { replace: true });
    render(App);
    await screen.findByText('Second');
    const grid = screen.getByTestId('lead-table');
    grid.focus();
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'Enter' });
    const title = await screen.findByTestId('lead-title');
    expect(title.textContent).toBe('Second');
    const breakdown = screen.getByTestId('score-breakdown');
    expect(within(breakdown).getByText('Phone or WhatsApp number')).toBeTruthy();
    expect(within(breakdown).getByText('+15')).toBeTruthy();
  });
});
