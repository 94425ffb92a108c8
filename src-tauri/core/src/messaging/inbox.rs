//! Messages leads send us. Each is taken in once (by the provider's id), in one transaction:
//! matched to its lead by Telegram user id or E.164 number (an unknown sender becomes a new
//! lead), then either a Telegram start link (links the account — once, within 30 days, never
//! over another account or into another lead: those become a task for the agent), an opt-out
//! or opt-in keyword, or a reply — which stops the lead's follow-ups, rescores it and lands on
//! its timeline. An inbound message never merges two leads.

use crate::store::Store;
use crate::messaging::channels::config::{self, Channels};
use crate::messaging::channels::{Inbound, Provider, Sender};
use crate::clock::fmt_time;
use crate::error::Result;
use crate::leads::{self, Lead};
use crate::model::{Channel, Grade, Language, Source};
use crate::leads::replies::ReplyClass;
use crate::leads::validate::LeadInput;
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// What an inbox sync did (SPEC §9 `inbox sync`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "InboxReceived")]
pub struct SyncReport {
    pub received: usize,
    pub matched: usize,
    pub new_leads: usize,
    pub opt_outs: usize,
    /// Telegram accounts linked through start links.
    pub linked: usize,
    /// Replies that said the number reaches someone else.
    pub wrong_numbers: usize,
    /// Mails read from the agent's mailbox (each once), the portal enquiries among them that
    /// became leads, and the notifications kept unparsed for the agent (SPEC §12).
    pub emails: usize,
    pub portal_leads: usize,
    pub unparsed: usize,
    /// Replies from A and B leads: the app raises a desktop notification for each.
    #[serde(skip)]
    pub notices: Vec<Notice>,
    /// Providers that could not be polled, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<_>", optional)]
    pub errors: Vec<String>,
}

impl SyncReport {
    /// Adds what polling the portals did: its enquiries, its new leads, why a portal could not
    /// be read.
    pub fn add_portals(&mut self, polled: crate::messaging::portals::PollReport) {
        self.portal_leads += polled.portal_leads;
        self.new_leads += polled.new_leads;
        self.errors.extend(polled.errors);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub lead_id: i64,
    pub name: String,
    pub grade: Grade,
    pub text: String,
}

/// What taking in one message did.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    AlreadySeen,
    Ignored,
    Linked { lead_id: i64 },
    OptedOut { lead_id: i64, new_lead: bool },
    OptedIn { lead_id: i64 },
    WrongNumber { lead_id: i64 },
    Reply { lead: Box<Lead>, new_lead: bool, class: ReplyClass },
}

/// Words that opt a lead out of the channel they arrive on (the whole message, any case).
const STOP: &[&str] = &["STOP", "UNSUBSCRIBE", "توقف", "لغو", "إلغاء", "الغاء"];
/// Twilio also treats these as opt-outs on SMS and its WhatsApp sender, and stops delivering.
const STOP_TWILIO: &[&str] = &["STOPALL", "CANCEL", "END", "QUIT"];
/// Opt back in — only for a lead who opted out, so a "yes" is otherwise a reply.
const START: &[&str] = &["START", "UNSTOP", "YES"];

fn keyword(text: &str) -> String {
    text.trim().trim_end_matches(['.', '!', '。', '؛', '.']).trim().to_uppercase()
}

