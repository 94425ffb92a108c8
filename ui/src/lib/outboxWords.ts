/**
 * Why a message in the outbox did not go, in the agent's words. The backend stores the reason
 * as an English line: its own fixed lines are said again with the catalogue; a provider's
 * reason (Twilio 20429: too many requests) is shown as it came, it names the provider's error.
 */
import { formatNumber, t, tOr } from './i18n/i18n.svelte';

/** The backend's fixed reasons, word for word, and what they are called in the catalogue. */
const FIXED: Record<string, 'outbox.reason.manual' | 'outbox.reason.interrupted' | 'outbox.reason.cancelled' | 'outbox.reason.rejected' | 'outbox.reason.doNotMarket'> = {
  'no channel can reach this lead: send it by hand': 'outbox.reason.manual',
  'the app stopped while sending this message; confirm whether it arrived': 'outbox.reason.interrupted',
  'Leadbook stopped while sending this message; confirm whether it arrived': 'outbox.reason.interrupted',
  'cancelled by the agent': 'outbox.reason.cancelled',
  'rejected by the agent': 'outbox.reason.rejected',
  'the lead is marked do not market': 'outbox.reason.doNotMarket',
};

const TOO_LONG =
  /^too long to send: (\d+) characters \((\d+) SMS segments\); Telegram and WhatsApp carry at most (\d+) characters and an SMS at most (\d+) segments — shorten it and send it again$/;

/** True for the reason the backend gives a message no channel can carry (the agent's to send). */
export function isManualReason(error: string | null | undefined): boolean {
  return FIXED[error?.trim() ?? ''] === 'outbox.reason.manual';
}

/** The reason in the agent's words, or as stored when it is not one of the backend's own. */
export function outboxReason(error: string | null | undefined): string {
  const e = error?.trim() ?? '';
  if (!e) return '';
  const key = FIXED[e];
  if (key) return t(key);
  const viewing = /^the viewing is (scheduled|done|no_show|cancelled)$/.exec(e);
  if (viewing) return t('outbox.reason.viewing', { status: tOr(`viewingStatus.${viewing[1]}`, viewing[1]) });
  const long = TOO_LONG.exec(e);
  if (long) {
    const [chars, segments, max, maxSegments] = long.slice(1).map(Number);
    return t('outbox.reason.tooLong', {
      chars: formatNumber(chars),
      segments: formatNumber(segments),
      max: formatNumber(max),
      maxSegments: formatNumber(maxSegments),
    });
  }
  return error ?? '';
}
