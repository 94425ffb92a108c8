//! Enquiry mails Leadbook could not read (a portal's or a lead sender's mail with no phone and
//! no email in it, a layout that drifted): kept with their text for the agent, never dropped,
//! until the agent dismisses one or adds it as a lead.

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::Portal;
use crate::store::rows::opt_enum_col;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

/// The most of a mail's text kept for the agent (characters).
pub const MAX_RAW_TEXT: usize = 100_000;

/// A mail in the unparsed list.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "UnparsedMail")]
pub struct Unparsed {
    pub id: i64,
    pub received_at: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub portal: Option<Portal>,
    /// Why it could not be read.
    pub reason: String,
    /// The mail's text (HTML made text), to be shown as text.
    pub raw_text: String,
    /// Dismissed or added as a lead.
    pub resolved: bool,
    /// The lead the agent made of it.
    pub lead_id: Option<i64>,
}

/// What is kept of a mail that could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewUnparsed<'a> {
    pub from: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub portal: Option<Portal>,
    pub reason: &'a str,
    pub raw_text: &'a str,
}

/// Keeps a mail in the unparsed list; its id.
pub fn add(conn: &Connection, ws: &Workspace, m: &NewUnparsed, now: DateTime<Utc>) -> Result<i64> {
    let line = |s: Option<&str>| crate::model::normalize::text(s).map(|v| v.chars().take(1000).collect::<String>());
    let text: String = crate::model::normalize::multiline(Some(m.raw_text)).unwrap_or_default().chars().take(MAX_RAW_TEXT).collect();
    conn.prepare_cached(
        "INSERT INTO unparsed_mail (workspace_id, received_at, sender, subject, portal, reason, raw_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![ws.id, fmt_time(now), line(m.from), line(m.subject), m.portal, m.reason, text])?;
    Ok(conn.last_insert_rowid())
}

const COLUMNS: &str = "id, received_at, sender, subject, portal, reason, raw_text, resolved_at IS NOT NULL, lead_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Unparsed> {
    Ok(Unparsed {
        id: r.get(0)?,
        received_at: r.get(1)?,
        from: r.get(2)?,
        subject: r.get(3)?,
        portal: opt_enum_col(r, 4, Portal::parse)?,
        reason: r.get(5)?,
        raw_text: r.get(6)?,
        resolved: r.get(7)?,
        lead_id: r.get(8)?,
    })
}

/// The workspace's unparsed mails, newest first: the open ones, or (`all`) every one.
pub fn list(conn: &Connection, ws: &Workspace, all: bool) -> Result<Vec<Unparsed>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM unparsed_mail WHERE workspace_id = ?1 AND (?2 OR resolved_at IS NULL) ORDER BY received_at DESC, id DESC"
        ))?
        .query_map(params![ws.id, all], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Mail `id` of the workspace; one of another workspace is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Unparsed> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM unparsed_mail WHERE workspace_id = ?1 AND id = ?2"))?
        .query_row(params![ws.id, id], row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Mail, id))
}

/// The agent dealt with mail `id`: dismissed it, or (`lead_id`) made that lead of it.
pub fn resolve(conn: &Connection, ws: &Workspace, id: i64, lead_id: Option<i64>, now: DateTime<Utc>) -> Result<Unparsed> {
    get(conn, ws, id)?;
    conn.prepare_cached(
        "UPDATE unparsed_mail SET resolved_at = coalesce(resolved_at, ?3), lead_id = coalesce(?4, lead_id) WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![ws.id, id, fmt_time(now), lead_id])?;
    get(conn, ws, id)
}

/// How many mails wait in the list.
pub fn open_count(conn: &Connection, ws: &Workspace) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM unparsed_mail WHERE workspace_id = ?1 AND resolved_at IS NULL", [ws.id], |r| r.get(0))?)
}
