//! The outbox: every message Leadbook means to send, with its state. Matching and follow-ups
//! queue; delivery (the channel issue) moves messages on.

use crate::error::Result;
use crate::store::rows::enum_col;
use crate::model::{MessageKind, MessageStatus};
use crate::workspace::Workspace;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

/// An outbox message as SPEC §9 prints it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "OutboxMessage")]
pub struct Message {
    pub id: i64,
    pub lead_id: i64,
    pub kind: MessageKind,
    pub campaign_step: Option<i64>,
    pub property_id: Option<i64>,
    pub channel: Option<String>,
    pub status: MessageStatus,
    pub body: String,
    pub queued_at: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub error: Option<String>,
    /// When a deferred message is tried again.
    pub next_attempt_at: Option<String>,
    /// For a message no provider can carry (channel `manual`): the wa.me or tel: link.
    pub manual_link: Option<String>,
    /// Where the text came from: `template`, `model` (a language model wrote it) or `agent`
    /// (edited in review); absent until drafted.
    pub draft: Option<String>,
    /// Why the template went rather than the model's text.
    pub draft_note: Option<String>,
    /// `pending` while held for the agent's review, then `approved` or `rejected`.
    pub review: Option<String>,
    /// The prompt sent to the model and its answer, for audit.
    pub llm_prompt: Option<String>,
    pub llm_answer: Option<String>,
    /// The lead's name, so a list of messages reads without a second lookup.
    pub lead_name: String,
}

const COLUMNS: &str = "o.id, o.lead_id, o.kind, o.campaign_step, o.property_id, o.channel, o.status, o.body, o.queued_at, \
    o.sent_at, o.attempts, o.error, l.name, o.next_attempt_at, o.manual_link, o.draft, o.draft_note, o.review, o.llm_prompt, o.llm_answer";

fn from_row(r: &Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        kind: enum_col(r, 2, MessageKind::parse)?,
        campaign_step: r.get(3)?,
        property_id: r.get(4)?,
        channel: r.get(5)?,
        status: enum_col(r, 6, MessageStatus::parse)?,
        body: r.get(7)?,
        queued_at: r.get(8)?,
        sent_at: r.get(9)?,
        attempts: r.get(10)?,
        error: r.get(11)?,
        lead_name: r.get(12)?,
        next_attempt_at: r.get(13)?,
        manual_link: r.get(14)?,
        draft: r.get(15)?,
        draft_note: r.get(16)?,
        review: r.get(17)?,
        llm_prompt: r.get(18)?,
        llm_answer: r.get(19)?,
    })
}

/// The workspace's messages, oldest first; only those in `status` if given; only those to
/// `lead` if given.
pub fn list(conn: &Connection, ws: &Workspace, status: Option<MessageStatus>, lead: Option<i64>) -> Result<Vec<Message>> {
    let mut sql = format!("SELECT {COLUMNS} FROM outbox o JOIN leads l ON l.id = o.lead_id WHERE o.workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if let Some(s) = status {
        sql.push_str(" AND o.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(l) = lead {
        sql.push_str(" AND o.lead_id = ?");
        args.push(Value::Integer(l));
    }
    sql.push_str(" ORDER BY o.queued_at, o.id");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Messages not yet sent or given up: what "N waiting" counts.
pub fn waiting(conn: &Connection, ws: &Workspace) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE workspace_id = ?1 AND status IN ('queued', 'deferred', 'sending')")?
        .query_row([ws.id], |r| r.get(0))?)
}

/// At start-up: a message found in `sending` was being sent when the app died. Whether it
/// left is unknown, so it becomes `unknown` for the agent to confirm — never resent on its own.
/// Returns how many.
pub fn mark_interrupted(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET status = 'unknown', error = 'the app stopped while sending this message; confirm whether it arrived'
         WHERE status = 'sending'",
        [],
    )?)
}

/// The agent's answer for an `unknown` message: it did arrive (`sent`), or it did not and may
/// go again (`queued`). Only an `unknown` message can be confirmed.
pub fn confirm(conn: &Connection, ws: &Workspace, id: i64, arrived: bool, now: chrono::DateTime<chrono::Utc>) -> Result<Message> {
    let current: Option<String> = conn
        .prepare_cached("SELECT status FROM outbox WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(rusqlite::params![ws.id, id], |r| r.get(0))
        .optional()?;
    match current.as_deref() {
        None => return Err(crate::Error::not_found(crate::Entity::Message, id)),
        Some("unknown") => {}
        Some(other) => return Err(crate::Error::validation("status", format!("only a message in state unknown can be confirmed; this one is {other}"))),
    }
    let (status, sent_at) = if arrived { ("sent", Some(crate::clock::fmt_time(now))) } else { ("queued", None) };
    conn.prepare_cached("UPDATE outbox SET status = ?3, sent_at = ?4, error = NULL WHERE workspace_id = ?1 AND id = ?2")?
        .execute(rusqlite::params![ws.id, id, status, sent_at])?;
    get(conn, ws, id)
}

/// The message `id` of the workspace.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox o JOIN leads l ON l.id = o.lead_id WHERE o.workspace_id = ?1 AND o.id = ?2"))?
        .query_row(rusqlite::params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| crate::Error::not_found(crate::Entity::Message, id))
}

