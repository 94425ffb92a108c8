/**
 * Toasts: short messages in a corner. Errors stay longer and are announced assertively.
 */
import { writable } from 'svelte/store';
import { toAppError } from './errors';
import { t, tOr } from './i18n/i18n.svelte';

export type ToastKind = 'error' | 'success' | 'info';

/** A button on a toast: the one thing the agent can do about what it says. */
export interface ToastAction {
  label: string;
  run: () => void | Promise<void>;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** The technical wording, shown folded away under "Details". */
  detail?: string;
  action?: ToastAction;
}

export const MAX_TOASTS = 5;
const DEFAULT_TIMEOUT: Record<ToastKind, number> = { error: 8000, success: 4000, info: 5000 };

export const toasts = writable<Toast[]>([]);

let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

/** Shows a toast; `timeout: 0` keeps it until dismissed. Returns its id. */
export function pushToast(
  kind: ToastKind,
  message: string,
  opts: { detail?: string; timeout?: number; action?: ToastAction } = {},
): number {
  const id = nextId++;
  const toast: Toast = { id, kind, message };
  if (opts.detail) toast.detail = opts.detail;
  if (opts.action) toast.action = opts.action;
  toasts.update((list) => {
    const next = [...list, toast];
    while (next.length > MAX_TOASTS) {
      const dropped = next.shift();
      if (dropped) clearTimer(dropped.id);
    }
    return next;
  });
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT[kind];
  if (timeout > 0) timers.set(id, setTimeout(() => dismissToast(id), timeout));
  return id;
}

function clearTimer(id: number): void {
  const timer = timers.get(id);
  if (timer !== undefined) clearTimeout(timer);
  timers.delete(id);
}

export function dismissToast(id: number): void {
  clearTimer(id);
  toasts.update((list) => list.filter((x) => x.id !== id));
}

export function clearToasts(): void {
  for (const id of timers.keys()) clearTimer(id);
  toasts.set([]);
}

export const toastSuccess = (message: string) => pushToast('success', message);
export const toastInfo = (message: string) => pushToast('info', message);

/** An error toast for anything thrown; the headline is translated from the error code. */
export function toastError(e: unknown): number {
  const err = toAppError(e);
  const headline = tOr(`error.${err.code}`, t('error.internal'));
  const detail = err.message && err.message !== headline ? err.message : undefined;
  return pushToast('error', headline, detail ? { detail } : {});
}
