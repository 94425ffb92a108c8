//! What a mail in the agent's mailbox means (SPEC §12). [`take_mail`] is the one entry point
//! the IMAP reader calls for each message, inside the write transaction in which it also saves
//! the folder's cursor:
//!
//! - a delivery status notification for one of Leadbook's messages → the lead's email is
//!   unusable and the message failed ([`MailTaken::Bounce`]);
//! - a portal's or a listed lead sender's mail → an enquiry through
//!   [`crate::workflows::take_enquiry`] ([`MailTaken::Enquiry`]), or, when it gives no phone
//!   and no email, kept in the unparsed list ([`MailTaken::Unparsed`]) — never dropped;
//! - a mail answering one of Leadbook's messages (`In-Reply-To`/`References`, see
//!   [`message_id`]) or from a lead's address → that lead's reply through
//!   [`crate::workflows::record_reply`] (timeline, classifier, follow-ups stop, score), or an
//!   opt-out of email when it says stop/unsubscribe in English, Persian or Arabic (as the
//!   `List-Unsubscribe` mailto's subject "unsubscribe" does);
//! - anything else → [`MailTaken::Ignored`], with why.
//!
//! Each mail is taken once per workspace: by its `Message-ID`, or a hash of its bytes when it
//! has none (`mail_seen`), whatever the reader's cursor says.

use crate::clock::fmt_time;
use crate::enquiries::parse::{self, Mail, Report};
use crate::enquiries::{layouts, senders, unparsed};
use crate::error::Result;
use crate::leads::replies::ReplyClass;
use crate::leads::{self, Lead};
use crate::model::{Channel, MessageStatus};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// What taking one mail did (as JSON: `{"outcome": "enquiry", "lead_id": …}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MailTaken {
    /// Taken before (the same `Message-ID`, or the same bytes): nothing changed.
    AlreadySeen,
    /// A portal's or lead sender's enquiry; `repeat` when the same enquiry was taken before
    /// (by the portal's API, say).
    Enquiry { lead_id: i64, new_lead: bool, repeat: bool },
    /// An enquiry mail that could not be read, kept in the unparsed list as `id`.
    Unparsed { id: i64 },
    /// The lead's reply, recorded.
    Reply {
        lead_id: i64,
        #[serde(skip)]
        lead: Box<Lead>,
        class: ReplyClass,
    },
    /// The lead asked to hear no more by email.
    OptedOut { lead_id: i64 },
    /// A message to the lead bounced: its email is unusable (and the message `outbox_id`, when
    /// known, failed).
    Bounce { lead_id: i64, outbox_id: Option<i64> },
    /// Nothing to do, and why.
    Ignored { reason: &'static str },
}

impl MailTaken {
    /// The outcome as `mail_seen` keeps it.
    fn outcome(&self) -> &'static str {
        match self {
            MailTaken::AlreadySeen => "seen",
            MailTaken::Enquiry { .. } => "enquiry",
            MailTaken::Unparsed { .. } => "unparsed",
            MailTaken::Reply { .. } => "reply",
            MailTaken::OptedOut { .. } => "opted_out",
            MailTaken::Bounce { .. } => "bounce",
            MailTaken::Ignored { .. } => "ignored",
        }
    }

    fn lead_id(&self) -> Option<i64> {
        match self {
            MailTaken::Enquiry { lead_id, .. } | MailTaken::Reply { lead_id, .. } | MailTaken::OptedOut { lead_id } | MailTaken::Bounce { lead_id, .. } => Some(*lead_id),
            _ => None,
        }
    }
}

/// Takes in one raw mail (RFC 5322 bytes) for workspace `ws`, inside the caller's write
/// transaction. Bad input (no headers, broken MIME, no text, 30 MB) is an outcome, never an
/// error: only the database can fail.
pub fn take_mail(conn: &Connection, ws: &Workspace, raw: &[u8], now: DateTime<Utc>) -> Result<MailTaken> {
    take_read(conn, ws, read(ws, raw, None), now)
}

/// What can be read of a raw mail without the book, so on another thread while the book writes
/// the mails before it: its key in `mail_seen`, the mail, and — when `senders` (the lead senders
/// as lately read) tells it is an enquiry — the enquiry and the lead it would make. Only
/// [`take_read`] decides, with the book: what was read ahead for a sender the book no longer
/// lists as it did is read again there.
pub struct ReadMail {
    key: String,
    mail: Option<Mail>,
    enquiry: Option<ReadEnquiry>,
}

