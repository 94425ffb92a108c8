//! A lead's history: created, merged, status changed, replied, edited. Messages join it later.

use crate::clock::fmt_time;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(rename = "TimelineEntry")]
pub struct Entry {
    pub at: String,
    pub kind: String,
    pub detail: String,
    /// For a reply: what it says (interested, asks_later, not_interested, opt_out,
    /// wrong_number, unclear), from the on-device classifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reply_class: Option<String>,
}

pub fn add(conn: &Connection, workspace_id: i64, lead_id: i64, at: DateTime<Utc>, kind: &str, detail: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO timeline (workspace_id, lead_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![workspace_id, lead_id, fmt_time(at), kind, detail])?;
    Ok(())
}

/// A reply, with what the classifier made of it.
pub fn add_reply(conn: &Connection, workspace_id: i64, lead_id: i64, at: DateTime<Utc>, detail: &str, class: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO timeline (workspace_id, lead_id, at, kind, detail, reply_class) VALUES (?1, ?2, ?3, 'replied', ?4, ?5)")?
        .execute(params![workspace_id, lead_id, fmt_time(at), detail, class])?;
    Ok(())
}

/// The lead's history, newest first. The caller has already checked the lead is in the workspace;
/// the workspace filter here is a second lock on the same door.
pub fn of_lead(conn: &Connection, workspace_id: i64, lead_id: i64) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, detail, reply_class FROM timeline WHERE workspace_id = ?1 AND lead_id = ?2 ORDER BY at DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![workspace_id, lead_id], |r| Ok(Entry { at: r.get(0)?, kind: r.get(1)?, detail: r.get(2)?, reply_class: r.get(3)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
