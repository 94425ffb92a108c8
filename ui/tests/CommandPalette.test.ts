import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { stubIpc } from './ipcMock';
import { makeLead } from './fixtures';
import { route } from '../src/lib/router';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { createLeadKeys } from '../src/lib/leadShortcuts';
import CommandPalette from '../src/lib/components/CommandPalette.svelte';

vi.mock('../src/lib/ipc');

const key = (k: string, opts: KeyboardEventInit = {}) => new KeyboardEvent('keydown', { key: k, code: `Key${k.toUpperCase()}`, ...opts });

describe('The command palette', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    setLanguage('en');
  });

  it('filters the screens as the agent types and goes to the one chosen with Enter', async () => {
    render(CommandPalette, { props: { open: true } });
    const input = (await screen.findByTestId('palette-input')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'calen' } });
    const items = screen.getAllByTestId('palette-item');
    expect(items.map((i) => i.textContent?.trim())).toEqual(['Go to the calendar']);
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(get(route)).toEqual({ name: 'calendar', view: 'week' });
  });

  it('finds leads by what is typed, shows their names as text and opens the one chosen', async () => {
    vi.mocked(ipc.leadList).mockResolvedValue({ total: 1, more: false, rows: [makeLead({ id: 9, name: '<b>Omid</b> Karimi' })] });
    render(CommandPalette, { props: { open: true } });
    const input = (await screen.findByTestId('palette-input')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'omid' } });
    await waitFor(() => expect(ipc.leadList).toHaveBeenCalledWith({ search: 'omid', limit: 6 }));
    const lead = await waitFor(() => screen.getAllByTestId('palette-item').find((i) => i.textContent?.includes('Omid'))!);
    expect(lead.querySelector('b')).toBeNull();
    await fireEvent.click(lead);
    expect(get(route)).toEqual({ name: 'lead', id: 9 });
  });
});

describe('The lead page keys', () => {
  it('call, reply, status and edit — but not as the second key of a g chord, nor while typing', () => {
    const acts = { call: vi.fn(), reply: vi.fn(), status: vi.fn(), edit: vi.fn() };
    const onkey = createLeadKeys(acts);
    onkey(key('c'));
    onkey(key('r'));
    onkey(key('s'));
    onkey(key('e'));
    expect([acts.call, acts.reply, acts.status, acts.edit].map((f) => f.mock.calls.length)).toEqual([1, 1, 1, 1]);
    onkey(key('g'));
    onkey(key('c'));
    expect(acts.call).toHaveBeenCalledTimes(1);
    const field = document.createElement('input');
    document.body.append(field);
    field.dispatchEvent(key('c', { bubbles: true }));
    onkey(Object.defineProperty(key('c'), 'target', { value: field }));
    expect(acts.call).toHaveBeenCalledTimes(1);
    onkey(key('c', { ctrlKey: true }));
    expect(acts.call).toHaveBeenCalledTimes(1);
    field.remove();
  });
});
