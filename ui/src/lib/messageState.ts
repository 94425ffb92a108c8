/**
 * One vocabulary for where a message stands, used the same on every screen (the outbox, a
 * lead's listings and follow-ups, a listing's buyers, the sidebar): queued, to send by hand,
 * to review, sending, sent, delivered, read, failed, to try again (the network refused it for
 * now), held (a compliance rule keeps it back, with its reason, SPEC §14), unconfirmed.
 * The outbox's own status is finer than what the agent needs and coarser in two places: a
 * `queued` message no channel can carry is the agent's to send by hand, and one held for
 * review waits for the agent, not for the network.
 */
import type { MessageStatus, OutboxFilter } from './types';

export type MessageState =
  | 'queued'
  | 'manual'
  | 'review'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'retry'
  | 'held'
  | 'unknown';

/** The few fields of a message (or of a listing alert) its state depends on. */
export interface StateOf {
  status: MessageStatus;
  channel?: string | null;
  review?: string | null;
}

export function messageState(m: StateOf): MessageState {
  switch (m.status) {
    case 'queued':
      if (m.review === 'pending') return 'review';
      return m.channel === 'manual' ? 'manual' : 'queued';
    case 'deferred':
      return 'retry';
    default:
      return m.status;
  }
}

/** The badge's tone for each state. */
export const STATE_TONE: Record<MessageState, string> = {
  queued: '',
  manual: 'badge-warning',
  review: 'badge-warning',
  sending: 'badge-primary',
  sent: 'badge-primary',
  delivered: 'badge-success',
  read: 'badge-success',
  failed: 'badge-danger',
  retry: '',
  held: 'badge-warning',
  unknown: 'badge-warning',
};

/** Every state, in the order the outbox's filter offers them. */
export const MESSAGE_STATES: readonly MessageState[] = ['queued', 'manual', 'review', 'sending', 'sent', 'delivered', 'read', 'failed', 'retry', 'held', 'unknown'];

export function isMessageState(v: unknown): v is MessageState {
  return typeof v === 'string' && (MESSAGE_STATES as readonly string[]).includes(v);
}

/** The outbox filter that finds the messages in `state` (all messages for none). */
export function filterOf(state: MessageState | ''): OutboxFilter {
  const none: OutboxFilter = { status: null, lead_id: null, manual: false, review: false };
  switch (state) {
    case '':
      return none;
    case 'manual':
      return { ...none, manual: true };
    case 'review':
      return { ...none, review: true };
    case 'retry':
      return { ...none, status: 'deferred' };
    default:
      return { ...none, status: state };
  }
}
