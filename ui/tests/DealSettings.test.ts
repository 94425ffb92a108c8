import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as ipc from '../src/lib/ipc';
import { stubIpc } from './ipcMock';
import { workspace } from './fixtures';
import { currentWorkspace } from '../src/lib/stores';
import { bpToPercent, exampleCommission, parseMinutes, patchOf, percentToBp } from '../src/lib/dealRates';
import DealSettings from '../src/lib/components/DealSettings.svelte';

vi.mock('../src/lib/ipc');

describe('deal rates as typed', () => {
  it('reads percentages in any digits and decimal mark as basis points', () => {
    expect(percentToBp('2')).toBe(200);
    expect(percentToBp(' 2.5 % ')).toBe(250);
    expect(percentToBp('۲٫۵')).toBe(250);
    expect(percentToBp('2,25')).toBe(225);
    expect(percentToBp('100')).toBe(10_000);
    expect(bpToPercent(250)).toBe('2.5');
  });

  it('refuses what is not a percentage from 0 to 100 with at most two decimals', () => {
    for (const bad of ['', 'two', '-1', '100.01', '101', '2.555', '1e2']) expect(percentToBp(bad), bad).toBeNull();
  });

  it('reads the reminder as whole minutes up to a week', () => {
    expect(parseMinutes('۱۲۰')).toBe(120);
    expect(parseMinutes('10080')).toBe(10080);
    expect(parseMinutes('10081')).toBeNull();
    expect(parseMinutes('1.5')).toBeNull();
  });

  it('names the first field that is wrong and otherwise builds the whole patch', () => {
    const form = { commission_sale_bp: '2', commission_rent_bp: '5', vat_bp: '5', agent_share_bp: '50', viewing_reminder_min: '90' };
    expect(patchOf(form)).toEqual({ patch: { commission_sale_bp: 200, commission_rent_bp: 500, vat_bp: 500, agent_share_bp: 5000, viewing_reminder_min: 90 } });
    expect(patchOf({ ...form, vat_bp: 'x' })).toEqual({ invalid: 'vat_bp' });
  });

  it('works the example out as the backend does: 2 % of 2 000 000 with 5 % VAT and half for the agent', () => {
    expect(exampleCommission(2_000_000, 200, 500, 5000)).toEqual({ commission: 40_000, vat: 2_000, share: 20_000 });
  });
});

describe('Settings → Deals and viewings', () => {
  beforeEach(() => {
    stubIpc();
    currentWorkspace.set(workspace);
  });

  it('shows the workspace rates as percentages and saves what the agent typed', async () => {
    render(DealSettings);
    const sale = (await screen.findByTestId('deal-commission_sale_bp')) as HTMLInputElement;
    expect(sale.value).toBe('2');
    expect(screen.getByTestId('deal-example').textContent).toMatch(/40,000/);
    await fireEvent.input(sale, { target: { value: '1.5' } });
    await fireEvent.input(screen.getByTestId('deal-viewing_reminder_min'), { target: { value: '60' } });
    await fireEvent.click(screen.getByTestId('deal-save'));
    await waitFor(() =>
      expect(ipc.workspaceUpdate).toHaveBeenCalledWith(workspace.id, {
        commission_sale_bp: 150, commission_rent_bp: 500, vat_bp: 500, agent_share_bp: 5000, viewing_reminder_min: 60,
      }),
    );
  });

  it('keeps a wrong percentage on its field and asks nothing of the backend', async () => {
    render(DealSettings);
    const vat = await screen.findByTestId('deal-vat_bp');
    await fireEvent.input(vat, { target: { value: '150' } });
    await fireEvent.click(screen.getByTestId('deal-save'));
    expect(await screen.findByText(/percentage from 0 to 100/)).toBeTruthy();
    expect(vat.getAttribute('aria-invalid')).toBe('true');
    expect(ipc.workspaceUpdate).not.toHaveBeenCalled();
  });

  it('shows the backend refusal next to the field it names', async () => {
    vi.mocked(ipc.workspaceUpdate).mockRejectedValueOnce({ code: 'validation', message: 'a reminder is too long', field: 'viewing_reminder_min' });
    render(DealSettings);
    await screen.findByTestId('deal-save');
    await fireEvent.click(screen.getByTestId('deal-save'));
    expect(await screen.findByText('a reminder is too long')).toBeTruthy();
  });
});
