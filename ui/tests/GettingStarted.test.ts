import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { stubIpc } from './ipcMock';
import { makeChannel, makeChannelOverview, makeDashboard, workspace } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { currentWorkspace } from '../src/lib/stores';
import GettingStarted from '../src/lib/components/GettingStarted.svelte';

vi.mock('../src/lib/ipc');

describe('Getting started', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
    localStorage.clear();
  });

  it('reads each step from the book: a saved but untested channel is not connected', async () => {
    currentWorkspace.set({ ...workspace, agent_name: null });
    vi.mocked(ipc.channelList).mockResolvedValue(makeChannelOverview({ channels: [makeChannel('telegram', { state: 'untested', has_secret: true })] }));
    vi.mocked(ipc.dashboard).mockResolvedValue(makeDashboard({ total_leads: 0 }));
    render(GettingStarted);
    const card = await screen.findByTestId('getting-started');
    expect(card.textContent).toContain('3 of 3 steps left');
    for (const id of ['name', 'channel', 'import']) expect(screen.getByTestId(`start-${id}`).dataset.done).toBe('false');
    expect(screen.getByTestId('start-import').textContent).toContain('Get a copy of your data');
    expect(screen.getByTestId('start-import').querySelector('a')?.getAttribute('href')).toBe('#/import');
  });

  it('ticks what is done, disappears when all is, and stays hidden once hidden', async () => {
    currentWorkspace.set({ ...workspace, agent_name: 'Nadia' });
    vi.mocked(ipc.channelList).mockResolvedValue(makeChannelOverview({ channels: [makeChannel('telegram', { state: 'ok', has_secret: true })] }));
    vi.mocked(ipc.dashboard).mockResolvedValue(makeDashboard({ total_leads: 0 }));
    const first = render(GettingStarted);
    await screen.findByTestId('getting-started');
    expect(screen.getByTestId('start-name').dataset.done).toBe('true');
    expect(screen.getByTestId('start-channel').dataset.done).toBe('true');
    expect(screen.getByTestId('getting-started').textContent).toContain('1 of 3 steps left');
    await fireEvent.click(screen.getByTestId('start-hide'));
    expect(screen.queryByTestId('getting-started')).toBeNull();
    first.unmount();
    render(GettingStarted);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId('getting-started')).toBeNull();

    localStorage.clear();
    vi.mocked(ipc.dashboard).mockResolvedValue(makeDashboard({ total_leads: 12 }));
    render(GettingStarted);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByTestId('getting-started')).toBeNull();
  });

  it('opens the sample book from the checklist, named in the interface language, and shows it', async () => {
    setLanguage('fa');
    currentWorkspace.set({ ...workspace, agent_name: null });
    vi.mocked(ipc.channelList).mockResolvedValue(makeChannelOverview({ channels: [] }));
    vi.mocked(ipc.dashboard).mockResolvedValue(makeDashboard({ total_leads: 0 }));
    const sample = { ...workspace, id: 2, name: 'دفتر نمونه', sample: true, language: 'fa' as const };
    vi.mocked(ipc.workspaceSampleOpen).mockResolvedValue(sample);
    render(GettingStarted);
    await fireEvent.click(await screen.findByTestId('start-sample'));
    expect(ipc.workspaceSampleOpen).toHaveBeenCalledWith('fa');
    let shown: unknown;
    currentWorkspace.subscribe((w) => (shown = w))();
    expect(shown).toEqual(sample);
    // The checklist is the agent's own book's: it is not shown in the sample book.
    expect(screen.queryByTestId('getting-started')).toBeNull();
  });
});
