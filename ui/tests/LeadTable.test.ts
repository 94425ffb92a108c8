import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { syntheticList } from './fixtures';
import LeadTable, { PAGE_SIZE, ROW_HEIGHT } from '../src/lib/components/LeadTable.svelte';

vi.mock('../src/lib/ipc');

function props(over: Record<string, unknown> = {}) {
  return {
    filters: {},
    sort: 'score' as const,
    desc: true,
    onsort: vi.fn(),
    onopen: vi.fn(),
    onclear: vi.fn(),
    onnew: vi.fn(),
    ...over,
  };
}

/** jsdom does not scroll; give the scroller a writable scrollTop and fire the event. */
function scrollTo(el: HTMLElement, top: number) {
  Object.defineProperty(el, 'scrollTop', { value: top, writable: true, configurable: true });
  el.dispatchEvent(new Event('scroll'));
}

describe('LeadTable (virtualised)', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
  });

  it('renders only a window of rows for 100 000 leads and pages in as it scrolls', async () => {
    const list = syntheticList(100_000);
    vi.mocked(ipc.leadList).mockImplementation(list.fn);
    render(LeadTable, { props: props() });

    await waitFor(() => expect(screen.getAllByTestId('lead-row').length).toBeGreaterThan(0));
    const grid = screen.getByTestId('lead-table');
    expect(grid.getAttribute('aria-rowcount')).toBe('100001');
    const rows = screen.getAllByTestId('lead-row');
    expect(rows.length).toBeLessThan(60);
    expect(rows[0].textContent).toContain('Lead 1');
    expect(list.calls).toHaveLength(1);
    // The first page is a screen's worth, not the whole cache: a new search waits for one small answer.
    expect(PAGE_SIZE).toBeLessThanOrEqual(60);
    expect(list.calls[0]).toMatchObject({ offset: 0, limit: PAGE_SIZE, sort: 'score', desc: true });

    // The spacer gives the scrollbar the full height.
    const body = grid.querySelector<HTMLElement>('[role="rowgroup"]')!;
    expect(body.style.blockSize).toBe(`${100_000 * ROW_HEIGHT}px`);

    // Jump to the middle: only the page there is asked for, and still only a window renders.
    scrollTo(grid, 50_000 * ROW_HEIGHT);
    await waitFor(() => expect(screen.getByText('Lead 50001')).toBeTruthy());
    // Rows 49 992…50 022 (window plus overscan) straddle two pages; nothing else is fetched.
    expect(list.calls.map((c) => c.offset)).toEqual([0, 50_000 - PAGE_SIZE, 50_000]);
    expect(screen.getAllByTestId('lead-row').length).toBeLessThan(60);
    const firstRow = screen.getAllByTestId('lead-row')[0];
    expect(Number(firstRow.getAttribute('aria-rowindex'))).toBeGreaterThan(49_900);
  });

  it('moves the active row with the arrow keys and opens it with Enter', async () => {
    const list = syntheticList(500);
    vi.mocked(ipc.leadList).mockImplementation(list.fn);
    const p = props();
    render(LeadTable, { props: p });
    await waitFor(() => expect(screen.getAllByTestId('lead-row').length).toBeGreaterThan(0));
    const grid = screen.getByTestId('lead-table');
    grid.focus();
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await fireEvent.keyDown(grid, { key: 'ArrowUp' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    const active = screen.getAllByTestId('lead-row').find((r) => r.getAttribute('aria-selected') === 'true');
    expect(active?.textContent).toContain('Lead 3');
    expect(grid.getAttribute('aria-activedescendant')).toBe(active?.id);
    await fireEvent.keyDown(grid, { key: 'Enter' });
    expect(p.onopen).toHaveBeenCalledWith(3);
  });

  it('marks the sorted column with aria-sort and asks to sort on click', async () => {
    const p = props({ sort: 'name', desc: false });
    render(LeadTable, { props: p });
    const headers = screen.getAllByRole('columnheader');
    const byText = (s: string) => headers.find((h) => h.textContent?.includes(s))!;
    expect(byText('Name').getAttribute('aria-sort')).toBe('ascending');
    expect(byText('Score').getAttribute('aria-sort')).toBe('none');
    expect(byText('Phone').getAttribute('aria-sort')).toBeNull();
    await fireEvent.click(screen.getByTestId('sort-budget'));
    expect(p.onsort).toHaveBeenCalledWith('budget_max');
  });

  it('passes the filters to lead_list and shows an empty state when nothing matches', async () => {
    const p = props({ filters: { grade: 'A', source: 'referral', search: 'marina' } });
    render(LeadTable, { props: p });
    expect(await screen.findByTestId('leads-empty')).toBeTruthy();
    expect(ipc.leadList).toHaveBeenCalledWith(
      expect.objectContaining({ grade: 'A', status: null, source: 'referral', search: 'marina', offset: 0 }),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(p.onclear).toHaveBeenCalled();
  });
});