/// Takes in one message (inside a write transaction).
pub fn take_in(conn: &Connection, ws: &Workspace, m: &Inbound, now: DateTime<Utc>) -> Result<Taken> {
    let fresh = conn
        .prepare_cached("INSERT OR IGNORE INTO inbound_seen (workspace_id, provider, external_id, at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![ws.id, m.provider.as_str(), m.external_id, fmt_time(now)])?;
    if fresh == 0 {
        return Ok(Taken::AlreadySeen);
    }
    // The time it was written, but never in the future of our clock nor before 2000.
    let at = m.at.min(now).max(crate::clock::earliest());
    // Line breaks and tabs stay; other control characters and bidi overrides do not.
    let cleaned = crate::model::normalize::multiline(Some(&m.text)).unwrap_or_default();
    let text = cleaned.as_str();

    if let (Sender::Telegram { id, username, .. }, Some(rest)) = (&m.from, text.strip_prefix("/start")) {
        let token = rest.trim();
        let link = if token.is_empty() { None } else { start_link(conn, ws, token)? };
        if let Some(link) = link {
            if let Some(lead_id) = press_start(conn, ws, &link, *id, username.as_deref(), at)? {
                seen_lead(conn, ws, m, lead_id)?;
                return Ok(Taken::Linked { lead_id });
            }
            // Not linked: the agent has a task, and the message is the sender's own, below.
        }
    }

    let (lead_id, new_lead) = match find(conn, ws, &m.from)? {
        Some(id) => (id, false),
        None => match create(conn, ws, m, at)? {
            Some(id) => (id, true),
            // A sender no lead can be made of (no usable number): seen, and nothing else.
            None => return Ok(Taken::Ignored),
        },
    };
    seen_lead(conn, ws, m, lead_id)?;
    if m.channel == Channel::Whatsapp {
        leads::note_whatsapp_inbound(conn, ws, lead_id, at, m.provider.as_str())?;
    }
    // They wrote on this channel: it reaches them.
    leads::set_channel_usable(conn, ws, lead_id, m.channel, true, "", at)?;

    let word = keyword(text);
    let twilio = m.provider == Provider::Twilio;
    let class = crate::leads::replies::classify(text);
    let stop_word = STOP.contains(&word.as_str()) || (twilio && STOP_TWILIO.contains(&word.as_str()));
    if stop_word || class.class == ReplyClass::OptOut {
        leads::set_opt_out(conn, ws, lead_id, m.channel, true, &format!("wrote {}", text.trim()), at)?;
        return Ok(Taken::OptedOut { lead_id, new_lead });
    }
    if class.class == ReplyClass::WrongNumber && !new_lead {
        // Whoever answered is not the lead: this address does not reach them.
        let gone: &[Channel] = match m.from {
            Sender::Number(_) => &[Channel::Sms, Channel::Whatsapp],
            Sender::Telegram { .. } => &[Channel::Telegram],
        };
        for c in gone {
            leads::set_channel_usable(conn, ws, lead_id, *c, false, &format!("wrong number — \"{}\"", text.trim()), at)?;
        }
        return Ok(Taken::WrongNumber { lead_id });
    }
    if START.contains(&word.as_str()) && leads::get(conn, ws, lead_id)?.opt_outs.contains(&m.channel) {
        leads::set_opt_out(conn, ws, lead_id, m.channel, false, &format!("wrote {}", text.trim()), at)?;
        return Ok(Taken::OptedIn { lead_id });
    }
    // A voice note, a photo, a location…: a reply like any, its kind and caption on the timeline.
    let shown = match (m.kind, text.is_empty()) {
        (Some(kind), true) => format!("[{kind}]"),
        (Some(kind), false) => format!("[{kind}] {text}"),
        (None, true) => "(a message without text)".into(),
        (None, false) => text.to_string(),
    };
    let shown: String = shown.chars().take(crate::leads::validate::MAX_NOTES).collect();
    // A new lead's first message is what made it, not a reply to us: its follow-ups go on.
    let lead = if new_lead {
        crate::workflows::record_first_message(conn, ws, lead_id, &shown, Some(m.channel), at)?
    } else {
        crate::workflows::record_reply(conn, ws, lead_id, &shown, Some(m.channel), at)?
    };
    Ok(Taken::Reply { lead: Box::new(lead), new_lead, class: class.class })
}

fn seen_lead(conn: &Connection, ws: &Workspace, m: &Inbound, lead_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE inbound_seen SET lead_id = ?4 WHERE workspace_id = ?1 AND provider = ?2 AND external_id = ?3")?
        .execute(params![ws.id, m.provider.as_str(), m.external_id, lead_id])?;
    Ok(())
}

fn find(conn: &Connection, ws: &Workspace, from: &Sender) -> Result<Option<i64>> {
    match from {
        Sender::Telegram { id, .. } => leads::by_key(conn, ws, "telegram", &id.to_string()),
        Sender::Number(n) => leads::by_key(conn, ws, "phone", n),
    }
}

/// A new lead for a sender Leadbook has never heard of; it joins the default campaign like
/// every new lead. What the provider says of the sender goes through the same validation as
/// anything typed; if some of it does not pass, the lead is made of its name and address
/// alone, and if even that fails (no usable number), there is no lead (`None`).
fn create(conn: &Connection, ws: &Workspace, m: &Inbound, at: DateTime<Utc>) -> Result<Option<i64>> {
    let full = sender_input(m);
    let bare = LeadInput {
        name: full.name.as_ref().map(|n| n.chars().take(crate::leads::validate::MAX_NAME).collect()),
        telegram_id: full.telegram_id,
        phone: full.phone.clone(),
        whatsapp: full.whatsapp.clone(),
        source: full.source.clone(),
        ..LeadInput::default()
    };
    for input in [full, bare] {
        // They wrote first: the default campaign's first step answers them at once.
        match crate::workflows::add_inbound_lead(conn, ws, &input, at) {
            Ok(added) => {
                crate::leads::timeline::add(conn, ws.id, added.id, at, "created", &format!("first wrote via {}", m.channel))?;
                return Ok(Some(added.id));
            }
            Err(e) if e.is_user_error() => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

fn sender_input(m: &Inbound) -> LeadInput {
    let mut input = LeadInput::default();
    match &m.from {
        Sender::Telegram { id, username, name, language } => {
            input.name = Some(name.clone());
            input.telegram_id = Some(*id);
            input.telegram_username = username.clone();
            input.source = Some(Source::Telegram.as_str().into());
            input.language = language.as_deref().map(|l| l.split(['-', '_']).next().unwrap_or(l)).filter(|l| Language::parse("language", l).is_ok()).map(String::from);
        }
        Sender::Number(n) => {
            input.name = Some(n.clone());
            if m.channel == Channel::Whatsapp {
                input.whatsapp = Some(n.clone());
                input.source = Some(Source::Whatsapp.as_str().into());
            } else {
                input.phone = Some(n.clone());
                input.source = Some(Source::Manual.as_str().into());
            }
        }
    }
    input
}

/// How long a start link links: 30 days from when it was made (SPEC §6a).
pub const LINK_LIFETIME: Duration = Duration::days(30);

/// A start link as stored.
#[derive(Debug, Clone)]
struct StartLink {
    token: String,
    lead_id: i64,
    created_at: DateTime<Utc>,
    used_at: Option<String>,
    used_by: Option<i64>,
}

fn start_link(conn: &Connection, ws: &Workspace, token: &str) -> Result<Option<StartLink>> {
    conn.prepare_cached("SELECT token, lead_id, created_at, used_at, used_by FROM telegram_links WHERE workspace_id = ?1 AND token = ?2")?
        .query_row(params![ws.id, token], link_row)
        .optional()
        .map_err(Into::into)
}

fn link_row(r: &rusqlite::Row) -> rusqlite::Result<StartLink> {
    let created: String = r.get(2)?;
    Ok(StartLink {
        token: r.get(0)?,
        lead_id: r.get(1)?,
        created_at: crate::clock::parse_time(&created).ok_or_else(|| crate::store::rows::bad_column(2, format!("bad time '{created}'")))?,
        used_at: r.get(3)?,
        used_by: r.get(4)?,
    })
}

/// Telegram account `tg` pressed Start on `link`. Links it to the link's lead — once, while
/// the link is fresh, when the lead has no Telegram account and the account is no other
/// lead's — and answers that lead. Otherwise nothing is linked or merged: the agent gets a
/// task saying what happened and which leads, and the answer is `None` (the message is then
/// the sender's own, on the lead its account belongs to or a new one).
fn press_start(conn: &Connection, ws: &Workspace, link: &StartLink, tg: i64, username: Option<&str>, at: DateTime<Utc>) -> Result<Option<i64>> {
    let lead = leads::get(conn, ws, link.lead_id)?;
    // The account it linked pressing it again (Telegram sends /start each time): nothing new.
    if lead.telegram_id == Some(tg) {
        return Ok(Some(lead.id));
    }
    let owner = leads::by_key(conn, ws, "telegram", &tg.to_string())?.filter(|o| *o != lead.id);
    let who = username.map(|u| format!("@{u} ({tg})")).unwrap_or_else(|| tg.to_string());
    let why = if link.used_at.is_some() {
        let by = link.used_by.map(|b| format!(" by Telegram {b}")).unwrap_or_default();
        Some(format!("the link was used already{by}, and a link links once"))
    } else if at > link.created_at + LINK_LIFETIME {
        Some(format!("the link expired (it was made {}; links last 30 days)", link.created_at.date_naive()))
    } else if let Some(had) = lead.telegram_id {
        Some(format!("{} is linked to Telegram {had} already", lead.name))
    } else {
        owner.map(|o| format!("that Telegram account is already lead #{o}; merge the two by hand if they are the same person"))
    };
    if link.used_at.is_none() {
        // Single use: whatever comes of it, this press spends the link.
        conn.prepare_cached("UPDATE telegram_links SET used_at = ?3, used_by = ?4 WHERE workspace_id = ?1 AND token = ?2 AND used_at IS NULL")?
            .execute(params![ws.id, link.token, fmt_time(at), tg])?;
    }
    match why {
        None => {
            crate::workflows::link_telegram(conn, ws, lead.id, tg, username, at)?;
            Ok(Some(lead.id))
        }
        Some(why) => {
            let detail = format!("Telegram {who} pressed Start on the link of {} (#{}) and was not linked: {why}. Their message is on their own lead.", lead.name, lead.id);
            crate::workflows::task_for_agent(conn, ws, lead.id, crate::tasks::TELEGRAM_LINK, &detail, at)?;
            Ok(None)
        }
    }
}

/// The lead's Telegram start link `https://t.me/<bot>?start=<token>`: the same link until it
/// is used or 30 days old, then a new one.
pub fn telegram_link(conn: &Connection, ws: &Workspace, lead_id: i64, now: DateTime<Utc>) -> Result<(String, String)> {
    let bot = config::row(conn, ws, Provider::Telegram)?.and_then(|r| r.settings.bot_username);
    let Some(bot_username) = bot else {
        return Err(crate::Error::validation("bot_username", "set the bot's username in Settings → Channels → Telegram first"));
    };
    leads::get(conn, ws, lead_id)?;
    let latest: Option<StartLink> = conn
        .prepare_cached(
            "SELECT token, lead_id, created_at, used_at, used_by FROM telegram_links WHERE workspace_id = ?1 AND lead_id = ?2
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )?
        .query_row(params![ws.id, lead_id], link_row)
        .optional()?;
    let token = match latest.filter(|l| l.used_at.is_none() && now <= l.created_at + LINK_LIFETIME) {
        Some(l) => l.token,
        None => {
            // 128 bits in 22 characters of [A-Za-z0-9_-]: within Telegram's 64.
            let t = config::random_token(22)?;
            conn.prepare_cached("INSERT INTO telegram_links (token, workspace_id, lead_id, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![t, ws.id, lead_id, fmt_time(now)])?;
            t
        }
    };
    Ok((format!("https://t.me/{bot_username}?start={token}"), token))
}

/// Polls every configured provider that can be polled and takes in what arrived. `wait` is
/// Telegram's long-poll time (0 from the command line).
pub async fn sync(store: &mut Store, ws: &Workspace, ch: &Channels, wait: std::time::Duration) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    if let Some(tg) = ch.telegram.as_ref().filter(|t| !t.attention) {
        // Read the offset afresh: another process may have moved it.
        let mut offset = config::row(store.conn(), ws, Provider::Telegram)?.and_then(|r| r.cursor).and_then(|c| c.parse::<i64>().ok()).or(tg.cursor);
        loop {
            let batch = match tg.client.updates(offset, if report.received == 0 { wait } else { std::time::Duration::ZERO }).await {
                Ok(b) => b,
                Err(e) => {
                    report.errors.push(format!("Telegram: {e}"));
                    break;
                }
            };
            if let Some(why) = &batch.attention {
                // A webhook on the bot, or a refused token: the channel shows it until the agent
                // acts (removes the webhook, saves a new token).
                store.write(|tx, now| config::set_state(tx, ws, Provider::Telegram, Some(why), now))?;
                report.errors.push(format!("Telegram: {why}"));
                break;
            }
            let Some(next) = batch.next_offset else { break };
            if offset.is_some_and(|o| next <= o) {
                // A server that does not honour the offset must not keep us here.
                break;
            }
            store.write(|tx, now| {
                for m in &batch.messages {
                    count(&mut report, tx, ws, m, now)?;
                }
                // In the same transaction: a crash never takes an update in twice nor loses one.
                config::set_cursor(tx, ws, Provider::Telegram, &next.to_string())
            })?;
            offset = Some(next);
        }
    }
    if let Some(tw) = ch.twilio.as_ref().filter(|t| !t.attention) {
        let today = store.now().date_naive();
        // Read the cursors afresh, like Telegram's offset: another process may have moved them.
        let stored = config::row(store.conn(), ws, Provider::Twilio)?.and_then(|r| r.cursor).or_else(|| tw.cursor.clone());
        let mut cursors = TwilioCursors::parse(stored.as_deref());
        // An alphanumeric sender (the UAE's) cannot receive: nothing to poll there.
        let numbers = [tw.settings.from.clone().filter(|f| f.starts_with('+')), tw.settings.whatsapp_from.clone().map(|w| format!("whatsapp:{w}"))];
        let numbers: Vec<String> = numbers.into_iter().flatten().collect();
        // Each number keeps its own day: one whose poll failed is asked again from where it was.
        for to in &numbers {
            let since = cursors.since(to).unwrap_or(today - Duration::days(1));
            cursors.set(to, since);
        }
        for to in &numbers {
            let since = cursors.since(to).unwrap_or(today - Duration::days(1));
            match tw.client.inbound(to, since).await {
                Ok(polled) => {
                    store.write(|tx, now| {
                        let mut latest = since;
                        for m in &polled.messages {
                            latest = latest.max(m.at.date_naive());
                            count(&mut report, tx, ws, m, now)?;
                        }
                        // Cut short by the safety stop: the oldest of the period may be unread,
                        // so the day stays where it was (what was read is not taken in twice).
                        if polled.complete {
                            cursors.set(to, latest);
                        }
                        // In the same transaction: a crash never moves a cursor past a message
                        // not taken in.
                        config::set_cursor(tx, ws, Provider::Twilio, &cursors.to_text())
                    })?;
                }
                Err(e) => report.errors.push(format!("Twilio: {e}")),
            }
        }
        store.write(|tx, _| config::set_cursor(tx, ws, Provider::Twilio, &cursors.to_text()))?;
    }
    let mail = super::mailbox::sync(store, ws, ch, None).await?;
    report.emails += mail.emails;
    report.portal_leads += mail.portal_leads;
    report.unparsed += mail.unparsed;
    report.opt_outs += mail.opt_outs;
    report.notices.extend(mail.notices);
    if let Some(e) = mail.error {
        report.errors.push(format!("Email: {e}"));
    }
    Ok(report)
}

/// Twilio's inbound cursors: for each of our numbers (`+…` for SMS, `whatsapp:+…`), the day
/// (UTC) its next poll starts from. Stored as a JSON object in the channel's cursor; the older
/// form, one `YYYY-MM-DD` for every number, still reads.
#[derive(Debug, Default, PartialEq)]
struct TwilioCursors {
    days: std::collections::BTreeMap<String, chrono::NaiveDate>,
    /// The older single day, for a number not in `days`.
    shared: Option<chrono::NaiveDate>,
}

impl TwilioCursors {
    fn parse(stored: Option<&str>) -> TwilioCursors {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let Some(text) = stored.map(str::trim).filter(|s| !s.is_empty()) else { return TwilioCursors::default() };
        match serde_json::from_str::<std::collections::BTreeMap<String, String>>(text) {
            Ok(map) => TwilioCursors { days: map.into_iter().filter_map(|(k, v)| Some((k, day(&v)?))).collect(), shared: None },
            Err(_) => TwilioCursors { days: Default::default(), shared: day(text) },
        }
    }

    fn since(&self, number: &str) -> Option<chrono::NaiveDate> {
        self.days.get(number).copied().or(self.shared)
    }

    fn set(&mut self, number: &str, day: chrono::NaiveDate) {
        self.days.insert(number.to_string(), day);
    }

    fn to_text(&self) -> String {
        let map: std::collections::BTreeMap<&str, String> = self.days.iter().map(|(k, v)| (k.as_str(), v.format("%Y-%m-%d").to_string())).collect();
        serde_json::to_string(&map).unwrap_or_default()
    }
}

fn count(report: &mut SyncReport, conn: &Connection, ws: &Workspace, m: &Inbound, now: DateTime<Utc>) -> Result<()> {
    let taken = take_in(conn, ws, m, now)?;
    if !matches!(taken, Taken::AlreadySeen) {
        report.received += 1;
    }
    match taken {
        Taken::AlreadySeen | Taken::Ignored => {}
        Taken::Linked { .. } => {
            report.linked += 1;
            report.matched += 1;
        }
        Taken::OptedOut { new_lead, .. } => {
            report.opt_outs += 1;
            if new_lead { report.new_leads += 1 } else { report.matched += 1 }
        }
        Taken::OptedIn { .. } => report.matched += 1,
        Taken::WrongNumber { .. } => {
            report.matched += 1;
            report.wrong_numbers += 1;
        }
        Taken::Reply { lead, new_lead, class } => {
            if new_lead { report.new_leads += 1 } else { report.matched += 1 }
            // Hot and warm leads, and anyone who says they are interested, are worth a look now.
            if matches!(lead.grade, Grade::A | Grade::B) || class == ReplyClass::Interested {
                report.notices.push(Notice { lead_id: lead.id, name: lead.name.clone(), grade: lead.grade, text: m.text.chars().take(200).collect() });
            }
        }
    }
    Ok(())
}
