import { describe, expect, it } from 'vitest';
import { columns, isClosing, keyDirection, stagesOf, stepStage, totals } from '../src/lib/pipeline';
import type { Deal } from '../src/lib/types';

function deal(over: Partial<Deal>): Deal {
  return {
    id: 1, lead_id: 1, property_id: null, kind: 'sale', value: 1000, stage: 'offer',
    expected_close: null, commission: 20, vat: 1, agent_share: 10, notes: null,
    created_at: '', updated_at: '', closed_at: null, lead_name: 'A', property_title: null, ...over,
  };
}

describe('pipeline', () => {
  it('lists each kind’s stages in funnel order ending with won and lost', () => {
    expect(stagesOf('sale')).toEqual(['offer', 'mou_signed', 'noc', 'transfer', 'won', 'lost']);
    expect(stagesOf('rent')).toEqual(['offer', 'contract', 'ejari', 'keys', 'won', 'lost']);
  });
  it('steps a deal one stage and stops at the ends', () => {
    expect(stepStage('sale', 'offer', 1)).toBe('mou_signed');
    expect(stepStage('rent', 'keys', 1)).toBe('won');
    expect(stepStage('sale', 'offer', -1)).toBeNull();
    expect(stepStage('sale', 'lost', 1)).toBeNull();
    expect(stepStage('rent', 'noc', 1)).toBeNull();
  });
  it('asks to confirm only won and lost', () => {
    expect(isClosing('won')).toBe(true);
    expect(isClosing('lost')).toBe(true);
    expect(isClosing('transfer')).toBe(false);
  });
  it('mirrors Shift+arrows in right-to-left and keeps brackets in funnel order', () => {
    expect(keyDirection({ key: ']', shiftKey: false }, false)).toBe(1);
    expect(keyDirection({ key: '[', shiftKey: false }, true)).toBe(-1);
    expect(keyDirection({ key: 'ArrowRight', shiftKey: true }, false)).toBe(1);
    expect(keyDirection({ key: 'ArrowRight', shiftKey: true }, true)).toBe(-1);
    expect(keyDirection({ key: 'ArrowLeft', shiftKey: true }, true)).toBe(1);
    expect(keyDirection({ key: 'ArrowLeft', shiftKey: false }, false)).toBeNull();
  });
  it('groups deals of one kind by stage and totals a column', () => {
    const ds = [deal({ id: 1 }), deal({ id: 2, value: 500, commission: 10 }), deal({ id: 3, kind: 'rent' })];
    const cols = columns(ds, 'sale');
    expect([...cols.keys()]).toEqual(stagesOf('sale'));
    expect(cols.get('offer')!.map((d) => d.id)).toEqual([1, 2]);
    expect(totals(cols.get('offer')!)).toEqual({ count: 2, value: 1500, commission: 30 });
    expect(totals([])).toEqual({ count: 0, value: 0, commission: 0 });
  });
});