/// An enquiry read ahead for the portal its sender was listed with.
struct ReadEnquiry {
    portal: Option<crate::model::Portal>,
    /// Its `at` is set when it is taken (`layouts::made_at`).
    enquiry: crate::enquiries::Enquiry,
    /// The lead it makes, when it gives a phone or an email.
    lead: Option<crate::workflows::EnquiryLead>,
}

/// Reads a raw mail for [`take_read`] (see [`ReadMail`]).
pub fn read(ws: &Workspace, raw: &[u8], senders: Option<&senders::Listed>) -> ReadMail {
    let mail = parse::read(raw);
    let key = match mail.as_ref().and_then(|m| m.message_id.as_deref()) {
        Some(id) => format!("id:{}", id.chars().take(500).collect::<String>()),
        None => format!("hash:{}", parse::stable_hash(raw)),
    };
    let enquiry = mail.as_ref().zip(senders).and_then(|(m, listed)| {
        // The cases `decide` and `enquiry` settle before reading an enquiry's layout.
        if m.report.is_some() || m.text.trim().is_empty() {
            return None;
        }
        let known = listed.lookup(m.from.as_deref()?)?;
        let enquiry = layouts::read(m, known.portal);
        let lead = enquiry.has_contact().then(|| crate::workflows::EnquiryLead::of(ws, &enquiry));
        Some(ReadEnquiry { portal: known.portal, enquiry, lead })
    });
    ReadMail { key, mail, enquiry }
}

/// [`take_mail`] for a mail [`read`] already (for the same `ws`).
pub fn take_read(conn: &Connection, ws: &Workspace, read: ReadMail, now: DateTime<Utc>) -> Result<MailTaken> {
    let ReadMail { key, mail, enquiry } = read;
    let fresh = conn
        .prepare_cached("INSERT OR IGNORE INTO mail_seen (workspace_id, message_key, at, outcome) VALUES (?1, ?2, ?3, 'taking')")?
        .execute(params![ws.id, key, fmt_time(now)])?;
    if fresh == 0 {
        return Ok(MailTaken::AlreadySeen);
    }
    let taken = match &mail {
        None => MailTaken::Ignored { reason: "not a mail: no headers could be read" },
        Some(m) => decide(conn, ws, m, enquiry, now)?,
    };
    conn.prepare_cached("UPDATE mail_seen SET outcome = ?3, lead_id = ?4 WHERE workspace_id = ?1 AND message_key = ?2")?
        .execute(params![ws.id, key, taken.outcome(), taken.lead_id()])?;
    Ok(taken)
}

fn decide(conn: &Connection, ws: &Workspace, m: &Mail, ahead: Option<ReadEnquiry>, now: DateTime<Utc>) -> Result<MailTaken> {
    if let Some(report) = &m.report {
        return bounce(conn, ws, report, now);
    }
    let Some(from) = m.from.as_deref() else {
        return Ok(MailTaken::Ignored { reason: "the mail names no sender" });
    };
    // An answer to one of our messages is a reply, even from a listed sender's domain.
    let answering = answered(conn, ws, m)?;
    if answering.is_none() {
        if let Some(known) = senders::lookup(conn, ws, from)? {
            return enquiry(conn, ws, m, known.portal, ahead, now);
        }
    }
    let lead_id = match answering {
        Some(id) => Some(id),
        None => leads::by_key(conn, ws, "email", from)?,
    };
    let Some(lead_id) = lead_id else {
        return Ok(MailTaken::Ignored { reason: "not from a lead, a portal or a lead sender" });
    };
    if m.automatic {
        return Ok(MailTaken::Ignored { reason: "an automatic answer (out of office, auto-reply)" });
    }
    reply(conn, ws, m, lead_id, now)
}

