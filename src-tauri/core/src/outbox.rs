//! The outbox: every message Leadbook means to send, with its state. Matching and follow-ups
//! queue; drafting writes the text; delivery moves messages on; the agent retries, cancels,
//! confirms and reviews.
//!
//! The one module with SQL that writes `outbox`: every state change is a function here, and its
//! vocabularies (states, kinds, draft sources, reviews) are bound from their enums, so a state
//! is spelled once, in `model`.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::listings::matching::MatchAlert;
use crate::store::rows::{enum_col, opt_enum_col};
use crate::store::paging::Keyset;
use crate::store::settings::Setting;
use crate::model::{DraftSource, HoldReason, MessageKind, MessageStatus, Review};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// The channel of a message no provider can carry: the agent sends it by hand.
pub const MANUAL: &str = "manual";

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
    /// The compliance rule keeping a `held` message back (SPEC §14).
    pub held_for: Option<HoldReason>,
}

const COLUMNS: &str = "o.id, o.lead_id, o.kind, o.campaign_step, o.property_id, o.channel, o.status, o.body, o.queued_at, \
    o.sent_at, o.attempts, o.error, l.name, o.next_attempt_at, o.manual_link, o.draft, o.draft_note, o.review, o.llm_prompt, o.llm_answer, o.held_for";

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
        held_for: opt_enum_col(r, 20, HoldReason::parse)?,
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

/// Which messages a page of the outbox shows; every field narrows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct OutboxFilter {
    pub status: Option<MessageStatus>,
    pub lead_id: Option<i64>,
    /// Only the messages the agent is to send by hand (queued on channel `manual`).
    pub manual: bool,
    /// Only the messages held for the agent's review.
    pub review: bool,
    /// Only the messages a compliance rule holds back (with this reason, if given).
    pub held_for: Option<HoldReason>,
}

/// One page of the outbox, oldest first, with how many messages the filter holds in all.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OutboxPage {
    pub messages: Vec<Message>,
    pub total: i64,
    /// Where the next page starts (the last message's `queued_at` and id); none at the end.
    pub next: Option<OutboxCursor>,
}

/// A position in the outbox's order (`queued_at`, then id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxCursor {
    pub queued_at: String,
    pub id: i64,
}

/// The most a page holds.
pub use crate::store::paging::MAX_PAGE;

/// The messages of `filter` after `after` (from the start when none), at most `limit` (1 to
/// [`MAX_PAGE`]), oldest first — so a window never has to draw an outbox of any size at once.
pub fn page(conn: &Connection, ws: &Workspace, filter: &OutboxFilter, after: Option<&OutboxCursor>, limit: usize) -> Result<OutboxPage> {
    let keyset = Keyset::new(limit);
    let mut cond = String::from(" WHERE o.workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if let Some(st) = filter.status {
        cond.push_str(" AND o.status = ?");
        args.push(Value::Text(st.as_str().into()));
    }
    if let Some(l) = filter.lead_id {
        cond.push_str(" AND o.lead_id = ?");
        args.push(Value::Integer(l));
    }
    if filter.manual {
        cond.push_str(" AND o.status = ? AND o.channel = ?");
        args.push(Value::Text(MessageStatus::Queued.as_str().into()));
        args.push(Value::Text(MANUAL.into()));
    }
    if filter.review {
        cond.push_str(" AND o.status = ? AND o.review = ?");
        args.push(Value::Text(MessageStatus::Queued.as_str().into()));
        args.push(Value::Text(Review::Pending.as_str().into()));
    }
    if let Some(h) = filter.held_for {
        cond.push_str(" AND o.status = ? AND o.held_for = ?");
        args.push(Value::Text(MessageStatus::Held.as_str().into()));
        args.push(Value::Text(h.as_str().into()));
    }
    let total: i64 =
        conn.prepare_cached(&format!("SELECT count(*) FROM outbox o{cond}"))?.query_row(params_from_iter(&args), |r| r.get(0))?;
    let mut sql = format!("SELECT {COLUMNS} FROM outbox o JOIN leads l ON l.id = o.lead_id{cond}");
    let mut page_args = args;
    if let Some(c) = after {
        sql.push_str(" AND (o.queued_at, o.id) > (?, ?)");
        page_args.push(Value::Text(c.queued_at.clone()));
        page_args.push(Value::Integer(c.id));
    }
    sql.push_str(" ORDER BY o.queued_at, o.id LIMIT ?");
    page_args.push(keyset.probe());
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&page_args), from_row)?.collect::<rusqlite::Result<_>>()?;
    let (messages, next) = keyset.take(rows, |m: &Message| OutboxCursor { queued_at: m.queued_at.clone(), id: m.id });
    Ok(OutboxPage { messages, total, next })
}

/// Messages not yet sent or given up: what "N waiting" counts.
pub fn waiting(conn: &Connection, ws: &Workspace) -> Result<i64> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE workspace_id = ?1 AND status IN (?2, ?3, ?4)")?
        .query_row(params![ws.id, Queued, Deferred, Sending], |r| r.get(0))?)
}

