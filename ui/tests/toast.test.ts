import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { MAX_TOASTS, dismissToast, pushToast, toastError, toasts } from '../src/lib/toast';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';

describe('toast store', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('adds and dismisses toasts', () => {
    const id = pushToast('info', 'Hello');
    expect(get(toasts)).toEqual([{ id, kind: 'info', message: 'Hello' }]);
    dismissToast(id);
    expect(get(toasts)).toEqual([]);
  });

  it('dismisses itself after its timeout, errors later than successes', () => {
    pushToast('success', 'Saved');
    pushToast('error', 'Broken');
    vi.advanceTimersByTime(4500);
    expect(get(toasts).map((x) => x.message)).toEqual(['Broken']);
    vi.advanceTimersByTime(4000);
    expect(get(toasts)).toEqual([]);
  });

  it('keeps a toast with timeout 0 until dismissed', () => {
    pushToast('info', 'Sticky', { timeout: 0 });
    vi.advanceTimersByTime(60_000);
    expect(get(toasts)).toHaveLength(1);
  });

  it('keeps at most MAX_TOASTS, dropping the oldest', () => {
    for (let i = 0; i < MAX_TOASTS + 2; i++) pushToast('info', `n${i}`);
    const list = get(toasts);
    expect(list).toHaveLength(MAX_TOASTS);
    expect(list[0].message).toBe('n2');
  });

  it('explains an error by its code, in the current language, with the detail', () => {
    toastError({ code: 'not_found', message: 'lead 9 not found' });
    expect(get(toasts)[0]).toMatchObject({
      kind: 'error',
      message: 'That item no longer exists',
      detail: 'lead 9 not found',
    });
    setLanguage('fa');
    toastError(new Error('disk full'));
    expect(get(toasts)[1]).toMatchObject({ message: 'مشکلی پیش آمد', detail: 'disk full' });
  });
});
