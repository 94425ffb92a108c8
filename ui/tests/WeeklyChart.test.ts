import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { stubIpc } from './ipcMock';
import { makeWeeks } from './fixtures';
import WeeklyChart from '../src/lib/components/WeeklyChart.svelte';
import Dashboard from '../src/lib/screens/Dashboard.svelte';

vi.mock('../src/lib/ipc');

const xOf = (g: Element) => Number(g.querySelector('rect.new')!.getAttribute('x'));

describe('WeeklyChart', () => {
  beforeEach(() => {
    stubIpc();
  });

  it('draws 12 weeks oldest to newest with a summary label and a hidden table', () => {
    render(WeeklyChart, { weeks: makeWeeks() });
    const svg = screen.getByRole('img');
    expect(svg.getAttribute('aria-label')).toBe(
      'Last 12 weeks: 54 new leads and 19 replies; most new leads in the week of 10 Feb 2025.',
    );
    const groups = screen.getAllByTestId('chart-week');
    expect(groups).toHaveLength(12);
    expect(groups[0].dataset.week).toBe('2024-12-30');
    expect(groups[11].dataset.week).toBe('2025-03-17');
    expect(xOf(groups[0])).toBeLessThan(xOf(groups[11]));
    // The tallest bar (9 new leads) reaches the top of the scale (10).
    const heights = groups.map((g) => Number(g.querySelector('rect.new')!.getAttribute('height')));
    expect(Math.max(...heights)).toBe(heights[6]);
    expect(groups[11].textContent).toContain('17 Mar');

    const table = screen.getByTestId('weekly-chart-table');
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(13);
    expect(rows[12].textContent).toContain('17 Mar 2025');
    expect(rows[12].textContent).toContain('4');
  });

  it('runs right to left with Persian-calendar labels in fa', () => {
    setLanguage('fa');
    render(WeeklyChart, { weeks: makeWeeks() });
    const groups = screen.getAllByTestId('chart-week');
    expect(xOf(groups[0])).toBeGreaterThan(xOf(groups[11]));
    // 2025-03-17 is 27 Esfand 1403.
    expect(groups[11].textContent).toContain('۲۷');
    expect(groups[11].textContent).toContain('اسفند');
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('۱۲');
  });

  it('says so when the weeks are empty', () => {
    render(WeeklyChart, { weeks: makeWeeks().map((w) => ({ ...w, new_leads: 0, replies: 0 })) });
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Last 12 weeks: no new leads and no replies.');
  });

  it('appears on the dashboard', async () => {
    render(Dashboard);
    const chart = await screen.findByTestId('weekly-chart');
    expect(within(chart).getAllByTestId('chart-week')).toHaveLength(12);
    expect(screen.getByRole('heading', { name: 'New leads and replies per week' })).toBeTruthy();
  });
});