/// How long a message may stay `sending`: longer than any request may take (the clients'
/// timeout is 30 s), so one still `sending` after it belonged to a process that died.
pub const SENDING_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

/// At start-up: a message `sending` for longer than [`SENDING_GRACE`] was being sent when the
/// app died. Whether it left is unknown, so it becomes `unknown` for the agent to confirm —
/// never resent on its own. One claimed more recently may be another process's send in flight
/// (a command-line `outbox send` while the window starts): it is left to finish. Returns how
/// many.
pub fn mark_interrupted(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    let cutoff = now - chrono::Duration::from_std(SENDING_GRACE).unwrap_or_default();
    Ok(conn.execute(
        "UPDATE outbox SET status = ?1, sending_since = NULL,
            error = 'the app stopped while sending this message; confirm whether it arrived'
         WHERE status = ?2 AND (sending_since IS NULL OR sending_since <= ?3)",
        params![MessageStatus::Unknown, MessageStatus::Sending, fmt_time(cutoff)],
    )?)
}

/// The agent's answer for an `unknown` message: it did arrive (`sent`), or it did not and may
/// go again (`queued`). Only an `unknown` message can be confirmed.
pub fn confirm(conn: &Connection, ws: &Workspace, id: i64, arrived: bool, now: DateTime<Utc>) -> Result<Message> {
    let current: Option<String> = conn
        .prepare_cached("SELECT status FROM outbox WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(params![ws.id, id], |r| r.get(0))
        .optional()?;
    match current.as_deref() {
        None => return Err(crate::Error::not_found(crate::Entity::Message, id)),
        Some(s) if s == MessageStatus::Unknown.as_str() => {}
        Some(other) => return Err(crate::Error::validation("status", format!("only a message in state unknown can be confirmed; this one is {other}"))),
    }
    let (status, sent_at) = if arrived { (MessageStatus::Sent, Some(fmt_time(now))) } else { (MessageStatus::Queued, None) };
    conn.prepare_cached("UPDATE outbox SET status = ?3, sent_at = ?4, error = NULL WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, status, sent_at])?;
    let m = get(conn, ws, id)?;
    if arrived {
        // It reached the lead: an answer, for speed to lead.
        crate::leads::note_answered(conn, ws, m.lead_id, now)?;
    }
    Ok(m)
}

/// The message `id` of the workspace.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox o JOIN leads l ON l.id = o.lead_id WHERE o.workspace_id = ?1 AND o.id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| crate::Error::not_found(crate::Entity::Message, id))
}

/// Changes a message's state by the agent's hand, if it is in one of `from`.
fn by_hand(conn: &Connection, ws: &Workspace, id: i64, from: &[MessageStatus], sql: &str, args: &[&dyn rusqlite::ToSql], verb: &str) -> Result<Message> {
    let m = get(conn, ws, id)?;
    if !from.contains(&m.status) {
        let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        return Err(crate::Error::validation("status", format!("a message that is {} cannot be {verb}; only {}", m.status, allowed.join(" or "))));
    }
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&ws.id, &id];
    all.extend_from_slice(args);
    conn.prepare_cached(sql)?.execute(all.as_slice())?;
    get(conn, ws, id)
}

/// Try a failed or deferred message again now.
pub fn retry(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    by_hand(
        conn, ws, id, &[MessageStatus::Failed, MessageStatus::Deferred],
        "UPDATE outbox SET status = ?3, next_attempt_at = NULL, error = NULL, channel = CASE channel WHEN ?4 THEN NULL ELSE channel END
         WHERE workspace_id = ?1 AND id = ?2",
        &[&MessageStatus::Queued, &MANUAL], "retried",
    )
}

/// The agent does not want it sent.
pub fn cancel(conn: &Connection, ws: &Workspace, id: i64) -> Result<Message> {
    by_hand(
        conn, ws, id, &[MessageStatus::Queued, MessageStatus::Deferred, MessageStatus::Held],
        "UPDATE outbox SET status = ?3, next_attempt_at = NULL, held_for = NULL, error = 'cancelled by the agent' WHERE workspace_id = ?1 AND id = ?2",
        &[&MessageStatus::Failed], "cancelled",
    )
}

/// The agent sent a manual message by hand.
pub fn mark_done(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<Message> {
    let m = get(conn, ws, id)?;
    if m.channel.as_deref() != Some(MANUAL) {
        return Err(crate::Error::validation("channel", "only a message to send by hand can be marked as sent by hand"));
    }
    let at = fmt_time(now);
    let done = by_hand(
        conn, ws, id, &[MessageStatus::Queued],
        "UPDATE outbox SET status = ?4, sent_at = ?3, error = NULL WHERE workspace_id = ?1 AND id = ?2",
        &[&at, &MessageStatus::Sent], "marked as sent",
    )?;
    crate::leads::mark_contacted(conn, ws, m.lead_id, "manual", now)?;
    Ok(done)
}

// --- queueing: follow-ups and listing alerts ---

/// A campaign step's message for one lead, as the tick queues it.
#[derive(Debug, Clone, Copy)]
pub struct Followup<'a> {
    pub lead_id: i64,
    pub campaign_id: i64,
    /// The step's position in its campaign.
    pub step: i64,
    /// The step's preferred channel, if it has one (else routed at delivery).
    pub channel: Option<&'a str>,
    pub body: &'a str,
    /// The A/B variant the lead gets (0 = A), under a test.
    pub variant: Option<i64>,
}

