/**
 * Only the newest answer counts: a list or card that loads again (on an event, a new filter,
 * another lead) must not let an older answer that arrives late replace a newer one, nor
 * write into a component that has gone.
 */
import { toAppError } from './errors';
import { subscriptions } from './subscriptions';
import type { AppError } from './types';

export interface Latest {
  /**
   * Runs `request`; `onvalue` gets its answer and `onerror` its error (as an AppError), each
   * only while no newer `load` has started and nothing was `drop`ped since.
   */
  load<T>(request: () => Promise<T>, onvalue: (value: T) => void, onerror?: (err: AppError) => void): Promise<void>;
  /** Every answer still on its way is ignored (the component left, or it has newer data). */
  drop(): void;
}

export function latest(): Latest {
  let seq = 0;
  return {
    async load(request, onvalue, onerror) {
      const mine = ++seq;
      try {
        const value = await request();
        if (mine !== seq) return;
        onvalue(value);
      } catch (e) {
        if (mine === seq) onerror?.(toAppError(e));
      }
    },
    drop() {
      seq++;
    },
  };
}

type Subscribe = (handler: () => void) => Promise<() => void>;

/**
 * Reloads on every one of `events` (each an `ipc.on…` function) until the returned cleanup
 * runs, which also drops the answers of `answers` still on their way. For an `$effect` or
 * `onMount` to return.
 */
export function reloadOn(answers: Latest, reload: () => void, ...events: Subscribe[]): () => void {
  const live = subscriptions();
  for (const on of events) live.follow(on(reload));
  return () => {
    answers.drop();
    live.stop();
  };
}

/** `load` now, and again on every one of `events`, as `reloadOn`. */
export function loadAndReloadOn(answers: Latest, load: () => Promise<void>, ...events: Subscribe[]): () => void {
  void load();
  return reloadOn(answers, () => void load(), ...events);
}
