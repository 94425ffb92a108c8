/**
 * The tasks Leadbook makes itself, in the agent's words. The core writes their titles and
 * details as English lines (`tasks/mod.rs`, `workflows.rs`: "Tell Sara about Marina 2BR";
 * `messaging/inbox.rs`: a Telegram start link that did not link). Those lines are read back
 * here strictly and said again with the catalogue; a task the agent typed is shown as typed.
 */
import { formatDay, t } from './i18n/i18n.svelte';

const TELEGRAM_TITLE = 'Decide about a Telegram start link';
/** `tasks::FIND_CONTACT`: a lead no channel can reach, kept out of automatic follow-ups. */
const FIND_CONTACT_TITLE = 'Find a phone number or e-mail';

/**
 * A task's title in words. `leadName` is the task's lead: a matching task reads "Tell {name}
 * about {listing}" with that exact name, so a title the agent typed is never mistaken for one.
 * Without the name (a timeline entry), the first " about " splits it.
 */
export function taskTitle(title: string, leadName?: string | null): string {
  if (title === TELEGRAM_TITLE) return t('task.telegramLink');
  if (title === FIND_CONTACT_TITLE) return t('task.findContact');
  if (leadName) {
    const prefix = `Tell ${leadName} about `;
    if (title.startsWith(prefix) && title.length > prefix.length) return t('task.tellAbout', { name: leadName, title: title.slice(prefix.length) });
    return title;
  }
  const m = /^Tell ([\s\S]+?) about ([\s\S]+)$/.exec(title);
  return m ? t('task.tellAbout', { name: m[1], title: m[2] }) : title;
}

/** Why a Telegram start link did not link, in words, or null when the line is not the core's. */
function telegramWhy(why: string): string | null {
  let m = /^the link was used already(?: by Telegram (\d+))?, and a link links once$/.exec(why);
  if (m) return m[1] ? t('task.why.usedBy', { by: m[1] }) : t('task.why.used');
  m = /^the link expired \(it was made (\d{4}-\d{2}-\d{2}); links last 30 days\)$/.exec(why);
  if (m) return t('task.why.expired', { date: formatDay(m[1], true) });
  m = /^that Telegram account is already lead #(\d+); merge the two by hand if they are the same person$/.exec(why);
  if (m) return t('task.why.otherLead', { id: m[1] });
  m = /^([\s\S]+) is linked to Telegram (\d+) already$/.exec(why);
  if (m) return t('task.why.hasOther', { name: m[1], tg: m[2] });
  return null;
}

/**
 * The detail of the task a Telegram start link makes ("Telegram @sara (42) pressed Start on the
 * link of Sara (#7) and was not linked: …"), in words; null when it is not that line.
 */
export function telegramLinkDetail(detail: string): string | null {
  const m = /^Telegram (@\w+ \(\d+\)|\d+) pressed Start on the link of ([\s\S]+) \(#(\d+)\) and was not linked: ([\s\S]+)\. Their message is on their own lead\.$/.exec(detail);
  if (!m) return null;
  const why = telegramWhy(m[4]);
  return why === null ? null : t('task.telegramNotLinked', { who: m[1], name: m[2], id: m[3], why });
}
