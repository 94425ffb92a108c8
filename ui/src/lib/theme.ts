/** Light / dark / follow-the-system theme, remembered in localStorage. */
import { writable } from 'svelte/store';

export type ThemeChoice = 'light' | 'dark' | 'system';
export const THEMES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const STORAGE_KEY = 'leadbook.theme';

function stored(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (v === 'light' || v === 'dark' || v === 'system') return v;
  } catch {
    /* storage unavailable */
  }
  return 'system';
}

export const theme = writable<ThemeChoice>(stored());

export function applyTheme(choice: ThemeChoice): void {
  if (typeof document === 'undefined') return;
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function setTheme(choice: ThemeChoice): void {
  theme.set(choice);
  applyTheme(choice);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    /* storage unavailable */
  }
}
