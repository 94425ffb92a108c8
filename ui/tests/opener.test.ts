import { beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearToasts, toasts } from '../src/lib/toast';
import { copyableOf, linkKind, openLink } from '../src/lib/opener';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import ToastHost from '../src/lib/components/ToastHost.svelte';
import * as ipc from '../src/lib/ipc';

vi.mock('../src/lib/ipc');

const LAUNCHER = 'Launcher "gio" "open" "tel:+971501234567" failed with ExitStatus(unix_wait_status(512))';

describe('opening call and chat links', () => {
  beforeEach(() => {
    clearToasts();
    setLanguage('en');
    vi.mocked(ipc.copyText).mockResolvedValue();
  });

  it('knows a call, a WhatsApp and a Telegram link, and what to copy of each', () => {
    expect(linkKind('tel:+971501234567')).toBe('call');
    expect(linkKind('https://wa.me/971501234567?text=Hi')).toBe('whatsapp');
    expect(linkKind('https://t.me/aisha_k')).toBe('telegram');
    expect(copyableOf('tel:+971501234567')).toBe('+971501234567');
    expect(copyableOf('https://wa.me/971501234567?text=Hi')).toBe('+971501234567');
    expect(copyableOf('https://t.me/aisha_k')).toBe('https://t.me/aisha_k');
  });

  it('knows a mail link, and copies its address', async () => {
    expect(linkKind('mailto:sara@example.com')).toBe('mail');
    expect(copyableOf('mailto:sara@example.com?subject=Hi')).toBe('sara@example.com');
    expect(linkKind('https://www.linkedin.com/in/sara')).toBe('link');
    vi.mocked(ipc.openExternal).mockRejectedValue({ code: 'internal', message: LAUNCHER });
    expect(await openLink('mailto:sara@example.com')).toBe(false);
    expect(get(toasts)[0].message).toBe('No mail app on this computer opens e-mail links. Write from your mail app instead.');
    expect(get(toasts)[0].action?.label).toBe('Copy sara@example.com');
  });

  it('opens the link and says nothing when the system handles it', async () => {
    vi.mocked(ipc.openExternal).mockResolvedValue();
    expect(await openLink('tel:+971501234567')).toBe(true);
    expect(get(toasts)).toEqual([]);
  });

  it('says in words that no app makes calls, keeps the launcher text folded, and copies the number', async () => {
    vi.mocked(ipc.openExternal).mockRejectedValue({ code: 'internal', message: LAUNCHER });
    render(ToastHost);
    expect(await openLink('tel:+971501234567')).toBe(false);
    const toast = await screen.findByTestId('toast-error');
    expect(toast.querySelector('.message')?.textContent).toBe('No app on this computer makes calls from links. Call from your phone instead.');
    expect(toast.querySelector('details')?.open).toBe(false);
    expect(toast.querySelector('details p')?.textContent).toBe(LAUNCHER);
    await fireEvent.click(screen.getByTestId('toast-action'));
    expect(ipc.copyText).toHaveBeenCalledWith('+971501234567');
    await waitFor(() => expect(screen.getByTestId('toast-success').textContent).toContain('Copied +971501234567'));
  });

  it('speaks the agent’s language', async () => {
    setLanguage('fa');
    vi.mocked(ipc.openExternal).mockRejectedValue({ code: 'internal', message: LAUNCHER });
    await openLink('https://wa.me/971501234567');
    expect(get(toasts)[0].message).toBe('واتس‌اپ روی این رایانه باز نشد.');
    expect(get(toasts)[0].action?.label).toBe('رونوشت +971501234567');
  });
});