/// A portal's or lead sender's mail: an enquiry, or unparsed. `ahead`: what [`read`] made of
/// it, used when read for this same portal.
fn enquiry(
    conn: &Connection,
    ws: &Workspace,
    m: &Mail,
    portal: Option<crate::model::Portal>,
    ahead: Option<ReadEnquiry>,
    now: DateTime<Utc>,
) -> Result<MailTaken> {
    let keep = |reason: &str| -> Result<MailTaken> {
        let text = if m.text.trim().is_empty() { "(the mail has no text)" } else { m.text.as_str() };
        let id = unparsed::add(
            conn,
            ws,
            &unparsed::NewUnparsed { from: m.from.as_deref(), subject: m.subject.as_deref(), portal, reason, raw_text: text },
            now,
        )?;
        Ok(MailTaken::Unparsed { id })
    };
    if m.text.trim().is_empty() {
        return keep("the mail has no text to read");
    }
    let (mut e, lead) = match ahead.filter(|a| a.portal == portal) {
        Some(a) => (a.enquiry, a.lead),
        None => {
            let e = layouts::read(m, portal);
            let lead = e.has_contact().then(|| crate::workflows::EnquiryLead::of(ws, &e));
            (e, lead)
        }
    };
    e.at = layouts::made_at(m, now);
    let Some(lead) = lead else {
        return keep("no phone number and no email address found in the mail");
    };
    match crate::workflows::take_read_enquiry(conn, ws, &e, lead, now) {
        Ok(t) => Ok(MailTaken::Enquiry { lead_id: t.lead_id, new_lead: t.new_lead, repeat: t.repeat }),
        Err(err) if err.is_user_error() => keep(&err.to_string()),
        Err(err) => Err(err),
    }
}

/// Subjects and first words that opt out of email (the whole subject or first line, any case).
const STOP: &[&str] = &[
    "unsubscribe", "stop", "remove me", "opt out", "opt-out", "unsubscribe me",
    "لغو", "لغو اشتراک", "توقف", "إلغاء", "الغاء", "إلغاء الاشتراك", "الغاء الاشتراك", "أوقف", "اوقف",
];

fn is_stop(subject: Option<&str>, text: &str) -> bool {
    let word = |s: &str| {
        let mut t = s.trim();
        // "Re: unsubscribe", "RE: Re: stop"
        loop {
            let lower = t.to_lowercase();
            match ["re:", "aw:", "fw:", "fwd:"].iter().find(|p| lower.starts_with(*p)) {
                Some(p) => t = t[p.len()..].trim_start(),
                None => break,
            }
        }
        t.trim_end_matches(['.', '!', '؛', '。']).trim().to_lowercase()
    };
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    subject.is_some_and(|s| STOP.contains(&word(s).as_str())) || STOP.contains(&word(first_line).as_str())
}