/// Queues a follow-up. A second message for the same lead, campaign and step is refused by
/// the unique key (the tick's exactly-once). The new message's id.
pub fn queue_followup(conn: &Connection, ws: &Workspace, m: &Followup, now: DateTime<Utc>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (workspace_id, lead_id, kind, campaign_step, campaign_id, channel, status, body, queued_at, variant)
         VALUES (?1, ?2, ?9, ?3, ?4, ?5, ?10, ?6, ?7, ?8)",
    )?
    .execute(params![ws.id, m.lead_id, m.step, m.campaign_id, m.channel, m.body, fmt_time(now), m.variant, MessageKind::Followup, MessageStatus::Queued])?;
    Ok(conn.last_insert_rowid())
}

/// Queues the alert about listing `property_id` for a lead; a lead is told about a listing
/// once (the unique key makes a second alert a no-op). How many were queued (0 or 1).
pub fn queue_alert(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: i64, body: &str, now: DateTime<Utc>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO outbox (workspace_id, lead_id, kind, property_id, status, body, queued_at)
         VALUES (?1, ?2, ?6, ?3, ?7, ?4, ?5)",
    )?;
    Ok(stmt.execute(params![ws.id, lead_id, property_id, body, fmt_time(now), MessageKind::Property, MessageStatus::Queued])?)
}

/// The alerts about listing `property_id`, by lead: what `property matches` shows beside each
/// buyer.
pub fn alerts_for_property(conn: &Connection, ws: &Workspace, property_id: i64) -> Result<HashMap<i64, MatchAlert>> {
    let mut stmt = conn.prepare_cached(
        "SELECT lead_id, id, status, channel, review, error, held_for FROM outbox
         WHERE workspace_id = ?1 AND property_id = ?2 AND kind = ?3",
    )?;
    let rows = stmt.query_map(params![ws.id, property_id, MessageKind::Property], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            MatchAlert {
                message_id: r.get(1)?,
                status: enum_col(r, 2, MessageStatus::parse)?,
                channel: r.get(3)?,
                review: r.get(4)?,
                error: r.get(5)?,
                held_for: opt_enum_col(r, 6, HoldReason::parse)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A merge moved lead `from` into lead `to`: its messages go too; a listing both were told
/// about stays told once (the duplicate stays with `from` and is deleted with it).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE OR IGNORE outbox SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, from, to])?;
    Ok(())
}

// --- drafting and review ---

/// A queued message no text was drafted for yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Undrafted {
    pub id: i64,
    pub lead_id: i64,
    /// The rendered template.
    pub body: String,
    pub campaign_id: Option<i64>,
}

/// Up to `limit` queued follow-ups and alerts of `ws` not drafted yet, oldest first.
pub fn undrafted(conn: &Connection, ws: &Workspace, limit: usize) -> Result<Vec<Undrafted>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, lead_id, body, campaign_id FROM outbox
             WHERE workspace_id = ?1 AND draft IS NULL AND status = ?2 AND kind IN (?3, ?4) ORDER BY id LIMIT ?5",
        )?
        .query_map(params![ws.id, MessageStatus::Queued, MessageKind::Followup, MessageKind::Property, limit as i64], |r| {
            Ok(Undrafted { id: r.get(0)?, lead_id: r.get(1)?, body: r.get(2)?, campaign_id: r.get(3)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The text drafting settled on for one message.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub body: &'a str,
    pub source: DraftSource,
    /// Why the template went rather than the model's text.
    pub note: Option<&'a str>,
    /// The prompt sent to the model and its answer, for audit.
    pub prompt: Option<&'a str>,
    pub answer: Option<&'a str>,
    /// `Some(Pending)` to hold it for the agent's review.
    pub review: Option<Review>,
}

/// Writes a message's draft, if it is still queued and undrafted (another process may have
/// drafted it meanwhile). How many were written (0 or 1).
pub fn set_draft(conn: &Connection, ws: &Workspace, id: i64, d: &Draft) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET body = ?3, draft = ?4, draft_note = ?5, llm_prompt = ?6, llm_answer = ?7, review = ?8
             WHERE workspace_id = ?1 AND id = ?2 AND draft IS NULL AND status = ?9",
        )?
        .execute(params![ws.id, id, d.body, d.source, d.note, d.prompt, d.answer, d.review, MessageStatus::Queued])?)
}

/// The agent approves a held draft, with `edited` as its text if they changed it.
pub fn approve(conn: &Connection, ws: &Workspace, id: i64, edited: Option<&str>) -> Result<()> {
    if let Some(t) = edited {
        conn.prepare_cached("UPDATE outbox SET body = ?3, draft = ?4 WHERE workspace_id = ?1 AND id = ?2")?
            .execute(params![ws.id, id, t, DraftSource::Agent])?;
    }
    conn.prepare_cached("UPDATE outbox SET review = ?3 WHERE workspace_id = ?1 AND id = ?2")?.execute(params![ws.id, id, Review::Approved])?;
    Ok(())
}

