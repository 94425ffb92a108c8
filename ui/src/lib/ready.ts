/**
 * When the first screen is on show: painted, with every answer it asked for in hand and painted
 * too. The window then tells the Rust side (`window_ready`), which starts its background work
 * (the follow-up tick, the backup, delivery and polling) only now, so none of it shares the
 * cores with the paint the agent waits for; the Rust side starts it anyway after 20 s.
 */
import * as ipc from './ipc';
import { afterPaint } from './perf';

export interface ScreenClock {
  afterPaint: () => Promise<unknown>;
  idle: () => boolean;
  settled: () => Promise<void>;
}

const WINDOW: ScreenClock = { afterPaint, idle: ipc.idle, settled: ipc.settled };

/**
 * Resolves after a frame painted with no command in flight. A screen whose answers lead to more
 * questions (the workspace, then its leads) is waited for round after round; `rounds` bounds it.
 */
export async function screenSettled(clock: ScreenClock = WINDOW, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await clock.afterPaint();
    if (clock.idle()) return;
    await clock.settled();
  }
}

/** Tells the Rust side once the first screen is on show (an error is only a later start). */
export function announceReady(clock: ScreenClock = WINDOW): Promise<void> {
  return screenSettled(clock)
    .then(() => ipc.windowReady())
    .catch(() => {});
}
