//! Reading the agent's mailbox (SPEC §12): every new message of the folder once, by UID,
//! respecting UIDVALIDITY, each taken in (`email_in::take_read`: what it means) in the same
//! write transaction as the folder's cursor — one transaction per fetched batch of up to 100,
//! a mail that fails undone alone — so a crash never skips a message nor takes one twice.
//! Meanwhile the next batch is already coming in on its own task, and the one after the batch
//! being taken is read (`email_in::read`: MIME, text, layout, phone) on a blocking thread.
//! Nothing on the server changes: the folder is opened read-only and fetched with
//! `BODY.PEEK[]`.
//!
//! The cursor is the email channel's (`channels.cursor`): `<uidvalidity>:<last uid taken>`.
//! When the folder's UIDVALIDITY differs from the saved one, its UIDs restarted and it is read
//! again from the first message; `take_mail` knows each mail by its Message-ID, so nothing is
//! doubled. A message `take_mail` refuses (an error of the message, not of the book) is
//! logged and passed: it cannot hold the cursor back forever. A transport error stops the
//! sync with the cursor at the last message fully taken.

use super::channels::config::{self, Channels};
use super::channels::email::{Folder, MailFault, OutMail, FETCH_BATCH};
use super::channels::Provider;
use super::email_in::{self, MailTaken};
use crate::enquiries::senders;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::workspace::Workspace;
use rusqlite::Connection;
use std::sync::Arc;

/// What one read of the mailbox did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailReport {
    /// Messages read from the folder and taken in (each once).
    pub emails: usize,
    pub portal_leads: usize,
    pub unparsed: usize,
    pub replies: usize,
    pub opt_outs: usize,
    pub bounces: usize,
    /// Replies from A and B leads: the window raises a desktop notification for each.
    pub notices: Vec<super::inbox::Notice>,
    /// Messages passed because taking them failed (logged with the reason).
    pub skipped: usize,
    /// Why the mailbox could not be read (to the end).
    pub error: Option<String>,
}

/// The folder's saved position: its UIDVALIDITY and the last UID taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

impl Cursor {
    pub fn parse(text: Option<&str>) -> Option<Cursor> {
        let (v, u) = text?.split_once(':')?;
        Some(Cursor { uid_validity: v.trim().parse().ok()?, last_uid: u.trim().parse().ok()? })
    }

    pub fn to_text(self) -> String {
        format!("{}:{}", self.uid_validity, self.last_uid)
    }
}

/// The mailbox's cursor as saved now.
pub fn cursor(conn: &Connection, ws: &Workspace) -> Result<Option<Cursor>> {
    Ok(config::row(conn, ws, Provider::Email)?.and_then(|r| Cursor::parse(r.cursor.as_deref())))
}

/// Reads the new messages of the workspace's mailbox, at most `limit` of them (`None`: all).
pub async fn sync(store: &mut Store, ws: &Workspace, ch: &Channels, limit: Option<usize>) -> Result<MailReport> {
    let mut report = MailReport::default();
    let Some(mail) = ch.email.as_ref().filter(|e| !e.attention) else { return Ok(report) };
    // The phone library's rules take a moment to load: beside the login and the first fetch.
    drop(tokio::task::spawn_blocking(crate::model::normalize::load_phone_rules));
    let folder = match mail.client.open_folder().await {
        Ok(f) => f,
        Err(fault) => {
            if let MailFault::Auth(why) = &fault {
                store.write(|tx, now| config::set_state(tx, ws, Provider::Email, Some(why), now))?;
            }
            report.error = Some(fault.text().to_string());
            return Ok(report);
        }
    };
    let saved = cursor(store.conn(), ws)?;
    let mut at = match saved {
        Some(c) if c.uid_validity == folder.uid_validity => c,
        // New, or the folder's UIDs restarted: from the first message.
        _ => Cursor { uid_validity: folder.uid_validity, last_uid: 0 },
    };
    if saved != Some(at) {
        store.write(|tx, _| config::set_cursor(tx, ws, Provider::Email, &at.to_text()))?;
    }
    let (folder, result) = read_new(store, ws, folder, &mut at, limit, &mut report).await;
    if let Some(folder) = folder {
        folder.logout().await;
    }
    match result {
        Ok(()) => Ok(report),
        Err(Stop::Fault(f)) => {
            report.error = Some(f.text().to_string());
            Ok(report)
        }
        Err(Stop::Book(e)) => Err(e),
    }
}

