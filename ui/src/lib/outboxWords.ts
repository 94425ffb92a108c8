/**
 * Why a message in the outbox did not go, in the agent's words. The backend stores the reason
 * as an English line: its own fixed lines are said again with the catalogue, strictly (a line
 * that does not match exactly is not guessed at); a provider's own reason (Twilio 20429: too
 * many requests, a connection error) is kept as the provider wrote it, as the detail under a
 * plain sentence in the agent's language that says what became of the message.
 */
import { formatClock, formatNumber, t, tOr } from './i18n/i18n.svelte';
import type { MessageStatus } from './types';

/** A reason in words: the sentence to read, and the provider's own words to fold under it. */
export type Why = { text: string; detail: string | null };

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

/** Lines the compliance gate gives a message that waits or is dropped, word for word. */
const GATE: Record<string, 'outbox.reason.pacing' | 'outbox.reason.optedOut' | 'outbox.reason.replied' | 'outbox.reason.statusEnds' | 'outbox.reason.notSetUp'> = {
  'pacing: one marketing message a day and two a week to a lead who has not answered': 'outbox.reason.pacing',
  'the lead opted out of this channel': 'outbox.reason.optedOut',
  'the lead replied before it went': 'outbox.reason.replied',
  "the lead's status ends its follow-ups": 'outbox.reason.statusEnds',
  'the provider is no longer set up': 'outbox.reason.notSetUp',
};

/** The backend's wrappers around a provider's words: the sentence, and where those words are. */
const WRAPPED: [RegExp, 'outbox.reason.offline' | 'outbox.reason.noAnswer' | 'outbox.reason.unknown' | 'outbox.reason.bounced' | 'outbox.reason.late'][] = [
  [/^offline: ([\s\S]+)$/, 'outbox.reason.offline'],
  [/^([\s\S]+); confirm whether it arrived$/, 'outbox.reason.unknown'],
  [/^(no answer from [\s\S]+)$/, 'outbox.reason.noAnswer'],
  [/^([\s\S]+) \(the provider may have taken the message\)$/, 'outbox.reason.noAnswer'],
  [/^bounced: ([\s\S]+)$/, 'outbox.reason.bounced'],
  [/^([\s\S]+) \(reported after the send\)$/, 'outbox.reason.late'],
];

/** What a message in `status` with a provider's reason of its own became, in a sentence. */
function byStatus(status: MessageStatus | null | undefined) {
  switch (status) {
    case 'failed':
      return t('outbox.reason.failed');
    case 'deferred':
      return t('outbox.reason.deferred');
    case 'queued':
      // Only a channel that needs the agent sends a message back to the queue with a reason.
      return t('outbox.reason.attention');
    case 'unknown':
      return t('outbox.reason.unknown');
    default:
      return t('outbox.reason.other');
  }
}

/**
 * The reason in the agent's words: the backend's own line said again, or a sentence for what
 * became of the message with the provider's words as the detail.
 */
export function outboxWhy(error: string | null | undefined, status?: MessageStatus | null): Why {
  const e = error?.trim() ?? '';
  if (!e) return { text: '', detail: null };
  const own = ownLine(e);
  if (own !== null) return { text: own, detail: null };
  for (const [re, key] of WRAPPED) {
    const m = re.exec(e);
    if (m) return { text: t(key), detail: m[1] };
  }
  return { text: byStatus(status), detail: e };
}

/** The reason as one line (a tooltip): the sentence, then the provider's words if any. */
export function outboxReason(error: string | null | undefined, status?: MessageStatus | null): string {
  const why = outboxWhy(error, status);
  return why.detail === null ? why.text : `${why.text} ${why.detail}`;
}

/** One of the backend's own fixed lines in words, or null. */
function ownLine(e: string): string | null {
  const key = FIXED[e] ?? GATE[e];
  if (key) return t(key);
  const window = /^outside the sending window \((\d{2}:\d{2})–(\d{2}:\d{2})\): goes when it opens$/.exec(e);
  if (window) return t('outbox.reason.window', { from: formatClock(window[1]), to: formatClock(window[2]) });
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
  return null;
}
