import { describe, expect, it, vi } from 'vitest';
import { LeadPager } from '../src/lib/leadPager';
import { syntheticList } from './fixtures';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('LeadPager', () => {
  it('loads only the pages a window needs, once', async () => {
    const { fn, calls } = syntheticList(100_000);
    const pager = new LeadPager((offset, limit) => fn({ offset, limit }), 200);
    await pager.ensure(0, 30);
    expect(calls.map((c) => c.offset)).toEqual([0]);
    expect(pager.total).toBe(100_000);
    expect(pager.get(29)?.name).toBe('Lead 30');
    expect(pager.get(250)).toBeUndefined();

    await pager.ensure(190, 230); // crosses into page 1
    await pager.ensure(10, 20); // already there
    expect(calls.map((c) => c.offset)).toEqual([0, 200]);
    expect(pager.get(250)?.name).toBe('Lead 251');
  });

  it('shares a request that is already on its way', async () => {
    const { fn, calls } = syntheticList(1000);
    const pager = new LeadPager((offset, limit) => fn({ offset, limit }), 200);
    await Promise.all([pager.ensure(0, 10), pager.ensure(5, 15)]);
    expect(calls).toHaveLength(1);
  });

  it('never asks past the end', async () => {
    const { fn, calls } = syntheticList(250);
    const pager = new LeadPager((offset, limit) => fn({ offset, limit }), 200);
    await pager.ensure(0, 10);
    await pager.ensure(0, 5000);
    expect(calls.map((c) => c.offset)).toEqual([0, 200]);
  });

  it('keeps the cache bounded when scrolling far', async () => {
    const { fn } = syntheticList(100_000);
    const pager = new LeadPager((offset, limit) => fn({ offset, limit }), 200, 5);
    for (let p = 0; p < 40; p++) await pager.ensure(p * 200, p * 200 + 50);
    expect(pager.cachedPages).toBeLessThanOrEqual(5);
    expect(pager.get(39 * 200)?.name).toBe(`Lead ${39 * 200 + 1}`);
  });

  it('says whether a page stopped counting, as its latest page does', async () => {
    const pager = new LeadPager(async (offset) => ({ total: offset + 250, more: offset === 0, rows: [] }), 50);
    await pager.ensure(0, 1);
    expect([pager.total, pager.more]).toEqual([250, true]);
    await pager.ensure(200, 201);
    expect([pager.total, pager.more]).toEqual([450, false]);
  });

  it('after invalidate, shows old rows until fresh ones arrive', async () => {
    let version = 1;
    const pager = new LeadPager(async (offset) => ({
      total: 1,
      more: false,
      rows: [{ id: 1, name: `v${version}` } as never],
    }), 200);
    await pager.ensure(0, 1);
    expect(pager.get(0)?.name).toBe('v1');
    version = 2;
    pager.invalidate();
    expect(pager.get(0)?.name).toBe('v1');
    await pager.ensure(0, 1);
    expect(pager.get(0)?.name).toBe('v2');
  });

  it('ignores a response that arrives after dispose or invalidate', async () => {
    const slow = deferred<{ total: number; more: boolean; rows: never[] }>();
    const onchange = vi.fn();
    const pager = new LeadPager(() => slow.promise, 200);
    pager.onchange = onchange;
    const done = pager.ensure(0, 10);
    pager.dispose();
    slow.resolve({ total: 5, more: false, rows: [] });
    await done;
    expect(onchange).not.toHaveBeenCalled();
    expect(pager.total).toBeNull();
  });

  it('records a failure instead of throwing', async () => {
    const pager = new LeadPager(async () => {
      throw { code: 'internal', message: 'db locked' };
    }, 200);
    await pager.ensure(0, 10);
    expect(pager.error).toEqual({ code: 'internal', message: 'db locked' });
    expect(pager.total).toBeNull();
  });
});