enum Stop {
    Fault(MailFault),
    Book(Error),
}

/// One batch fetched on its own task, and the folder handed back with it.
type Fetching = tokio::task::JoinHandle<(Folder, std::result::Result<Vec<(u32, Vec<u8>)>, MailFault>)>;

/// Starts fetching `uids` while the caller goes on: the batch comes over the wire (and the
/// server reads it from its disk) while the ones before it are being read and taken in. At
/// most three batches are in memory: the one being taken, the one being read and the one
/// arriving.
async fn fetch_ahead(mut folder: Folder, uids: Vec<u32>) -> Fetching {
    let task = tokio::spawn(async move {
        let fetched = folder.fetch(&uids).await;
        (folder, fetched)
    });
    // Let the task send its FETCH before the caller's database work holds a one-thread runtime.
    tokio::task::yield_now().await;
    task
}

/// A fetched mail, read.
struct ReadOne {
    uid: u32,
    /// Its bytes, kept to take the batch again mail by mail should one fail (see [`take_all`]).
    raw: Vec<u8>,
    mail: email_in::ReadMail,
}

/// One fetched batch being read (MIME, text, layout, phone and email) on a blocking thread.
type Reading = tokio::task::JoinHandle<Vec<ReadOne>>;

/// Starts reading a fetched batch beside the caller (see [`email_in::read`]), with the lead
/// senders as read when the sync began.
fn read_ahead(ws: &Arc<Workspace>, listed: &Arc<senders::Listed>, fetched: Vec<(u32, Vec<u8>)>) -> Reading {
    let (ws, listed) = (Arc::clone(ws), Arc::clone(listed));
    tokio::task::spawn_blocking(move || {
        fetched.into_iter().map(|(uid, raw)| ReadOne { uid, mail: email_in::read(&ws, &raw, Some(&listed)), raw }).collect()
    })
}

/// The batch read ahead, once read. A reader that panicked passes its panic on, as reading on
/// this thread would have.
async fn read_batch(reading: Reading) -> std::result::Result<Vec<ReadOne>, Stop> {
    match reading.await {
        Ok(read) => Ok(read),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Stop::Fault(MailFault::Other(format!("the mailbox reader stopped: {e}")))),
    }
}

/// Reads the messages after the cursor, batch by batch; hands the folder back (`None` when its
/// task died) for the logout. Three batches move at once: one comes over the wire, the one
/// before it is read on a blocking thread, and the one before that is taken in here.
async fn read_new(
    store: &mut Store,
    ws: &Workspace,
    mut folder: Folder,
    at: &mut Cursor,
    limit: Option<usize>,
    report: &mut MailReport,
) -> (Option<Folder>, std::result::Result<(), Stop>) {
    let mut uids = match folder.uids_after(at.last_uid).await {
        Ok(u) => u,
        Err(f) => return (Some(folder), Err(Stop::Fault(f))),
    };
    if let Some(n) = limit {
        uids.truncate(n);
    }
    let listed = match senders::Listed::read(store.conn(), ws) {
        Ok(l) => Arc::new(l),
        Err(e) => return (Some(folder), Err(Stop::Book(e))),
    };
    let ws_ahead = Arc::new(ws.clone());
    let mut batches = uids.chunks(FETCH_BATCH).map(<[u32]>::to_vec);
    let Some(first) = batches.next() else { return (Some(folder), Ok(())) };
    let mut fetching = fetch_ahead(folder, first).await;
    let mut reading: Option<Reading> = None;
    loop {
        let (folder, fetched) = match fetching.await {
            Ok(done) => done,
            Err(e) => return (None, Err(Stop::Fault(MailFault::Other(format!("the mailbox reader stopped: {e}"))))),
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(f) => {
                // What came before the fault is taken in; the cursor stops after it.
                let taken = take_read_batch(store, ws, reading.take(), at, report).await;
                return (Some(folder), taken.and(Err(Stop::Fault(f))));
            }
        };
        // This batch is read while the one before it is taken in (and the next comes in).
        let read_now = read_ahead(&ws_ahead, &listed, fetched);
        let before = reading.replace(read_now);
        let Some(next) = batches.next() else {
            // The last batch: the one before it, then this one.
            let mut taken = take_read_batch(store, ws, before, at, report).await;
            if taken.is_ok() {
                taken = take_read_batch(store, ws, reading.take(), at, report).await;
            }
            return (Some(folder), taken);
        };
        let ahead = fetch_ahead(folder, next).await;
        if let Err(stop) = take_read_batch(store, ws, before, at, report).await {
            // The batches ahead are not taken: the fetch is waited for only to log out.
            return (ahead.await.ok().map(|(f, _)| f), Err(stop));
        }
        fetching = ahead;
    }
}

