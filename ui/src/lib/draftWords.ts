/**
 * Why a message went with its template, or waits for review, in the agent's words. The backend
 * keeps the reason as an English line with the time appended (`the model took too long
 * (2026-03-02T06:00:00Z)`, see `messaging/drafting.rs`): its own lines are read back strictly
 * and said again with the catalogue; what the model or its server said (an HTTP error's body, a
 * connection error) stays as it came, as the detail. A line that does not match is shown as
 * stored.
 */
import { formatDateTime, i18n, t } from './i18n/i18n.svelte';

export type NoteWords = { text: string; detail: string | null };

type Key =
  | 'draft.note.notSetUp'
  | 'draft.note.timeout'
  | 'draft.note.noText'
  | 'draft.note.heldCampaign'
  | 'draft.note.heldReview';

const FIXED: Record<string, Key> = {
  'no language model is set up': 'draft.note.notSetUp',
  'the model took too long': 'draft.note.timeout',
  'the model answered with no text': 'draft.note.noText',
  "held for review: the campaign's messages are reviewed before sending": 'draft.note.heldCampaign',
  "held for review: review of the model's messages is on": 'draft.note.heldReview',
};

function list(items: string[]): string {
  try {
    return new Intl.ListFormat(i18n.locale, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

/** "a link (bit.ly/x), a price (950)" as the agent reads it, or null if any item is unknown. */
function additions(joined: string): string | null {
  const items: string[] = [];
  for (const part of joined.split(/, (?=a (?:link|price|phone number) \()/)) {
    const m = /^a (link|price|phone number) \(([\s\S]*)\)$/.exec(part);
    if (!m) return null;
    const key = m[1] === 'link' ? 'draft.note.link' : m[1] === 'price' ? 'draft.note.price' : 'draft.note.phone';
    items.push(t(key, { text: m[2] }));
  }
  return list(items);
}

function line(note: string): NoteWords | null {
  const key = FIXED[note];
  if (key) return { text: t(key), detail: null };
  let m = /^the model could not be reached: ([\s\S]+)$/.exec(note);
  if (m) return { text: t('draft.note.unreachable'), detail: m[1] };
  m = /^the model answered HTTP (\d{3})[^\d]*? with no readable body$/.exec(note);
  if (m) return { text: t('draft.note.unreadable', { status: m[1] }), detail: null };
  m = /^the model refused: HTTP (\d{3})([\s\S]*)$/.exec(note);
  if (m) return { text: t('draft.note.refused', { status: m[1] }), detail: m[2].trim() || null };
  m = /^held for review: the model's text adds ([\s\S]+) that the template does not have$/.exec(note);
  if (m) {
    const what = additions(m[1]);
    if (what !== null) return { text: t('draft.note.heldAdds', { what }), detail: null };
  }
  return null;
}

/** A message's `draft_note` in the agent's words, its time read as a time. */
export function draftNote(note: string | null | undefined): NoteWords {
  const n = note?.trim() ?? '';
  if (!n) return { text: '', detail: null };
  const timed = /^([\s\S]+) \((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))\)$/.exec(n);
  const words = line(timed ? timed[1] : n);
  if (!words) return { text: n, detail: null };
  return timed ? { text: t('draft.note.at', { what: words.text, when: formatDateTime(timed[2]) }), detail: words.detail } : words;
}