/// The agent rejects a held draft: it will never go.
pub fn reject(conn: &Connection, ws: &Workspace, id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET review = ?3, status = ?4, error = 'rejected by the agent' WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, Review::Rejected, MessageStatus::Failed])?;
    Ok(())
}

// --- delivery ---

/// A message due to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub id: i64,
    pub lead_id: i64,
    pub body: String,
    pub campaign_id: Option<i64>,
    pub campaign_step: Option<i64>,
    pub attempts: i64,
    pub queued_at: String,
    /// The listing an alert is about (its title is an email's subject).
    pub property_id: Option<i64>,
    pub kind: MessageKind,
}

fn due_from_row(r: &Row) -> rusqlite::Result<Due> {
    Ok(Due {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        body: r.get(2)?,
        campaign_id: r.get(3)?,
        campaign_step: r.get(4)?,
        attempts: r.get(5)?,
        queued_at: r.get(6)?,
        property_id: r.get(7)?,
        kind: enum_col(r, 8, MessageKind::parse)?,
    })
}

/// Up to `limit` messages of `ws` due at `now` after `after` (queued time, id), oldest first:
/// queued or deferred to no later than now, not the agent's to send by hand, not held for
/// review, and — with a language model set up — drafted.
pub fn due_page(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, after: (&str, i64), limit: usize) -> Result<Vec<Due>> {
    use MessageStatus::*;
    let rows = conn
        .prepare_cached(
            "SELECT id, lead_id, body, campaign_id, campaign_step, attempts, queued_at, property_id, kind FROM outbox
             WHERE workspace_id = ?1 AND status IN (?6, ?7) AND coalesce(channel, '') != ?8
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
               -- Held for the agent's review; or, with a language model set up, not drafted yet.
               AND coalesce(review, '') != ?9
               AND (draft IS NOT NULL OR kind NOT IN (?10, ?11)
                    OR NOT EXISTS (SELECT 1 FROM app_settings WHERE key = ?12))
               AND (queued_at > ?3 OR (queued_at = ?3 AND id > ?4))
             ORDER BY queued_at, id LIMIT ?5",
        )?
        .query_map(
            params![
                ws.id, fmt_time(now), after.0, after.1, limit as i64,
                Queued, Deferred, MANUAL, Review::Pending, MessageKind::Followup, MessageKind::Property, Setting::Llm
            ],
            due_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Message `id` of `ws` if it is still queued or deferred.
pub fn due_by_id(conn: &Connection, ws: &Workspace, id: i64) -> Result<Option<Due>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, lead_id, body, campaign_id, campaign_step, attempts, queued_at, property_id, kind FROM outbox
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?3, ?4)",
        )?
        .query_row(params![ws.id, id, MessageStatus::Queued, MessageStatus::Deferred], due_from_row)
        .optional()?)
}

/// No provider can carry the message: it becomes the agent's to send by hand (through `link`,
/// if there is one), if it is still queued or deferred. How many changed (0 or 1).
pub fn to_manual(conn: &Connection, ws: &Workspace, id: i64, link: Option<&str>) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET channel = ?4, manual_link = ?3, status = ?5, next_attempt_at = NULL,
                error = 'no channel can reach this lead: send it by hand'
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?5, ?6)",
        )?
        .execute(params![ws.id, id, link, MANUAL, Queued, Deferred])?)
}

/// A compliance rule holds a due message back: `queued|deferred → held` with `reason`. How
/// many changed (0 or 1).
pub fn hold(conn: &Connection, ws: &Workspace, id: i64, reason: HoldReason) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET status = ?3, held_for = ?4, next_attempt_at = NULL, error = NULL
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?5, ?6)",
        )?
        .execute(params![ws.id, id, Held, reason, Queued, Deferred])?)
}

/// The rule no longer holds: `held → queued`, to go when delivery next asks. How many changed.
pub fn unhold(conn: &Connection, ws: &Workspace, id: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE outbox SET status = ?3, held_for = NULL WHERE workspace_id = ?1 AND id = ?2 AND status = ?4")?
        .execute(params![ws.id, id, MessageStatus::Queued, MessageStatus::Held])?)
}

/// A message still written from its template gets `body` instead (an alert written again now
/// that its listing has a permit); a text the model or the agent wrote is left as it is.
pub fn rewrite_template(conn: &Connection, ws: &Workspace, id: i64, body: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE outbox SET body = ?3 WHERE workspace_id = ?1 AND id = ?2 AND coalesce(draft, ?4) = ?4")?
        .execute(params![ws.id, id, body, DraftSource::Template])?)
}

