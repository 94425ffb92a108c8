/**
 * Pages rows of one lead query in from the backend as the table scrolls: fixed-size pages,
 * fetched once (in-flight requests are shared), a bounded cache, and stale responses
 * dropped. After `invalidate()` (leads changed) the old rows stay on screen until the fresh
 * page replaces them, so a background refresh never flashes skeletons.
 */
import { toAppError } from './errors';
import type { AppError, Lead, LeadPage } from './types';

/**
 * Rows per page. The first page is the one a new search waits for, so it is sized to a screen
 * (~15 rows at 1280×820, plus overscan) rather than to the cache: a smaller answer crosses the
 * IPC bridge sooner. Scrolling pages in the rest, 50 at a time.
 */
export const LEAD_PAGE_SIZE = 50;

export type FetchPage = (offset: number, limit: number) => Promise<LeadPage>;

export class LeadPager {
  /** Total rows for the query; null until the first page arrives. */
  total: number | null = null;
  /** A search stopped counting: there are more rows than `total` (the next pages say how many). */
  more = false;
  error: AppError | null = null;
  onchange: (() => void) | null = null;

  private pages = new Map<number, Lead[]>();
  private stale = new Map<number, Lead[]>();
  private inflight = new Map<number, number>(); // page → generation it was asked for
  private generation = 0;
  private disposed = false;
  private center = 0;

  constructor(
    private readonly fetchPage: FetchPage,
    readonly pageSize = LEAD_PAGE_SIZE,
    private readonly maxPages = 100,
  ) {}

  /** The row at `index`, or undefined while its page is not loaded. */
  get(index: number): Lead | undefined {
    const p = Math.floor(index / this.pageSize);
    const page = this.pages.get(p) ?? this.stale.get(p);
    return page?.[index - p * this.pageSize];
  }

  get loading(): boolean {
    return this.inflight.size > 0;
  }

  /** Number of pages held (for tests and diagnostics). */
  get cachedPages(): number {
    return this.pages.size;
  }

  /** Makes sure rows [start, end) are loaded or loading. Resolves when they have arrived. */
  ensure(start: number, end: number): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const first = Math.max(0, Math.floor(start / this.pageSize));
    let last = Math.max(first, Math.floor(Math.max(start, end - 1) / this.pageSize));
    if (this.total !== null) {
      last = Math.min(last, Math.max(0, Math.ceil(this.total / this.pageSize) - 1));
    }
    this.center = (first + last) / 2;
    const waits: Promise<void>[] = [];
    for (let p = first; p <= last; p++) {
      if (this.pages.has(p) || this.inflight.get(p) === this.generation) continue;
      waits.push(this.load(p));
    }
    return Promise.all(waits).then(() => undefined);
  }

  private async load(p: number): Promise<void> {
    const gen = this.generation;
    this.inflight.set(p, gen);
    try {
      const page = await this.fetchPage(p * this.pageSize, this.pageSize);
      if (this.disposed || gen !== this.generation) return;
      this.pages.set(p, page.rows);
      this.stale.delete(p);
      this.total = page.total;
      this.more = page.more;
      this.error = null;
      this.evict();
    } catch (e) {
      if (this.disposed || gen !== this.generation) return;
      this.error = toAppError(e);
    } finally {
      if (this.inflight.get(p) === gen) this.inflight.delete(p);
    }
    if (!this.disposed && gen === this.generation) this.onchange?.();
  }

  private evict(): void {
    while (this.pages.size > this.maxPages) {
      let far = -1;
      let farDist = -1;
      for (const p of this.pages.keys()) {
        const d = Math.abs(p - this.center);
        if (d > farDist) {
          far = p;
          farDist = d;
        }
      }
      this.pages.delete(far);
    }
    while (this.stale.size > this.maxPages) {
      const oldest = this.stale.keys().next().value;
      if (oldest === undefined) break;
      this.stale.delete(oldest);
    }
  }

  /** The data changed: keep showing what we have, but refetch on the next `ensure`. */
  invalidate(): void {
    this.generation++;
    for (const [p, rows] of this.pages) this.stale.set(p, rows);
    this.pages.clear();
    this.inflight.clear();
  }

  /** Stop: late responses are ignored and no more changes are reported. */
  dispose(): void {
    this.disposed = true;
    this.onchange = null;
    this.pages.clear();
    this.stale.clear();
  }
}
