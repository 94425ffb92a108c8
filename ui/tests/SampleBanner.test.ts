import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { workspace } from './fixtures';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { currentWorkspace } from '../src/lib/stores';
import SampleBanner from '../src/lib/components/SampleBanner.svelte';

vi.mock('../src/lib/ipc');

const own = { ...workspace, id: 1, name: 'Prime Homes' };
const sample = { ...workspace, id: 2, name: 'Sample book', sample: true };

describe('The sample book banner', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
  });

  it('is not shown in the agent’s own book', () => {
    currentWorkspace.set(own);
    render(SampleBanner);
    expect(screen.queryByTestId('sample-banner')).toBeNull();
  });

  it('says the leads are made up and nothing is sent, and goes back to the agent’s own book', async () => {
    currentWorkspace.set(sample);
    vi.mocked(ipc.workspaceList).mockResolvedValue([own, sample]);
    vi.mocked(ipc.workspaceSwitch).mockResolvedValue(own);
    render(SampleBanner);
    expect(screen.getByTestId('sample-banner').textContent).toContain('made up and nothing in it is ever sent');
    await fireEvent.click(screen.getByTestId('sample-back'));
    await vi.waitFor(() => expect(ipc.workspaceSwitch).toHaveBeenCalledWith(1));
    expect(ipc.workspaceSampleRemove).not.toHaveBeenCalled();
    expect(get(currentWorkspace)?.id).toBe(1);
  });

  it('removes the sample book only after the agent confirms', async () => {
    currentWorkspace.set(sample);
    vi.mocked(ipc.workspaceSampleRemove).mockResolvedValue(own);
    render(SampleBanner);
    await fireEvent.click(screen.getByTestId('sample-remove'));
    expect(ipc.workspaceSampleRemove).not.toHaveBeenCalled();
    expect((await screen.findByTestId('sample-remove-dialog')).textContent).toContain('Your own book is not touched');
    await fireEvent.click(screen.getByTestId('sample-remove-yes'));
    await vi.waitFor(() => expect(ipc.workspaceSampleRemove).toHaveBeenCalledWith(2));
    await vi.waitFor(() => expect(get(currentWorkspace)?.id).toBe(1));
    expect(screen.queryByTestId('sample-banner')).toBeNull();
  });
});
