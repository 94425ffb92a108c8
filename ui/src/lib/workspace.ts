/**
 * The current workspace and the actions that change it. Applying a workspace sets the UI
 * language, the time zone dates are shown in and the currency budgets are shown in.
 */
import { get } from 'svelte/store';
import * as ipc from './ipc';
import { currentWorkspace, bumpLeadsVersion } from './stores';
import { setCurrency, setLanguage, setTimeZone, i18n } from './i18n/i18n.svelte';
import { toastError } from './toast';
import type { Lang, Workspace, WorkspacePatch } from './types';

export function applyWorkspace(ws: Workspace): void {
  currentWorkspace.set(ws);
  setTimeZone(ws.timezone);
  setCurrency(ws.currency);
  if (ws.language !== i18n.lang) setLanguage(ws.language);
}

export async function loadCurrentWorkspace(): Promise<Workspace | null> {
  try {
    const ws = await ipc.workspaceCurrent();
    applyWorkspace(ws);
    return ws;
  } catch (e) {
    toastError(e);
    return null;
  }
}

/** Switches the UI language now and saves it on the workspace so it sticks. */
export async function changeLanguage(lang: Lang): Promise<void> {
  setLanguage(lang);
  const ws = get(currentWorkspace);
  if (!ws || ws.language === lang) return;
  try {
    const saved = await ipc.workspaceUpdate(ws.id, { language: lang });
    currentWorkspace.set(saved);
  } catch (e) {
    toastError(e);
  }
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
