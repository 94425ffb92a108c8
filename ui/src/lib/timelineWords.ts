/**
 * A timeline entry in the agent's words. The backend gives each entry a kind and a line of
 * detail; most lines are built from codes (`source referral`, `new → contacted`,
 * `merged a duplicate from manual (same phone)`, `edited budget_max, phone`). Those lines are
 * read back here, strictly, and said again with the catalogue; any line that does not match
 * exactly (the lead's own words, a provider's reason, a line the backend words differently
 * one day) is shown as the backend wrote it. Everything returned is plain text.
 */
import { formatClock, formatDay, formatMoney, i18n, t, tOr } from './i18n/i18n.svelte';
import { CHANNELS, STATUSES, isSource } from './enums';
import { taskTitle, telegramLinkDetail } from './taskWords';
import type { DealStage, TimelineEntry, ViewingStatus } from './types';

const DEAL_STAGES: readonly DealStage[] = ['offer', 'mou_signed', 'noc', 'transfer', 'contract', 'ejari', 'keys', 'won', 'lost'];
const VIEWING_STATUSES: readonly ViewingStatus[] = ['scheduled', 'done', 'no_show', 'cancelled'];

export type EntryWords = {
  /** The detail line, in words when it could be read, else as the backend wrote it. */
  text: string;
  /** True when `text` was said again from codes (false: the backend's own line). */
  words: boolean;
  /** For a reply: the channel it came on, in words, its code taken off the lead's text. */
  via?: string;
};

const any = (codes: readonly string[]) => codes.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const STATUS = any(STATUSES);
const STAGE = any(DEAL_STAGES);
const CHANNEL = any(CHANNELS);

const statusLabel = (s: string) => tOr(`status.${s}`, s);
const channelLabel = (c: string) => tOr(`channel.${c}`, c);
const sourceLabel = (s: string) => (isSource(s) ? t(`source.${s}`) : s);
const stageLabel = (s: string) => tOr(`stage.${s}`, s);
/** A portal as the backend names it (Property Finder), or `email`, in words. */
const PORTAL_SOURCES: Record<string, string> = { 'Property Finder': 'property_finder', Bayut: 'bayut', dubizzle: 'dubizzle' };
const portalLabel = (p: string) => (p === 'email' ? t('timeline.field.email') : tOr(`source.${PORTAL_SOURCES[p] ?? p}`, p));

/** A lead field as the backend names it (`budget_max`, `linkedin url`) in words. */
function fieldLabel(name: string): string {
  const f = name.trim().replace(/ /g, '_');
  return tOr(`timeline.field.${f}`, tOr(`lead.${f}`, name));
}