/// Not yet: the sending window is closed or pacing is spent. The message stays queued and is
/// asked again at `until`, `why` on it meanwhile. How many changed (0 or 1).
pub fn wait_until(conn: &Connection, ws: &Workspace, id: i64, until: DateTime<Utc>, why: &str) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached("UPDATE outbox SET status = ?5, next_attempt_at = ?3, error = ?4 WHERE workspace_id = ?1 AND id = ?2 AND status IN (?5, ?6)")?
        .execute(params![ws.id, id, fmt_time(until), why, Queued, Deferred])?)
}

/// Fails a due message that was never sent (too long for every channel that reaches its lead):
/// `queued|deferred → failed` with `reason`. The number of rows changed (0 or 1).
pub fn fail_unsent(conn: &Connection, ws: &Workspace, id: i64, reason: &str) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET status = ?4, error = ?3, next_attempt_at = NULL, manual_link = NULL
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?5, ?6)",
        )?
        .execute(params![ws.id, id, reason, Failed, Queued, Deferred])?)
}

/// Claims a due message for sending through `channel`: `queued|deferred → sending` in one
/// conditional UPDATE, so two processes never send the same message. `false` if another
/// process took it first or it is no longer due.
pub fn claim(conn: &Connection, ws: &Workspace, id: i64, channel: &str, now: DateTime<Utc>) -> Result<bool> {
    use MessageStatus::*;
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET status = ?5, sending_since = ?3, channel = ?4, attempts = attempts + 1, manual_link = NULL
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?6, ?7)
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?3)",
        )?
        .execute(params![ws.id, id, fmt_time(now), channel, Sending, Queued, Deferred])?;
    Ok(n == 1)
}

/// The provider took the message (its id for it: `provider_id`). Only a message still
/// `sending` takes a send's result: one a sweep already gave to the agent as `unknown` keeps
/// that state. Whether it took it.
pub fn settle_sent(conn: &Connection, ws: &Workspace, id: i64, provider_id: &str, now: DateTime<Utc>) -> Result<bool> {
    settle_sent_by(conn, ws, id, None, provider_id, now)
}

/// [`settle_sent`], noting which provider (`twilio`, …) took the message, so that its status
/// can be followed.
pub fn settle_sent_by(conn: &Connection, ws: &Workspace, id: i64, provider: Option<&str>, provider_id: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET status = ?5, sent_at = ?3, provider_message_id = ?4, error = NULL, next_attempt_at = NULL,
                sending_since = NULL, provider = ?7, status_checked_at = NULL WHERE workspace_id = ?1 AND id = ?2 AND status = ?6",
        )?
        .execute(params![ws.id, id, fmt_time(now), provider_id, MessageStatus::Sent, MessageStatus::Sending, provider])?;
    Ok(n == 1)
}

/// A sent message whose status is still followed with its provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Following {
    pub id: i64,
    pub lead_id: i64,
    pub channel: Option<String>,
    pub provider_message_id: String,
}

/// Messages of `ws` taken by `provider` and still only `sent` (no final status yet), sent at
/// `sent_since` or later and not asked about after `checked_before`: the least recently asked
/// first, at most `limit`.
pub fn following(conn: &Connection, ws: &Workspace, provider: &str, sent_since: DateTime<Utc>, checked_before: DateTime<Utc>, limit: usize) -> Result<Vec<Following>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, lead_id, channel, provider_message_id FROM outbox
             WHERE workspace_id = ?1 AND provider = ?2 AND status = ?3 AND provider_message_id IS NOT NULL
               AND sent_at >= ?4 AND (status_checked_at IS NULL OR status_checked_at <= ?5)
             ORDER BY status_checked_at IS NOT NULL, status_checked_at, id LIMIT ?6",
        )?
        .query_map(
            params![ws.id, provider, MessageStatus::Sent, fmt_time(sent_since), fmt_time(checked_before), limit as i64],
            |r| Ok(Following { id: r.get(0)?, lead_id: r.get(1)?, channel: r.get(2)?, provider_message_id: r.get(3)? }),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The provider was asked about a sent message at `now` (and said nothing final).
pub fn status_checked(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE outbox SET status_checked_at = ?3 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, fmt_time(now)])?;
    Ok(())
}

/// What the provider reported after the send: `delivered`, `read`, or `failed` with why — only
/// for a message still `sent` (or `delivered`, on to `read`): a state the agent set stands.
/// Whether it took it.
pub fn settle_receipt(conn: &Connection, ws: &Workspace, id: i64, status: MessageStatus, error: Option<&str>, now: DateTime<Utc>) -> Result<bool> {
    use MessageStatus::*;
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET status = ?3, error = coalesce(?4, error), status_checked_at = ?5
             WHERE workspace_id = ?1 AND id = ?2 AND status IN (?6, ?7)",
        )?
        .execute(params![ws.id, id, status, error, fmt_time(now), Sent, Delivered])?;
    Ok(n == 1)
}

