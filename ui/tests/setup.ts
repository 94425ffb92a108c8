/** Shared test setup: a clean document, storage and language before every test. */
import { afterEach, beforeEach } from 'vitest';
import { setLanguage, setTimeZone, setCurrency } from '../src/lib/i18n/i18n.svelte';
import { clearToasts } from '../src/lib/toast';
import { navigate } from '../src/lib/router';

beforeEach(() => {
  localStorage.clear();
  setLanguage('en');
  setTimeZone('Asia/Dubai');
  setCurrency('AED');
  navigate({ name: 'dashboard' }, { replace: true });
});

afterEach(() => {
  clearToasts();
  delete (window as unknown as Record<string, unknown>).__pwned;
});
