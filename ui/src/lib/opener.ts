/**
 * Opening call, WhatsApp and Telegram links with the system's handler. When no app on the
 * machine handles the link (a desktop with no softphone, say), the agent reads that in words,
 * in their language, and is offered the number or link to copy — never the launcher's exit code.
 */
import * as ipc from './ipc';
import { toAppError } from './errors';
import { pushToast, toastSuccess } from './toast';
import { t } from './i18n/i18n.svelte';

export type LinkKind = 'call' | 'mail' | 'whatsapp' | 'telegram' | 'link';

/** What kind of link `url` is: `tel:`, `mailto:`, wa.me, t.me or anything else. */
export function linkKind(url: string): LinkKind {
  if (/^tel:/i.test(url)) return 'call';
  if (/^mailto:/i.test(url)) return 'mail';
  if (/^https:\/\/(wa\.me|api\.whatsapp\.com)\//i.test(url)) return 'whatsapp';
  if (/^https:\/\/t\.me\//i.test(url)) return 'telegram';
  return 'link';
}

/**
 * What the agent copies instead: the number of a call or WhatsApp link, the address of a
 * mail link, else the link itself.
 */
export function copyableOf(url: string): string {
  const kind = linkKind(url);
  if (kind === 'call') return url.slice(4);
  if (kind === 'mail') {
    const address = url.slice(7).split('?')[0];
    try {
      return decodeURIComponent(address) || url;
    } catch {
      return address || url;
    }
  }
  if (kind === 'whatsapp') {
    const digits = url.replace(/^https:\/\/[^/]+\//, '').replace(/[^\d].*$/, '');
    return digits ? `+${digits}` : url;
  }
  return url;
}

/**
 * Opens `url` with the system handler. Resolves true when it opened; false (after telling the
 * agent and offering the copy) when nothing could open it.
 */
export async function openLink(url: string): Promise<boolean> {
  try {
    await ipc.openExternal(url);
    return true;
  } catch (e) {
    const kind = linkKind(url);
    const value = copyableOf(url);
    pushToast('error', t(`opener.none.${kind}`), {
      detail: toAppError(e).message,
      timeout: 15000,
      action: {
        label: t('opener.copy', { value }),
        run: async () => {
          await ipc.copyText(value);
          toastSuccess(t('opener.copied', { value }));
        },
      },
    });
    return false;
  }
}