/** "phone, e-mail and budget" in the agent's language. */
function list(items: string[]): string {
  try {
    return new Intl.ListFormat(i18n.locale, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

function fields(joined: string): string {
  return list(joined.split(', ').map(fieldLabel));
}

/** A "why" the backend gives an opt-out, an opt-in or an unusable channel. */
function reason(why: string): string {
  if (why === 'the provider says the lead unsubscribed') return t('timeline.why.unsubscribed');
  if (why === 'wrong number (logged call)') return t('timeline.why.wrongNumberCall');
  if (why === 'declined on a call') return t('timeline.why.declinedCall');
  let late = /^([\s\S]+) \(reported after the send\)$/.exec(why);
  if (late) return t('timeline.why.late', { what: reason(late[1]) });
  late = /^bounced: ([\s\S]+)$/.exec(why);
  if (late) return t('timeline.why.bounced', { text: late[1] });
  late = /^the recipient was refused: ([\s\S]+)$/.exec(why);
  if (late) return t('timeline.why.refused', { text: late[1] });
  late = /^'([^']+)' is not an email address$/.exec(why);
  if (late) return t('timeline.why.notEmail', { text: late[1] });
  let m = /^wrote "([\s\S]*)" by email$/.exec(why);
  if (m) return t('timeline.why.wroteEmail', { text: m[1] });
  m = /^wrong number — "([\s\S]*)"$/.exec(why);
  if (m) return t('timeline.why.wrongNumber', { text: m[1] });
  m = /^wrote ([\s\S]+)$/.exec(why);
  if (m) return t('timeline.why.wrote', { text: m[1] });
  return why;
}

type Reader = (detail: string) => string | null;

/** "call task: Ring about the Palm" (Book::lead_detail) as "Call: Ring about the Palm". */
const taskLine: Reader = (d) => {
  const m = /^(call|message|viewing|document|other) task: ([\s\S]+)$/.exec(d);
  return m ? t('timeline.d.task', { kind: t(`today.kind.${m[1] as "call" | "message" | "viewing" | "document" | "other"}`), title: taskTitle(m[2]) }) : null;
};

const READERS: Record<string, Reader[]> = {
  task: [telegramLinkDetail],
  task_open: [taskLine],
  task_done: [taskLine],
  created: [
    (d) => {
      const m = /^source (\w+)$/.exec(d);
      return m && isSource(m[1]) ? t('timeline.d.source', { source: sourceLabel(m[1]) }) : null;
    },
    (d) => {
      const m = new RegExp(`^first wrote via (${CHANNEL})$`).exec(d);
      return m ? t('timeline.d.firstWrote', { channel: channelLabel(m[1]) }) : null;
    },
  ],
  status_changed: [
    (d) => {
      const m = new RegExp(`^(${STATUS}) → (${STATUS})(?: \\((.+)\\))?$`).exec(d);
      if (!m) return null;
      const change = t('timeline.d.status', { from: statusLabel(m[1]), to: statusLabel(m[2]) });
      if (m[3] === undefined) return change;
      let why: string | null = null;
      const sent = /^first message sent via (\w+)$/.exec(m[3]);
      if (sent) why = t('timeline.why.firstMessage', { channel: channelLabel(sent[1]) });
      else if (m[3] === 'answered a call') why = t('timeline.why.answeredCall');
      return why === null ? null : t('timeline.d.because', { what: change, why });
    },
  ],
  merged: [
    (d) => {
      const m = /^merged a duplicate from (\w+) \(same ([a-z ]+)\)(?:; kept the existing ([a-z_, ]+))?$/.exec(d);
      if (!m || !isSource(m[1])) return null;
      const key = m[2].replace(/ /g, '_');
      const what = t('timeline.d.mergedDuplicate', { source: sourceLabel(m[1]), key: tOr(`duplicate.key.${key}`, fieldLabel(key)) });
      return m[3] ? t('timeline.d.kept', { what, fields: fields(m[3]) }) : what;
    },
    (d) => {
      const m = /^merged lead #(\d+) \(([\s\S]*)\) by hand(?:; kept the existing ([a-z_, ]+))?$/.exec(d);
      if (!m) return null;
      const what = t('timeline.d.mergedByHand', { id: m[1], name: m[2] });
      return m[3] ? t('timeline.d.kept', { what, fields: fields(m[3]) }) : what;
    },
  ],
  kept_separate: [
    (d) => {
      const m = /^kept apart from lead #(\d+) \(([\s\S]*)\), same ([a-z ]+)$/.exec(d);
      if (!m) return null;
      const key = m[3].replace(/ /g, '_');
      return t('timeline.d.keptSeparate', { id: m[1], name: m[2], key: tOr(`duplicate.key.${key}`, fieldLabel(key)) });
    },
  ],
  updated: [
    (d) => {
      const m = /^edited ([a-z_, ]+)$/.exec(d);
      return m ? t('timeline.d.edited', { fields: fields(m[1]) }) : null;
    },
  ],
  telegram_linked: [
    (d) => {
      const m = /^linked Telegram (@\w+|\d+)$/.exec(d);
      return m ? t('timeline.d.telegram', { who: m[1] }) : null;
    },
  ],
  opted_out: [
    (d) => {
      const m = new RegExp(`^opted out of (${CHANNEL}) \\(([\\s\\S]*)\\)$`).exec(d);
      return m ? t('timeline.d.optedOut', { channel: channelLabel(m[1]), why: reason(m[2]) }) : null;
    },
  ],
  opted_in: [
    (d) => {
      const m = new RegExp(`^opted back in to (${CHANNEL}) \\(([\\s\\S]*)\\)$`).exec(d);
      return m ? t('timeline.d.optedIn', { channel: channelLabel(m[1]), why: reason(m[2]) }) : null;
    },
  ],
  channel_unusable: [
    (d) => {
      const m = new RegExp(`^(${CHANNEL}) cannot reach this lead: ([\\s\\S]*)$`).exec(d);
      return m ? t('timeline.d.unusable', { channel: channelLabel(m[1]), why: reason(m[2]) }) : null;
    },
  ],
  call: [
    (d) => {
      const m = /^call: (answered|no_answer|busy|declined|wrong_number)(?:, (\d+) s)?(?: — ([\s\S]*))?$/.exec(d);
      if (!m) return null;
      let text = t('timeline.d.call', { outcome: t(`today.outcome.${m[1] as 'answered'}`) });
      if (m[2] !== undefined) text = t('timeline.d.callDuration', { what: text, seconds: Number(m[2]) });
      if (m[3] !== undefined) text = t('timeline.d.withNotes', { what: text, notes: m[3] });
      return text;
    },
  ],
  do_not_market: [
    (d) => {
      const m = /^marked do not market: ([\s\S]+)$/.exec(d);
      return m ? t('timeline.d.doNotMarket', { reason: reason(m[1]) }) : null;
    },
  ],
  marketable: [
    (d) => {
      const m = /^may be marketed to again: ([\s\S]+)$/.exec(d);
      return m ? t('timeline.d.marketable', { reason: reason(m[1]) }) : null;
    },
  ],
  enquiry: [
    (d) => {
      const m = /^Enquiry from (Property Finder|Bayut|dubizzle|email) \(read by the agent\): ([\s\S]*)$/.exec(d);
      return m ? t('timeline.d.readByAgent', { origin: portalLabel(m[1]), text: m[2] }) : null;
    },
    (d) => {
      const m = /^(?:(Enquiry|Call) from (Property Finder|Bayut|dubizzle)|(Enquiry by email)|(Call))(?: \(listing ([^)]*)\))?(?:: ([\s\S]*?))?(?: \[property #(\d+)\])?$/.exec(d);
      if (!m) return null;
      let what = m[2]
        ? t(m[1] === 'Call' ? 'timeline.d.callFrom' : 'timeline.d.enquiryFrom', { portal: portalLabel(m[2]) })
        : t(m[3] ? 'timeline.d.enquiryEmail' : 'timeline.d.callEnquiry');
      if (m[5] !== undefined) what = t('timeline.d.listing', { what, ref: m[5] });
      if (m[6] !== undefined) what = t('timeline.d.said', { what, message: m[6] });
      if (m[7] !== undefined) what = t('timeline.d.property', { what, id: m[7] });
      return what;
    },
  ],
  viewing: [
    (d) => {
      const m = /^viewing #(\d+) of ([\s\S]+) booked for (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/.exec(d);
      return m ? t('timeline.d.viewingBooked', { id: m[1], title: m[2], when: `${formatDay(m[3], true)} ${formatClock(m[4])}` }) : null;
    },
    (d) => {
      const m = new RegExp(`^viewing #(\\d+) of ([\\s\\S]+): (${any(VIEWING_STATUSES)})$`).exec(d);
      return m ? t('timeline.d.viewingStatus', { id: m[1], title: m[2], status: t(`viewingStatus.${m[3] as 'done'}`) }) : null;
    },
  ],
  deal: [
    (d) => {
      const m = new RegExp(`^deal #(\\d+) opened: (sale|rent) of AED (\\d+) at (${STAGE})$`).exec(d);
      if (!m) return null;
      const key = m[2] === 'sale' ? 'timeline.d.dealOpenedSale' : 'timeline.d.dealOpenedRent';
      return t(key, { id: m[1], value: formatMoney(Number(m[3])), stage: stageLabel(m[4]) });
    },
    (d) => {
      const m = new RegExp(`^deal #(\\d+): (${STAGE}) → (${STAGE})$`).exec(d);
      return m ? t('timeline.d.dealStage', { id: m[1], from: stageLabel(m[2]), to: stageLabel(m[3]) }) : null;
    },
  ],
};

/** What the entry's detail says, in the agent's language when the backend's line is known. */
export function entryWords(entry: TimelineEntry): EntryWords {
  const detail = entry.detail ?? '';
  if (entry.kind === 'replied') {
    const m = new RegExp(`^([\\s\\S]+) via (${CHANNEL})$`).exec(detail);
    return m ? { text: m[1], words: false, via: t('timeline.d.via', { channel: channelLabel(m[2]) }) } : { text: detail, words: false };
  }
  for (const read of READERS[entry.kind] ?? []) {
    const text = read(detail);
    if (text !== null) return { text, words: true };
  }
  return { text: detail, words: false };
}
