//! The agent's tasks: things only a person can do, such as calling a buyer no channel reaches
//! about a listing that suits them. This module owns the `tasks` table.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

/// A "call" task for a lead (about a listing); once per lead and listing.
pub fn add_call(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: Option<i64>, detail: &str, now: DateTime<Utc>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at) VALUES (?1, ?2, ?3, 'call', ?4, ?5)",
    )?;
    Ok(stmt.execute(params![ws.id, lead_id, property_id, detail, fmt_time(now)])?)
}

/// A merge moved lead `from`'s history to lead `to`: its tasks go too (one that `to` already
/// has stays with `from` and goes with it).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE OR IGNORE tasks SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?.execute(params![ws.id, from, to])?;
    Ok(())
}
