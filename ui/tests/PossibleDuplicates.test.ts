import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeDetail, makeLead } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import PossibleDuplicates from '../src/lib/components/PossibleDuplicates.svelte';
import type { PossibleDuplicate } from '../src/lib/types';

vi.mock('../src/lib/ipc');

const pair = (a: number, b: number, reason: PossibleDuplicate['reason'] = 'same_name'): PossibleDuplicate => ({
  reason,
  first: makeLead({ id: a, name: 'Aisha Khan', source: 'linkedin', phone: null, linkedin_url: 'https://www.linkedin.com/in/aisha' }),
  second: makeLead({ id: b, name: 'Aisha Khan', source: 'manual', phone: '+971501234567' }),
});

describe('Possible duplicates', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
  });

  it('is hidden when there are none', async () => {
    vi.mocked(ipc.leadPossibleDuplicates).mockResolvedValue({ total: 0, pairs: [] });
    render(PossibleDuplicates);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId('possible-duplicates')).toBeNull();
  });

  it('shows each pair with why, merges the later into the earlier, and keeps a pair said to be two people apart', async () => {
    vi.mocked(ipc.leadPossibleDuplicates).mockResolvedValue({ total: 2, pairs: [pair(1, 2), pair(3, 4, 'similar_phone')] });
    vi.mocked(ipc.leadMerge).mockResolvedValue(makeDetail({ id: 1, name: 'Aisha Khan' }));
    render(PossibleDuplicates);
    expect((await screen.findByTestId('possible-count')).textContent).toBe('2 pairs');
    await fireEvent.click(screen.getByTestId('possible-toggle'));
    const rows = screen.getAllByTestId('possible-pair');
    expect(rows[0].textContent).toContain('The same name');
    expect(rows[0].textContent).toContain('+971 50 123 4567');
    expect(rows[1].textContent).toContain('Phone numbers one digit apart');

    vi.mocked(ipc.leadPossibleDuplicates).mockResolvedValue({ total: 1, pairs: [pair(3, 4, 'similar_phone')] });
    await fireEvent.click(screen.getAllByTestId('possible-merge')[0]);
    await waitFor(() => expect(ipc.leadMerge).toHaveBeenCalledWith(1, 2));
    await waitFor(() => expect(screen.getAllByTestId('possible-pair')).toHaveLength(1));

    vi.mocked(ipc.leadPossibleDuplicates).mockResolvedValue({ total: 0, pairs: [] });
    await fireEvent.click(screen.getByTestId('possible-dismiss'));
    await waitFor(() => expect(ipc.leadDuplicateDismiss).toHaveBeenCalledWith(3, 4));
    await waitFor(() => expect(screen.queryByTestId('possible-duplicates')).toBeNull());
  });

  it('reads more pairs on demand', async () => {
    vi.mocked(ipc.leadPossibleDuplicates).mockResolvedValue({ total: 25, pairs: Array.from({ length: 20 }, (_, i) => pair(i * 2 + 1, i * 2 + 2)) });
    render(PossibleDuplicates);
    await fireEvent.click(await screen.findByTestId('possible-toggle'));
    await fireEvent.click(screen.getByTestId('possible-more'));
    await waitFor(() => expect(ipc.leadPossibleDuplicates).toHaveBeenLastCalledWith(0, 40));
  });
});
