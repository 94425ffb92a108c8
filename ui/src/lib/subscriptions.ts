/**
 * The live-update subscriptions of one component (the `ipc.on…` events): `follow` each one as
 * it is asked for, `stop` them all when the component goes. A subscription that arrives after
 * `stop` (the component left before Tauri answered) is undone at once. Outside Tauri (a plain
 * browser) subscribing fails, and the screen simply has no live updates.
 */
export interface Subscriptions {
  follow(subscribe: Promise<() => void> | undefined): void;
  stop(): void;
}

export function subscriptions(): Subscriptions {
  const unlisteners: (() => void)[] = [];
  let stopped = false;
  return {
    follow(subscribe) {
      Promise.resolve(subscribe)
        .then((fn) => {
          if (typeof fn !== 'function') return;
          if (stopped) fn();
          else unlisteners.push(fn);
        })
        .catch(() => {
          /* not running under Tauri: no live updates */
        });
    },
    stop() {
      stopped = true;
      for (const fn of unlisteners.splice(0)) fn();
    },
  };
}
