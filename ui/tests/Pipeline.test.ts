import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { get } from 'svelte/store';
import { route } from '../src/lib/router';
import { parseHash, routeToHash } from '../src/lib/router';
import { stubIpc } from './ipcMock';
import type { Deal } from '../src/lib/types';
import Pipeline from '../src/lib/screens/Pipeline.svelte';

vi.mock('../src/lib/ipc');

function deal(over: Partial<Deal> = {}): Deal {
  return {
    id: 7, lead_id: 3, property_id: null, kind: 'sale', value: 2_000_000, stage: 'transfer',
    expected_close: null, commission: 40_000, vat: 2_000, agent_share: 20_000, notes: null,
    created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z', closed_at: null,
    lead_name: 'Hot Lead', property_title: null, ...over,
  };
}

describe('Pipeline board', () => {
  let ipc: ReturnType<typeof stubIpc>;
  beforeEach(() => {
    ipc = stubIpc();
    vi.mocked(ipc.dealList).mockResolvedValue([deal(), deal({ id: 8, kind: 'rent', stage: 'offer', lead_name: 'Renter' })]);
    vi.mocked(ipc.dealSetStage).mockImplementation(async (id, stage) => ({ ...deal({ id }), stage }));
  });

  it('routes #/pipeline?kind= both ways, sale by default', () => {
    expect(parseHash('#/pipeline?kind=rent')).toEqual({ name: 'pipeline', kind: 'rent' });
    expect(parseHash('#/pipeline')).toEqual({ name: 'pipeline', kind: 'sale' });
    expect(routeToHash({ name: 'pipeline', kind: 'rent' })).toBe('#/pipeline?kind=rent');
  });

  it('shows only the kind’s deals in their stage column with the column totals', async () => {
    render(Pipeline, { kind: 'sale' });
    const col = await screen.findByTestId('pipeline-column-transfer');
    expect(within(col).getByTestId('deal-card').textContent).toContain('Hot Lead');
    expect(screen.getAllByTestId('deal-card')).toHaveLength(1);
    expect(screen.getByTestId('pipeline-totals-transfer').textContent).toContain('1');
  });

  it("names the deal's listing by its title and links to it", async () => {
    vi.mocked(ipc.dealList).mockResolvedValue([deal({ property_id: 4, property_title: 'JVC 2BR' })]);
    render(Pipeline, { kind: 'sale' });
    const link = await screen.findByTestId('deal-listing');
    expect(link.textContent).toBe('JVC 2BR');
    expect(link.getAttribute('href')).toBe('#/property/4');
  });

  it('moves a card a stage with ] and announces it', async () => {
    vi.mocked(ipc.dealList).mockResolvedValue([deal({ stage: 'offer' })]);
    render(Pipeline, { kind: 'sale' });
    const card = await screen.findByTestId('deal-card');
    await fireEvent.keyDown(card, { key: ']' });
    expect(ipc.dealSetStage).toHaveBeenCalledWith(7, 'mou_signed');
    await vi.waitFor(() => expect(screen.getByTestId('pipeline-live').textContent).toContain('MOU signed'));
    expect(within(screen.getByTestId('pipeline-column-mou_signed')).getByTestId('deal-card')).toBeTruthy();
  });

  it('asks before moving to won and moves only after yes', async () => {
    render(Pipeline, { kind: 'sale' });
    const card = await screen.findByTestId('deal-card');
    await fireEvent.keyDown(card, { key: 'ArrowRight', shiftKey: true });
    expect(ipc.dealSetStage).not.toHaveBeenCalled();
    await fireEvent.click(await screen.findByTestId('deal-confirm-yes'));
    await vi.waitFor(() => expect(ipc.dealSetStage).toHaveBeenCalledWith(7, 'won'));
  });

  it('moves a dropped card to the column it is dropped on', async () => {
    render(Pipeline, { kind: 'sale' });
    const card = await screen.findByTestId('deal-card');
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? '' };
    await fireEvent.dragStart(card, { dataTransfer });
    await fireEvent.drop(screen.getByTestId('pipeline-column-noc'), { dataTransfer });
    await vi.waitFor(() => expect(ipc.dealSetStage).toHaveBeenCalledWith(7, 'noc'));
  });

  it('opens the lead on Enter', async () => {
    render(Pipeline, { kind: 'sale' });
    await fireEvent.keyDown(await screen.findByTestId('deal-card'), { key: 'Enter' });
    expect(get(route)).toEqual({ name: 'lead', id: 3 });
  });
});

import PipelineCard from '../src/lib/components/PipelineCard.svelte';

describe('PipelineCard', () => {
  it('shows the commission earned and each stage as the dashboard returns them', () => {
    render(PipelineCard, {
      pipeline: {
        stages: [{ stage: 'offer', count: 2, value: 3_000_000, commission: 60_000 }],
        earned_this_month: 40_000,
        earned_this_year: 90_000,
      },
    });
    expect(screen.getByTestId('earned-month').textContent).toMatch(/40,000/);
    expect(screen.getByTestId('earned-year').textContent).toMatch(/90,000/);
    expect(screen.getByTestId('pipeline-stage-offer').textContent).toContain('Offer');
    expect(screen.getByTestId('pipeline-stage-offer').textContent).toContain('2');
  });
});