/// Takes in the batch being read, if any, once it is read.
async fn take_read_batch(store: &mut Store, ws: &Workspace, reading: Option<Reading>, at: &mut Cursor, report: &mut MailReport) -> std::result::Result<(), Stop> {
    match reading {
        Some(r) => take_batch(store, ws, read_batch(r).await?, at, report),
        None => Ok(()),
    }
}

/// Takes one read batch in: one transaction for the batch, the cursor at the end. A crash
/// loses the whole batch and its cursor together: it is read again, nothing skipped, nothing
/// twice. A mail that cannot be taken is passed with nothing of it kept (see [`take_all`]).
fn take_batch(store: &mut Store, ws: &Workspace, read: Vec<ReadOne>, at: &mut Cursor, report: &mut MailReport) -> std::result::Result<(), Stop> {
    let Some(last) = read.last().map(|r| r.uid) else { return Ok(()) };
    let next = Cursor { uid_validity: at.uid_validity, last_uid: last };
    let taken = store
        .write(|tx, now| {
            let out = take_all(tx, ws, read, now)?;
            config::set_cursor(tx, ws, Provider::Email, &next.to_text())?;
            Ok(out)
        })
        .map_err(Stop::Book)?;
    for t in taken {
        report.emails += 1;
        match t {
            Ok(t) => tally(report, &t),
            Err((uid, e)) => {
                tracing::warn!(uid, error = %e, "a mail could not be taken in; passed");
                report.skipped += 1;
            }
        }
    }
    *at = next;
    Ok(())
}

/// What taking each mail of a batch did, or why it could not be taken.
type Taken = Vec<std::result::Result<MailTaken, (u32, Error)>>;

/// Takes a batch's mails in, inside the caller's transaction: all of them under one savepoint;
/// should one of them fail (an error of the mail, not of the book), that is undone and the
/// batch taken again one savepoint per mail, the failing mail's own writes undone and the mail
/// passed. Mails seldom fail, and a savepoint per mail costs every mail a copy of each page it
/// touches.
fn take_all(tx: &rusqlite::Transaction, ws: &Workspace, read: Vec<ReadOne>, now: chrono::DateTime<chrono::Utc>) -> Result<Taken> {
    let mut raws = Vec::with_capacity(read.len());
    let mut out = Vec::with_capacity(read.len());
    tx.prepare_cached("SAVEPOINT batch")?.execute([])?;
    let mut failed = false;
    for ReadOne { uid, raw, mail } in read {
        if !failed {
            match email_in::take_read(tx, ws, mail, now) {
                Ok(t) => out.push(Ok(t)),
                // The book itself failed (busy, full, broken): the batch is not taken.
                Err(e @ (Error::Db(_) | Error::Io(_))) => return Err(e),
                Err(_) => failed = true,
            }
        }
        raws.push((uid, raw));
    }
    if !failed {
        tx.prepare_cached("RELEASE batch")?.execute([])?;
        return Ok(out);
    }
    tx.execute_batch("ROLLBACK TO batch; RELEASE batch")?;
    let mut out = Vec::with_capacity(raws.len());
    for (uid, raw) in raws {
        tx.prepare_cached("SAVEPOINT mail")?.execute([])?;
        match email_in::take_mail(tx, ws, &raw, now) {
            Ok(t) => {
                tx.prepare_cached("RELEASE mail")?.execute([])?;
                out.push(Ok(t));
            }
            Err(e @ (Error::Db(_) | Error::Io(_))) => return Err(e),
            // This mail cannot be taken: undo what it began, pass it.
            Err(e) => {
                tx.execute_batch("ROLLBACK TO mail; RELEASE mail")?;
                out.push(Err((uid, e)));
            }
        }
    }
    Ok(out)
}

