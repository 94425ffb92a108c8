/**
 * Reloads whenever `version()` changes: a counter the screen bumps when something this
 * component shows was changed elsewhere (0, the start, is left to the first load). Call during
 * component init.
 */
export function reloadOnBump(version: () => number, load: () => unknown): void {
  let seen = 0;
  $effect(() => {
    if (version() !== seen) {
      seen = version();
      void load();
    }
  });
}
