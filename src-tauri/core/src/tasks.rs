//! The agent's tasks: things only a person can do, such as calling a buyer no channel reaches
//! about a listing that suits them, or deciding what a Telegram start link pressed by the wrong
//! account means. This module owns the `tasks` table.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

/// A "call" task for a lead (about a listing); once per lead and listing.
pub fn add_call(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: Option<i64>, detail: &str, now: DateTime<Utc>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at) VALUES (?1, ?2, ?3, ?6, ?4, ?5)",
    )?;
    Ok(stmt.execute(params![ws.id, lead_id, property_id, detail, fmt_time(now), CALL])?)
}

/// What a task asks of the agent. `call`: tell a buyer no channel reaches about a listing.
/// `telegram_link`: someone pressed Start on a lead's Telegram link and Leadbook did not link
/// them (the link was used or expired, the lead has another Telegram account, or the sender
/// already is another lead): the detail says who and which leads; only the agent can tell
/// whether to link or merge.
pub const CALL: &str = "call";
pub const TELEGRAM_LINK: &str = "telegram_link";

/// A task for the agent, as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Task {
    pub id: i64,
    pub lead_id: i64,
    pub property_id: Option<i64>,
    pub kind: String,
    pub detail: String,
    pub created_at: String,
    pub done_at: Option<String>,
}

/// A task of `kind` about lead `lead_id` (no listing). Several may exist for one lead.
pub fn add(conn: &Connection, ws: &Workspace, lead_id: i64, kind: &str, detail: &str, now: DateTime<Utc>) -> Result<i64> {
    conn.prepare_cached("INSERT INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at) VALUES (?1, ?2, NULL, ?3, ?4, ?5)")?
        .execute(params![ws.id, lead_id, kind, detail, fmt_time(now)])?;
    Ok(conn.last_insert_rowid())
}

/// The workspace's open tasks, oldest first.
pub fn open(conn: &Connection, ws: &Workspace) -> Result<Vec<Task>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, lead_id, property_id, kind, detail, created_at, done_at FROM tasks
             WHERE workspace_id = ?1 AND done_at IS NULL ORDER BY created_at, id",
        )?
        .query_map([ws.id], |r| {
            Ok(Task { id: r.get(0)?, lead_id: r.get(1)?, property_id: r.get(2)?, kind: r.get(3)?, detail: r.get(4)?, created_at: r.get(5)?, done_at: r.get(6)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A merge moved lead `from`'s history to lead `to`: its tasks go too (one that `to` already
/// has stays with `from` and goes with it).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE OR IGNORE tasks SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?.execute(params![ws.id, from, to])?;
    Ok(())
}
