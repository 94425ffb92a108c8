/**
 * Focuses an element the first time it is there, e.g. a detail page's heading once the record
 * has loaded; later reloads leave the focus where the agent put it. Call during component init.
 */
export function focusOnce(target: () => HTMLElement | null | undefined): void {
  let done = false;
  $effect(() => {
    const el = target();
    if (el && !done) {
      done = true;
      el.focus();
    }
  });
}
