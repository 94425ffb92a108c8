/**
 * The current workspace and the actions that change it. Applying a workspace sets the time
 * zone dates are shown in and the currency budgets are shown in. The interface language is the
 * agent's own (this computer's), apart from the workspace's language, which is the one messages
 * go in to leads with no language of their own: the workspace's is adopted only until the agent
 * first chooses one.
 */
import { get } from 'svelte/store';
import * as ipc from './ipc';
import { currentWorkspace, bumpLeadsVersion } from './stores';
import { languageChosen, setCurrency, setLanguage, setTimeZone, i18n } from './i18n/i18n.svelte';
import { toastError } from './toast';
import type { Lang, Workspace, WorkspacePatch } from './types';

/** `adopt`: at start-up, take the workspace's language for the interface if none was chosen. */
export function applyWorkspace(ws: Workspace, adopt = false): void {
  currentWorkspace.set(ws);
  setTimeZone(ws.timezone);
  setCurrency(ws.currency);
  if (adopt && !languageChosen() && ws.language !== i18n.lang) setLanguage(ws.language);
}

export async function loadCurrentWorkspace(): Promise<Workspace | null> {
  try {
    const ws = await ipc.workspaceCurrent();
    applyWorkspace(ws, true);
    return ws;
  } catch (e) {
    toastError(e);
    return null;
  }
}

/**
 * Switches the interface language (kept on this computer). Messages to leads keep the
 * workspace's language, set in Settings → General.
 */
export function changeLanguage(lang: Lang): void {
  setLanguage(lang);
}

export async function updateWorkspace(id: number, patch: WorkspacePatch): Promise<Workspace> {
  const saved = await ipc.workspaceUpdate(id, patch);
  const current = get(currentWorkspace);
  if (!current || current.id === saved.id) applyWorkspace(saved);
  return saved;
}

export async function switchWorkspace(id: number): Promise<Workspace> {
  const ws = await ipc.workspaceSwitch(id);
  applyWorkspace(ws);
  bumpLeadsVersion();
  return ws;
}

/** Opens the sample book (made-up leads to try the app on), named in the interface language. */
export async function openSample(): Promise<Workspace> {
  const ws = await ipc.workspaceSampleOpen(i18n.lang);
  applyWorkspace(ws);
  bumpLeadsVersion();
  return ws;
}

/** Removes the sample book with everything in it and goes back to the agent's own book. */
export async function removeSample(id: number): Promise<Workspace> {
  const ws = await ipc.workspaceSampleRemove(id);
  applyWorkspace(ws);
  bumpLeadsVersion();
  return ws;
}