/// A send that did not go: `failed`, `deferred` (to try again at `next_attempt_at`) or
/// `unknown`, with why — if the message is still `sending` (see [`settle_sent`]). Whether it
/// took it.
pub fn settle(conn: &Connection, ws: &Workspace, id: i64, status: MessageStatus, error: Option<&str>, next_attempt_at: Option<DateTime<Utc>>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET status = ?3, error = ?4, next_attempt_at = ?5, sending_since = NULL
             WHERE workspace_id = ?1 AND id = ?2 AND status = ?6",
        )?
        .execute(params![ws.id, id, status, error, next_attempt_at.map(fmt_time), MessageStatus::Sending])?;
    Ok(n == 1)
}

/// The message goes back to the queue (the channel needs the agent, or must be routed again),
/// if it is still `sending`; this attempt does not count. Whether it went back.
pub fn requeue(conn: &Connection, ws: &Workspace, id: i64, reason: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET status = ?4, error = ?3, attempts = max(attempts - 1, 0), sending_since = NULL
             WHERE workspace_id = ?1 AND id = ?2 AND status = ?5",
        )?
        .execute(params![ws.id, id, reason, MessageStatus::Queued, MessageStatus::Sending])?;
    Ok(n == 1)
}

/// Messages `sending` since `cutoff` or before (or with no claim time: written before claims
/// had one) become `unknown`. `ws` limits it to one workspace; `None` is every workspace.
/// Returns how many.
pub fn sweep_stale_sending(conn: &Connection, ws: Option<&Workspace>, cutoff: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET status = ?3, sending_since = NULL,
            error = 'Leadbook stopped while sending this message; confirm whether it arrived'
         WHERE status = ?4 AND (sending_since IS NULL OR sending_since <= ?1) AND (?2 IS NULL OR workspace_id = ?2)",
        params![fmt_time(cutoff), ws.map(|w| w.id), MessageStatus::Unknown, MessageStatus::Sending],
    )?)
}

/// How many messages of one kind a workspace has, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub status: MessageStatus,
    /// Queued, but held for the agent's review.
    pub held_for_review: bool,
    /// The agent's to send by hand.
    pub manual: bool,
    pub count: i64,
    /// The earliest retry among them.
    pub next_attempt_at: Option<String>,
}

