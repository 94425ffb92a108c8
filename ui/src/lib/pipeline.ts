/**
 * The deals board's pure logic: the stages of each kind in funnel order, moving a deal one
 * stage along (mirrored for right-to-left), and the column totals.
 */
import type { Deal, DealKind, DealStage } from './types';

export const OPEN_STAGES: Record<DealKind, DealStage[]> = {
  sale: ['offer', 'mou_signed', 'noc', 'transfer'],
  rent: ['offer', 'contract', 'ejari', 'keys'],
};

/** Every column of a kind's board: its open stages, then won and lost. */
export function stagesOf(kind: DealKind): DealStage[] {
  return [...OPEN_STAGES[kind], 'won', 'lost'];
}

/** Won and lost close the deal and set the lead's status: the board asks first. */
export function isClosing(stage: DealStage): boolean {
  return stage === 'won' || stage === 'lost';
}

/**
 * The stage a deal lands on when moved one column; `direction` +1 is forward in funnel order.
 * Null at either end.
 */
export function stepStage(kind: DealKind, from: DealStage, direction: 1 | -1): DealStage | null {
  const stages = stagesOf(kind);
  const i = stages.indexOf(from);
  if (i < 0) return null;
  const j = i + direction;
  return j >= 0 && j < stages.length ? stages[j] : null;
}

/**
 * The direction a key moves a card: `]` forward, `[` back, Shift+Arrow toward the arrow's
 * side of the screen (so in RTL, where the funnel runs right to left, ← is forward).
 */
export function keyDirection(e: { key: string; shiftKey: boolean }, rtl: boolean): 1 | -1 | null {
  if (e.key === ']') return 1;
  if (e.key === '[') return -1;
  if (!e.shiftKey) return null;
  if (e.key === 'ArrowRight') return rtl ? -1 : 1;
  if (e.key === 'ArrowLeft') return rtl ? 1 : -1;
  return null;
}

export interface ColumnTotals {
  count: number;
  value: number;
  commission: number;
}

export function totals(deals: Deal[]): ColumnTotals {
  return deals.reduce(
    (t, d) => ({ count: t.count + 1, value: t.value + d.value, commission: t.commission + d.commission }),
    { count: 0, value: 0, commission: 0 },
  );
}

/** The deals of one kind grouped by stage, every column present. */
export function columns(deals: Deal[], kind: DealKind): Map<DealStage, Deal[]> {
  const map = new Map<DealStage, Deal[]>(stagesOf(kind).map((s) => [s, []]));
  for (const d of deals) if (d.kind === kind) map.get(d.stage)?.push(d);
  return map;
}
