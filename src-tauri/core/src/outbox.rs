//! The outbox: every message Leadbook means to send, with its state. Matching and follow-ups
//! queue; delivery (the channel issue) moves messages on.

use crate::error::Result;
use crate::leads::enum_col;
use crate::model::{MessageKind, MessageStatus};
use crate::workspace::Workspace;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::Serialize;

/// An outbox message as SPEC §9 prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// The lead's name, so a list of messages reads without a second lookup.
    pub lead_name: String,
}

const COLUMNS: &str = "o.id, o.lead_id, o.kind, o.campaign_step, o.property_id, o.channel, o.status, o.body, o.queued_at, \
    o.sent_at, o.attempts, o.error, l.name";

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
