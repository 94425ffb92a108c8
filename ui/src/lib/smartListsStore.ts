/** Bumped after a list is saved or deleted, so the sidebar's lists reload. */
import { writable } from 'svelte/store';

export const listsVersion = writable(0);

export function bumpListsVersion(): void {
  listsVersion.update((n) => n + 1);
}
