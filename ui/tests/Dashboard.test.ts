import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { route } from '../src/lib/router';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { stubIpc } from './ipcMock';
import { makeDashboard } from './fixtures';
import Dashboard from '../src/lib/screens/Dashboard.svelte';

vi.mock('../src/lib/ipc');

describe('Dashboard', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('shows the count of each grade from the backend', async () => {
    render(Dashboard);
    const counts = await Promise.all(
      (['A', 'B', 'C', 'D'] as const).map(async (g) =>
        within(await screen.findByTestId(`grade-card-${g}`)).getByTestId('grade-count').textContent,
      ),
    );
    expect(counts).toEqual(['12', '34', '56', '1,234']);
    expect(screen.getByTestId('grade-card-A').textContent).toContain('Hot');
    expect(screen.getByTestId('grade-card-D').textContent).toContain('Cold');
  });

  it('opens the leads list filtered by grade when a card is activated', async () => {
    render(Dashboard);
    const card = await screen.findByTestId('grade-card-B');
    expect(card.tagName).toBe('BUTTON'); // reachable with Tab, activated with Enter/Space
    await fireEvent.click(card);
    expect(get(route)).toEqual({ name: 'leads', filters: { grade: 'B' } });
    expect(location.hash).toBe('#/leads?grade=B');
  });

  it('shows follow-ups, outbox, replies, the funnel and sources', async () => {
    render(Dashboard);
    expect((await screen.findByTestId('stat-due-today')).textContent).toContain('3');
    expect(screen.getByTestId('stat-overdue').textContent).toContain('2');
    expect(screen.getByTestId('stat-outbox').textContent).toContain('7');
    expect(screen.getByTestId('stat-replies').textContent).toContain('9');
    const funnel = screen.getByTestId('status-funnel');
    expect(within(funnel).getAllByRole('button').map((b) => b.dataset.testid)).toEqual([
      'bar-new',
      'bar-contacted',
      'bar-replied',
      'bar-qualified',
      'bar-viewing',
      'bar-negotiating',
      'bar-won',
    ]);
    expect(within(screen.getByTestId('by-source')).getByTestId('bar-linkedin').textContent).toContain('700');
  });

  it('invites the agent to add a first lead when the book is empty', async () => {
    vi.mocked(ipc.dashboard).mockResolvedValue(
      makeDashboard({ grades: { A: 0, B: 0, C: 0, D: 0 }, total_leads: 0, by_status: {}, by_source: {} }),
    );
    render(Dashboard);
    const empty = await screen.findByTestId('dashboard-empty');
    expect(empty.textContent).toContain('Add your first lead');
    // The Import screen, not the command line.
    expect(empty.textContent).not.toContain('leadbook import');
    expect(screen.getByTestId('empty-import').getAttribute('href')).toBe('#/import');
  });

  it('shows localised digits in Persian', async () => {
    setLanguage('fa');
    render(Dashboard);
    const card = await screen.findByTestId('grade-card-D');
    expect(within(card).getByTestId('grade-count').textContent).toBe('۱٬۲۳۴');
    expect(card.textContent).toContain('سرد');
  });

  it('offers a retry when loading fails', async () => {
    vi.mocked(ipc.dashboard).mockRejectedValueOnce({ code: 'internal', message: 'database is locked' });
    render(Dashboard);
    expect(await screen.findByText('database is locked')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('grade-card-A')).toBeTruthy();
  });
});