/// The messages of `ws` still in play or given up (queued, deferred, sending, unknown,
/// failed), counted by state, review hold and manual channel.
pub fn tally(conn: &Connection, ws: &Workspace) -> Result<Vec<Tally>> {
    use MessageStatus::*;
    let rows = conn
        .prepare_cached(
            "SELECT status, coalesce(status = ?2 AND review = ?3, 0), coalesce(channel, '') = ?4, count(*), min(next_attempt_at) FROM outbox
             WHERE workspace_id = ?1 AND status IN (?5, ?6, ?7, ?8, ?9, ?10) GROUP BY 1, 2, 3",
        )?
        .query_map(params![ws.id, Queued, Review::Pending, MANUAL, Queued, Deferred, Sending, Unknown, Failed, Held], |r| {
            Ok(Tally {
                status: enum_col(r, 0, MessageStatus::parse)?,
                held_for_review: r.get(1)?,
                manual: r.get(2)?,
                count: r.get(3)?,
                next_attempt_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

// --- the agent's day: viewings, do not market, messages to send by hand ---

/// Which message of a viewing: the confirmation when it is booked, the reminder before it.
pub const VIEWING_CONFIRMATION: &str = "confirmation";
pub const VIEWING_REMINDER: &str = "reminder";

/// Queues a viewing's `part` (confirmation or reminder) for its lead, to leave no earlier than
/// `not_before` (none: now). Each part of a viewing is queued once (the unique key makes a
/// second a no-op). How many were queued (0 or 1).
#[allow(clippy::too_many_arguments)]
pub fn queue_viewing(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: i64, viewing_id: i64, part: &str, body: &str, not_before: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO outbox (workspace_id, lead_id, kind, property_id, viewing_id, viewing_part, status, body, queued_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![ws.id, lead_id, MessageKind::Viewing, property_id, viewing_id, part, MessageStatus::Queued, body, fmt_time(now), not_before.map(fmt_time)])?)
}

/// The viewing's messages not sent yet never go (it was cancelled, or is over). How many.
pub fn cancel_viewing(conn: &Connection, ws: &Workspace, viewing_id: i64, why: &str) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET status = ?3, next_attempt_at = NULL, error = ?4
             WHERE workspace_id = ?1 AND viewing_id = ?2 AND status IN (?5, ?6)",
        )?
        .execute(params![ws.id, viewing_id, Failed, why, Queued, Deferred])?)
}

/// The viewing's messages, in queueing order: (part, status, next attempt).
pub fn of_viewing(conn: &Connection, ws: &Workspace, viewing_id: i64) -> Result<Vec<(String, MessageStatus, Option<String>)>> {
    let rows = conn
        .prepare_cached("SELECT viewing_part, status, next_attempt_at FROM outbox WHERE workspace_id = ?1 AND viewing_id = ?2 ORDER BY id")?
        .query_map(params![ws.id, viewing_id], |r| Ok((r.get(0)?, enum_col(r, 1, MessageStatus::parse)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The lead is marked do not market: its automatic messages not sent yet never go. How many.
pub fn cancel_automatic(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<usize> {
    use MessageStatus::*;
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET status = ?3, next_attempt_at = NULL, held_for = NULL, error = 'the lead is marked do not market'
             WHERE workspace_id = ?1 AND lead_id = ?2 AND status IN (?4, ?5, ?9) AND kind IN (?6, ?7, ?8)",
        )?
        .execute(params![ws.id, lead_id, Failed, Queued, Deferred, MessageKind::Followup, MessageKind::Property, MessageKind::Viewing, Held])?)
}

/// Messages waiting for the agent to send by hand: how many, and the oldest `limit`.
pub fn manual_page(conn: &Connection, ws: &Workspace, limit: usize) -> Result<(i64, Vec<Message>)> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE workspace_id = ?1 AND status = ?2 AND channel = ?3")?
        .query_row(params![ws.id, MessageStatus::Queued, MANUAL], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox o JOIN leads l ON l.id = o.lead_id
             WHERE o.workspace_id = ?1 AND o.status = ?2 AND o.channel = ?3 ORDER BY o.queued_at, o.id LIMIT ?4"
        ))?
        .query_map(params![ws.id, MessageStatus::Queued, MANUAL, limit as i64], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok((count, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets a message's state whatever it was: for tests that walk a row through every state.
    fn record_outcome(conn: &Connection, ws: &Workspace, id: i64, status: MessageStatus, error: Option<&str>, next_attempt_at: Option<DateTime<Utc>>) -> Result<()> {
        conn.prepare_cached(
            "UPDATE outbox SET status = ?3, error = ?4, next_attempt_at = ?5, sending_since = NULL WHERE workspace_id = ?1 AND id = ?2",
        )?
        .execute(params![ws.id, id, status, error, next_attempt_at.map(fmt_time)])?;
        Ok(())
    }

    /// Records a message as sent whatever its state was: for tests.
    fn record_sent(conn: &Connection, ws: &Workspace, id: i64, provider_id: &str, now: DateTime<Utc>) -> Result<()> {
        conn.prepare_cached(
            "UPDATE outbox SET status = ?5, sent_at = ?3, provider_message_id = ?4, error = NULL, next_attempt_at = NULL,
                sending_since = NULL WHERE workspace_id = ?1 AND id = ?2",
        )?
        .execute(params![ws.id, id, fmt_time(now), provider_id, MessageStatus::Sent])?;
        Ok(())
    }
    use crate::{Book, FixedClock};
    use std::sync::Arc;

    /// A book with one lead and one queued listing alert for it.
    fn book_with_an_alert() -> (Book, Workspace, i64) {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let input = crate::leads::validate::LeadInput { name: Some("A".into()), phone: Some("0501234567".into()), locations: vec!["JVC".into()], ..Default::default() };
        book.add_lead(&ws, &input).unwrap();
        book.add_property(&ws, &crate::listings::properties::PropertyInput { title: Some("T".into()), location: Some("JVC".into()), price: Some(1), ..Default::default() }).unwrap();
        let id = book.outbox(&ws, None, None).unwrap()[0].id;
        (book, ws, id)
    }

    fn column<T: rusqlite::types::FromSql>(book: &Book, col: &str, id: i64) -> T {
        book.conn().query_row(&format!("SELECT {col} FROM outbox WHERE id = ?1"), [id], |r| r.get(0)).unwrap()
    }

    #[test]
    fn every_state_bound_from_its_enum_is_the_text_the_column_holds_and_reads_back() {
        let (book, ws, id) = book_with_an_alert();
        let conn = book.conn();
        assert_eq!(column::<String>(&book, "kind", id), MessageKind::Property.as_str());
        for &s in MessageStatus::ALL {
            record_outcome(conn, &ws, id, s, None, None).unwrap();
            assert_eq!(column::<String>(&book, "status", id), s.as_str(), "stored as its text");
            assert_eq!(get(conn, &ws, id).unwrap().status, s, "read back as itself");
            let found: i64 = conn.query_row("SELECT count(*) FROM outbox WHERE id = ?1 AND status = ?2", params![id, s], |r| r.get(0)).unwrap();
            assert_eq!(found, 1, "{s} bound in a WHERE finds the row");
            assert_eq!(list(conn, &ws, Some(s), None).unwrap().len(), 1);
        }
        for &source in DraftSource::ALL {
            conn.execute("UPDATE outbox SET draft = NULL, status = 'queued' WHERE id = ?1", [id]).unwrap();
            let d = Draft { body: "hi", source, note: None, prompt: None, answer: None, review: Some(Review::Pending) };
            assert_eq!(set_draft(conn, &ws, id, &d).unwrap(), 1);
            assert_eq!(get(conn, &ws, id).unwrap().draft.as_deref(), Some(source.as_str()));
            assert_eq!(get(conn, &ws, id).unwrap().review.as_deref(), Some("pending"));
        }
        approve(conn, &ws, id, Some("edited")).unwrap();
        let m = get(conn, &ws, id).unwrap();
        assert_eq!((m.body.as_str(), m.draft.as_deref(), m.review.as_deref()), ("edited", Some("agent"), Some("approved")));
        reject(conn, &ws, id).unwrap();
        let m = get(conn, &ws, id).unwrap();
        assert_eq!((m.status, m.review.as_deref()), (MessageStatus::Failed, Some("rejected")));
    }

    #[test]
    fn a_due_message_is_claimed_once_and_counted_where_the_status_line_shows_it() {
        let (book, ws, id) = book_with_an_alert();
        let conn = book.conn();
        let now = book.now();
        let due = due_page(conn, &ws, now, ("", 0), 10).unwrap();
        assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), [id]);
        assert_eq!(waiting(conn, &ws).unwrap(), 1);
        assert!(claim(conn, &ws, id, "telegram", now).unwrap());
        assert!(!claim(conn, &ws, id, "telegram", now).unwrap(), "a message is claimed once");
        assert_eq!(due_by_id(conn, &ws, id).unwrap(), None, "sending is no longer due");
        let t = tally(conn, &ws).unwrap();
        assert_eq!((t.len(), t[0].status, t[0].count, t[0].manual), (1, MessageStatus::Sending, 1, false));
        requeue(conn, &ws, id, "fix the channel").unwrap();
        assert_eq!(to_manual(conn, &ws, id, Some("tel:+971501234567")).unwrap(), 1);
        let m = get(conn, &ws, id).unwrap();
        assert_eq!((m.status, m.channel.as_deref(), m.attempts), (MessageStatus::Queued, Some(MANUAL), 0));
        assert!(due_page(conn, &ws, now, ("", 0), 10).unwrap().is_empty(), "the agent's to send by hand");
        let t = tally(conn, &ws).unwrap();
        assert_eq!((t.len(), t[0].status, t[0].manual, t[0].held_for_review), (1, MessageStatus::Queued, true, false));
        record_sent(conn, &ws, id, "p-1", now).unwrap();
        assert_eq!(column::<String>(&book, "provider_message_id", id), "p-1");
        assert!(tally(conn, &ws).unwrap().is_empty(), "sent is not in play");
    }

    #[test]
    fn a_message_left_sending_becomes_unknown_and_only_the_agent_decides_its_fate() {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let input = crate::leads::validate::LeadInput { name: Some("A".into()), phone: Some("0501234567".into()), locations: vec!["JVC".into()], ..Default::default() };
        book.add_lead(&ws, &input).unwrap();
        book.add_property(&ws, &crate::listings::properties::PropertyInput { title: Some("T".into()), location: Some("JVC".into()), price: Some(1), ..Default::default() }).unwrap();
        let id = book.outbox(&ws, None, None).unwrap()[0].id;
        book.conn().execute("UPDATE outbox SET status = 'sending'", []).unwrap();
        assert_eq!(mark_interrupted(book.conn(), book.now()).unwrap(), 1);
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

    #[test]
    fn only_a_message_still_sending_takes_a_sends_result() {
        let (book, ws, id) = book_with_an_alert();
        let conn = book.conn();
        let now = book.now();
        assert!(claim(conn, &ws, id, "telegram", now).unwrap());
        // A sweep (another process, or a start-up) gave it to the agent meanwhile.
        conn.execute("UPDATE outbox SET status = 'unknown'", []).unwrap();
        assert!(!settle_sent(conn, &ws, id, "p-1", now).unwrap());
        assert!(!settle(conn, &ws, id, MessageStatus::Deferred, Some("later"), Some(now)).unwrap());
        assert!(!requeue(conn, &ws, id, "again").unwrap());
        let m = get(conn, &ws, id).unwrap();
        assert_eq!((m.status, m.error), (MessageStatus::Unknown, None), "the agent's question stands");
        conn.execute("UPDATE outbox SET status = 'sending'", []).unwrap();
        assert!(settle_sent(conn, &ws, id, "p-1", now).unwrap());
        assert_eq!(get(conn, &ws, id).unwrap().status, MessageStatus::Sent);
        assert!(!settle(conn, &ws, id, MessageStatus::Failed, Some("late"), None).unwrap(), "a sent message stays sent");
        assert_eq!(get(conn, &ws, id).unwrap().status, MessageStatus::Sent);
    }

    #[test]
    fn the_start_up_sweep_leaves_a_send_in_flight_of_another_process_alone() {
        let (book, ws, id) = book_with_an_alert();
        let conn = book.conn();
        let now = book.now();
        // A command-line send claimed it 30 seconds ago and is waiting for the provider.
        assert!(claim(conn, &ws, id, "telegram", now - chrono::Duration::seconds(30)).unwrap());
        assert_eq!(mark_interrupted(conn, now).unwrap(), 0, "a window starting now does not flag it");
        assert_eq!(get(conn, &ws, id).unwrap().status, MessageStatus::Sending);
        // Still sending after the grace: whoever sent it died.
        assert_eq!(mark_interrupted(conn, now + chrono::Duration::seconds(91)).unwrap(), 1);
        assert_eq!(get(conn, &ws, id).unwrap().status, MessageStatus::Unknown);
    }
}