/// Changes a message's state by the agent's hand, if it is in one of `from`.
fn by_hand(conn: &Connection, ws: &Workspace, id: i64, from: &[&str], sql: &str, args: &[&dyn rusqlite::ToSql], verb: &str) -> Result<Message> {
    let m = get(conn, ws, id)?;
    if !from.contains(&m.status.as_str()) {
        return Err(crate::Error::validation("status", format!("a message that is {} cannot be {verb}; only {}", m.status, from.join(" or "))));
    }
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&ws.id, &id];
    all.extend_from_slice(args);
    conn.prepare_cached(sql)?.execute(all.as_slice())?;
    get(conn, ws, id)
}

/// Try a failed or deferred message again now.
pub fn retry(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    by_hand(
        conn, ws, id, &["failed", "deferred"],
        "UPDATE outbox SET status = 'queued', next_attempt_at = NULL, error = NULL, channel = CASE channel WHEN 'manual' THEN NULL ELSE channel END
         WHERE workspace_id = ?1 AND id = ?2",
        &[], "retried",
    )
}

/// The agent does not want it sent.
pub fn cancel(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    by_hand(
        conn, ws, id, &["queued", "deferred"],
        "UPDATE outbox SET status = 'failed', next_attempt_at = NULL, error = 'cancelled by the agent' WHERE workspace_id = ?1 AND id = ?2",
        &[], "cancelled",
    )
}

/// The agent sent a manual message by hand.
pub fn mark_done(conn: &Connection, ws: &Workspace, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<Message> {
    let m = get(conn, ws, id)?;
    if m.channel.as_deref() != Some("manual") {
        return Err(crate::Error::validation("channel", "only a message to send by hand can be marked as sent by hand"));
    }
    let at = crate::clock::fmt_time(now);
    let done = by_hand(
        conn, ws, id, &["queued"],
        "UPDATE outbox SET status = 'sent', sent_at = ?3, error = NULL WHERE workspace_id = ?1 AND id = ?2",
        &[&at], "marked as sent",
    )?;
    crate::leads::mark_contacted(conn, ws, m.lead_id, "manual", now)?;
    Ok(done)
}

/// Queues the alert about listing `property_id` for a lead; a lead is told about a listing
/// once (the unique key makes a second alert a no-op). How many were queued (0 or 1).
pub fn queue_alert(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: i64, body: &str, now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO outbox (workspace_id, lead_id, kind, property_id, status, body, queued_at)
         VALUES (?1, ?2, 'property', ?3, 'queued', ?4, ?5)",
    )?;
    Ok(stmt.execute(rusqlite::params![ws.id, lead_id, property_id, body, crate::clock::fmt_time(now)])?)
}

/// A merge moved lead `from` into lead `to`: its messages go too; a listing both were told
/// about stays told once (the duplicate stays with `from` and is deleted with it).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE OR IGNORE outbox SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(rusqlite::params![ws.id, from, to])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Book, FixedClock};
    use std::sync::Arc;

    #[test]
    fn a_message_left_sending_becomes_unknown_and_only_the_agent_decides_its_fate() {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let input = crate::leads::validate::LeadInput { name: Some("A".into()), phone: Some("0501234567".into()), locations: vec!["JVC".into()], ..Default::default() };
        book.add_lead(&ws, &input).unwrap();
        book.add_property(&ws, &crate::listings::properties::PropertyInput { title: Some("T".into()), location: Some("JVC".into()), price: Some(1), ..Default::default() }).unwrap();
        let id = book.outbox(&ws, None, None).unwrap()[0].id;
        book.conn().execute("UPDATE outbox SET status = 'sending'", []).unwrap();
        assert_eq!(mark_interrupted(book.conn()).unwrap(), 1);
        let m = &book.outbox(&ws, None, None).unwrap()[0];
        assert_eq!(m.status, MessageStatus::Unknown);
        assert_eq!(confirm(book.conn(), &ws, id, false, book.now()).unwrap().status, MessageStatus::Queued);
        assert_eq!(confirm(book.conn(), &ws, id, true, book.now()).unwrap_err().field(), Some("status"), "only unknown ones");
        book.conn().execute("UPDATE outbox SET status = 'unknown'", []).unwrap();
        let m = confirm(book.conn(), &ws, id, true, book.now()).unwrap();
        assert_eq!((m.status, m.sent_at.as_deref()), (MessageStatus::Sent, Some("2026-03-02T06:00:00Z")));
        let other = book.add_workspace("Other", None).unwrap();
        assert_eq!(confirm(book.conn(), &other, id, true, book.now()).unwrap_err().code(), "not_found");
    }
}
