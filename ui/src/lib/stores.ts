/** App-wide state that several screens read. */
import { writable } from 'svelte/store';
import type { Workspace } from './types';

/** The workspace every screen is showing; null until the first load. */
export const currentWorkspace = writable<Workspace | null>(null);

/** Bumped whenever leads may have changed (backend event, workspace switch). */
export const leadsVersion = writable(0);

export function bumpLeadsVersion(): void {
  leadsVersion.update((n) => n + 1);
}

/** One-shot request (from the `/` shortcut) for the Leads screen to focus its search box. */
let searchFocusRequested = false;
export function requestSearchFocus(): void {
  searchFocusRequested = true;
}
export function takeSearchFocusRequest(): boolean {
  const requested = searchFocusRequested;
  searchFocusRequested = false;
  return requested;
}
