/**
 * Benchmark marks for SPEC §10, active only when the window was opened with `?perf` (the Rust
 * side adds it when LEADBOOK_PERF_OUT is set; see tests/bench-app.sh). It reports:
 *   `first-paint`     the lead list's first rows (or its empty state) are painted;
 *   `keystroke`       per key typed in the search box: keydown → the rows of a query that
 *                     includes that key are painted (value = milliseconds);
 *   `search-ipc`, `search-render`  each search query split: asked → answer in hand → painted;
 *                     `search-render` is split again into `search-flush` (answer → Svelte has
 *                     updated the DOM), `search-frame` (→ the next frame's rAF callback) and
 *                     `search-paint` (rAF → the task after the frame: style, layout, paint);
 *   `search-queue`    per key: keydown → the query that includes it is sent (it waits while
 *                     another query is in flight);
 *   `ipc-lead-list`   the bare `lead_list` round trip for each prefix of `?perf=TEXT`;
 *   `bare-repaint`    one row's text changed with no query → the frame showing it painted, as
 *                     many times as TEXT has characters: the keystroke figure's baseline (SPEC
 *                     §10 round 2), then `ipc-done`.
 * Otherwise every function here returns at once.
 */
import { tick } from 'svelte';
import * as ipc from './ipc';
import { LEAD_PAGE_SIZE } from './leadPager';
import type { LeadQuery } from './types';

const params = typeof location === 'undefined' ? new URLSearchParams() : new URLSearchParams(location.search);
export const perfEnabled = params.has('perf');

let seq = 0;
let pending: { seq: number; at: number; queued?: boolean }[] = [];
let firstPainted = false;

function mark(name: string, valueMs?: number): Promise<void> {
  return ipc.perfMark(name, valueMs).catch(() => {
    /* a benchmark aid must never disturb the app */
  });
}

/** Search figures wait until typing has paused, so reporting them never slows the next key. */
let held: { name: string; value: number }[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;
function hold(name: string, value: number): void {
  held.push({ name, value });
  clearTimeout(flushTimer);
  flushTimer = setTimeout(async () => {
    const out = held;
    held = [];
    for (const m of out) await mark(m.name, m.value);
  }, 1000);
}

/** Resolves once the frame showing the current DOM has been rendered (rAF, then the task after it). */
export function afterPaint(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)));
}

/** A key went down in the search box; `timeStamp` is the event's (same clock as performance.now()). */
export function keystroke(timeStamp: number): void {
  if (!perfEnabled) return;
  const now = performance.now();
  // Older engines gave epoch milliseconds: fall back to "now" rather than report nonsense.
  const at = timeStamp > 0 && timeStamp <= now ? timeStamp : now;
  pending.push({ seq: ++seq, at });
}

/** The newest keystroke so far: a query started now reflects every key up to it. */
export function latestKeystroke(): number {
  return seq;
}

/** A query's first page was asked for (returns the time, to pass to `rowsRendered`). */
export function querySent(): number {
  if (!perfEnabled) return 0;
  const now = performance.now();
  for (const k of pending) {
    if (k.queued) continue;
    k.queued = true;
    hold('search-queue', now - k.at);
  }
  return now;
}

/** The first page of a query sent at `sentAt`, reflecting keystrokes up to `upTo`, is in the DOM. */
export function rowsRendered(upTo: number, sentAt: number): void {
  if (!perfEnabled) return;
  const landed = performance.now();
  let flushed = landed;
  let frame = landed;
  void tick()
    .then(() => {
      flushed = performance.now();
      return new Promise<void>((resolve) =>
        requestAnimationFrame(() => {
          frame = performance.now();
          resolve();
        }),
      );
    })
    .then(() => new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 0)))
    .then(async (now) => {
      if (upTo > 0) {
        hold('search-ipc', landed - sentAt);
        hold('search-render', now - landed);
        hold('search-flush', flushed - landed);
        hold('search-frame', frame - flushed);
        hold('search-paint', now - frame);
      }
      if (!firstPainted) {
        firstPainted = true;
        await mark('first-paint');
        void baseline();
      }
      const done = pending.filter((k) => k.seq <= upTo);
      pending = pending.filter((k) => k.seq > upTo);
      for (const k of done) hold('keystroke', now - k.at);
    });
}

/** The bare IPC round trip of the list's first page for each prefix of the benchmark's text. */
async function baseline(): Promise<void> {
  const text = params.get('perf') ?? '';
  if (!text || text === '1') return;
  for (let i = 1; i <= text.length; i++) {
    const query: LeadQuery = { search: text.slice(0, i), sort: 'score', desc: true, offset: 0, limit: LEAD_PAGE_SIZE };
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      await ipc.leadList(query);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    await mark('ipc-lead-list', times[2]);
  }
  await bareRepaints(text.length);
  await mark('ipc-done');
}

/**
 * The bare repaint of SPEC §10 round 2, in this window as it is: one row's text changed (no
 * query) → the frame that shows it painted, `count` times: a span of its own in the first cell
 * of the list's first row, changed each time and removed at the end.
 */
async function bareRepaints(count: number): Promise<void> {
  const cell = document.querySelector<HTMLElement>('[data-testid="lead-row"] [role="gridcell"]');
  if (!cell) return;
  // A node of its own, so the nodes Svelte keeps for the row are never touched.
  const changed = document.createElement('span');
  cell.append(changed);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    changed.textContent = i % 2 ? ' ·' : ' ··';
    const painted = await afterPaint();
    await mark('bare-repaint', painted - t0);
  }
  changed.remove();
}