/// The lead's own words: quoted lines (`>`) and what follows "On … wrote:" (and its Arabic and
/// Persian forms) or an "Original Message" divider left out.
pub fn reply_text(text: &str) -> String {
    let mut out: Vec<&str> = vec![];
    for line in text.lines() {
        let t = line.trim();
        let lower = t.to_lowercase();
        if (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || t.ends_with("كتب:")
            || t.ends_with("نوشت:")
            || lower.contains("-----original message-----")
            || t.starts_with("________________")
        {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        out.push(line.trim_end());
    }
    let own = out.join("\n").trim().to_string();
    if own.is_empty() { text.trim().to_string() } else { own }
}

fn reply(conn: &Connection, ws: &Workspace, m: &Mail, lead_id: i64, now: DateTime<Utc>) -> Result<MailTaken> {
    let at = m.date.map(|d| d.min(now).max(crate::clock::earliest())).unwrap_or(now);
    let text = reply_text(&m.text);
    if is_stop(m.subject.as_deref(), &text) || crate::leads::replies::classify(&text).class == ReplyClass::OptOut {
        let said = m.subject.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or(text.lines().next().unwrap_or("stop"));
        let said: String = said.chars().take(100).collect();
        leads::set_opt_out(conn, ws, lead_id, Channel::Email, true, &format!("wrote \"{}\" by email", said.trim()), at)?;
        return Ok(MailTaken::OptedOut { lead_id });
    }
    if m.from.is_some() && leads::get(conn, ws, lead_id)?.email == m.from {
        // They wrote from it: it reaches them.
        leads::set_channel_usable(conn, ws, lead_id, Channel::Email, true, "", at)?;
    }
    let shown = match (text.is_empty(), m.subject.as_deref()) {
        (false, _) => text,
        (true, Some(s)) => format!("(subject) {s}"),
        (true, None) => "(an email without text)".to_string(),
    };
    let shown: String = crate::model::normalize::multiline(Some(&shown)).unwrap_or_else(|| "(an email without text)".into());
    let shown: String = shown.chars().take(crate::leads::validate::MAX_NOTES).collect();
    let class = crate::leads::replies::classify(&shown).class;
    let lead = crate::workflows::record_reply(conn, ws, lead_id, &shown, Some(Channel::Email), at)?;
    Ok(MailTaken::Reply { lead_id, lead: Box::new(lead), class })
}

fn bounce(conn: &Connection, ws: &Workspace, r: &Report, now: DateTime<Utc>) -> Result<MailTaken> {
    if !r.failed {
        return Ok(MailTaken::Ignored { reason: "a delivery report that says no message failed (a delay, a receipt)" });
    }
    let message = match r.original_message_id.as_deref() {
        Some(id) => outbox_of(conn, ws, id)?.map(|o| crate::outbox::get(conn, ws, o)).transpose()?,
        None => None,
    };
    let mut lead_id = message.as_ref().map(|o| o.lead_id);
    if lead_id.is_none() {
        for rcpt in &r.recipients {
            if let Some(id) = leads::by_key(conn, ws, "email", rcpt)? {
                lead_id = Some(id);
                break;
            }
        }
    }
    let Some(lead_id) = lead_id else {
        return Ok(MailTaken::Ignored { reason: "a bounce for no message of Leadbook's and no lead's address" });
    };
    let why = format!("bounced: {}", r.diagnostic.as_deref().unwrap_or("the address does not accept mail"));
    let why: String = why.chars().take(300).collect();
    let lead = leads::get(conn, ws, lead_id)?;
    // The address that failed is the lead's still (not one it has since changed).
    if r.recipients.is_empty() || lead.email.as_ref().is_some_and(|e| r.recipients.contains(e)) {
        leads::set_channel_usable(conn, ws, lead_id, Channel::Email, false, &why, now)?;
    }
    if let Some(o) = &message {
        crate::outbox::settle_receipt(conn, ws, o.id, MessageStatus::Failed, Some(&why), now)?;
    }
    Ok(MailTaken::Bounce { lead_id, outbox_id: message.map(|o| o.id) })
}

/// The outbox message a mail answers, by its `In-Reply-To`, else the latest of its
/// `References` that is one of ours.
fn answered(conn: &Connection, ws: &Workspace, m: &Mail) -> Result<Option<i64>> {
    for id in m.in_reply_to.iter().chain(m.references.iter().rev()) {
        if let Some(o) = outbox_of(conn, ws, id)? {
            return Ok(Some(crate::outbox::get(conn, ws, o)?.lead_id));
        }
    }
    Ok(None)
}

/// The `Message-ID` header value (with its angle brackets) of outbox message `outbox_id` of
/// `ws` sent from `domain` (the account's from address's domain):
/// `<leadbook.{workspace}.{outbox_id}@{domain}>`. A reply's `In-Reply-To`/`References` carry
/// it back, and [`outbox_of`] reads it without a lookup table.
pub fn message_id(ws: &Workspace, outbox_id: i64, domain: &str) -> String {
    let d = domain.trim().trim_start_matches('@').to_ascii_lowercase();
    let d = if !d.is_empty() && d.len() <= 253 && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') { d } else { "leadbook.invalid".into() };
    format!("<leadbook.{}.{}@{}>", ws.id, outbox_id, d)
}

/// The outbox message of `ws` that a header value (`In-Reply-To`, `References`: one or more
/// ids, with or without angle brackets) names through [`message_id`]'s scheme — the last one
/// named that exists in this workspace. `None` for ids that are not ours.
pub fn outbox_of(conn: &Connection, ws: &Workspace, header_value: &str) -> Result<Option<i64>> {
    let mut found = None;
    for token in header_value.split(|c: char| c.is_whitespace() || c == ',') {
        let id = parse::bare_id(token);
        let Some(local) = id.split_once('@').map(|(l, _)| l) else { continue };
        let mut parts = local.splitn(3, '.');
        let (Some("leadbook"), Some(w), Some(o)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(w), Ok(o)) = (w.parse::<i64>(), o.parse::<i64>()) else { continue };
        if w != ws.id {
            continue;
        }
        let exists: Option<i64> = conn
            .prepare_cached("SELECT id FROM outbox WHERE workspace_id = ?1 AND id = ?2")?
            .query_row(params![ws.id, o], |r| r.get(0))
            .optional()?;
        if exists.is_some() {
            found = Some(o);
        }
    }
    Ok(found)
}

/// The `Message-ID` (with angle brackets) of the last mail lead `lead_id` wrote that was
/// taken as a reply: what an answer's `In-Reply-To` names.
pub fn last_mail_of(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<Option<String>> {
    let key: Option<String> = conn
        .prepare_cached(
            "SELECT message_key FROM mail_seen WHERE workspace_id = ?1 AND lead_id = ?2 AND outcome = 'reply' AND message_key LIKE 'id:%'
             ORDER BY at DESC LIMIT 1",
        )?
        .query_row(params![ws.id, lead_id], |r| r.get(0))
        .optional()?;
    Ok(key.map(|k| format!("<{}>", &k[3..])))
}