/// Counts what `take_mail` did.
fn tally(report: &mut MailReport, t: &MailTaken) {
    use crate::model::Grade;
    match t {
        // A repeat (the same enquiry seen by the portal's API first) is not a new one.
        MailTaken::Enquiry { repeat, .. } => report.portal_leads += usize::from(!repeat),
        MailTaken::Unparsed { .. } => report.unparsed += 1,
        MailTaken::Reply { lead, .. } => {
            report.replies += 1;
            if matches!(lead.grade, Grade::A | Grade::B) {
                report.notices.push(super::inbox::Notice { lead_id: lead.id, name: lead.name.clone(), grade: lead.grade, text: String::new() });
            }
        }
        MailTaken::OptedOut { .. } => report.opt_outs += 1,
        MailTaken::Bounce { .. } => report.bounces += 1,
        MailTaken::AlreadySeen | MailTaken::Ignored { .. } => {}
    }
}

/// The mail one due message becomes: the account's address with the agent's name, the
/// subject (the step's in the lead's language, a listing's title for an alert, else a default),
/// our Message-ID, and `In-Reply-To` the lead's latest mail when there is one.
pub fn out_mail(conn: &Connection, ws: &Workspace, ch: &Channels, due: &crate::outbox::Due, to: &str) -> Result<OutMail> {
    let mail = ch.email.as_ref().ok_or_else(|| Error::validation("provider", "email is not set up"))?;
    let domain = mail.client.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
    let message_id = email_in::message_id(ws, due.id, domain);
    let lead = crate::leads::get(conn, ws, due.lead_id)?;
    let subject = subject_for(conn, ws, &lead, due)?;
    Ok(OutMail {
        to: to.to_string(),
        from_name: ws.agent_name.clone().filter(|n| !n.trim().is_empty()),
        subject,
        body: due.body.clone(),
        message_id,
        in_reply_to: email_in::last_mail_of(conn, ws, due.lead_id)?,
    })
}

/// A message's subject: its step's for the lead's language (with its variables), else the
/// title of the listing an alert is about, else "A message from <agent>" in the lead's
/// language.
pub fn subject_for(conn: &Connection, ws: &Workspace, lead: &crate::leads::Lead, due: &crate::outbox::Due) -> Result<String> {
    use crate::followups::templates::{self, Context};
    use crate::model::Language;
    // A listing gone since its alert was queued leaves the default subject.
    let property = due.property_id.and_then(|p| crate::listings::properties::get(conn, ws, p).ok());
    let ctx = Context { lead, workspace: ws, property: property.as_ref() };
    let language = ctx.language();
    if let (Some(c), Some(p)) = (due.campaign_id, due.campaign_step) {
        if let Some(step) = crate::followups::steps_of(conn, c)?.into_iter().find(|s| s.position == p) {
            let own = match language {
                Language::En => &step.subject_en,
                Language::Fa => &step.subject_fa,
                Language::Ar => &step.subject_ar,
            };
            let own = if own.trim().is_empty() { &step.subject_en } else { own };
            let rendered = templates::render(own, &ctx);
            if !rendered.trim().is_empty() {
                return Ok(one_line(&rendered));
            }
        }
    }
    if let Some(p) = &property {
        return Ok(one_line(&p.title));
    }
    let who = ws.agent_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| ws.name.clone());
    Ok(match language {
        Language::En => format!("A message from {who}"),
        Language::Fa => format!("پیامی از {who}"),
        Language::Ar => format!("رسالة من {who}"),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_nothing_else() {
        let c = Cursor { uid_validity: 1_700_000_000, last_uid: 42 };
        assert_eq!(Cursor::parse(Some(&c.to_text())), Some(c));
        assert_eq!(Cursor::parse(Some("12")), None);
        assert_eq!(Cursor::parse(Some("x:1")), None);
        assert_eq!(Cursor::parse(None), None);
    }
}
