//! Consent per lead and channel (SPEC §14): where it came from (`inbound` — the lead wrote
//! first on that channel; `enquiry` — a portal or form enquiry; `import` — a consent column;
//! `verbal` — recorded by the agent) and when. It arises by itself where it arises; the agent
//! records or withdraws it by hand.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::model::{text_enum, Channel};
use crate::store::rows::enum_col;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

text_enum!(
    /// Where a consent came from.
    ConsentSource { Inbound = "inbound", Enquiry = "enquiry", Import = "import", Verbal = "verbal" }
);

/// A lead's consent to be written to on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Consent {
    pub lead_id: i64,
    pub channel: Channel,
    pub source: ConsentSource,
    pub at: String,
}

/// Records consent that arose by itself (the lead wrote first, enquired, came with a consent
/// column): the first consent on a channel is kept, a later one does not replace it.
pub fn arise(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Channel, source: ConsentSource, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO consents (workspace_id, lead_id, channel, source, at) SELECT ?1, id, ?3, ?4, ?5 FROM leads WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, lead_id, channel, source, fmt_time(at)])?;
    Ok(())
}

/// The agent records consent by hand (`verbal`, or correcting the source): replaces what the
/// channel had. The lead must be the workspace's.
pub fn set(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Channel, source: ConsentSource, at: DateTime<Utc>) -> Result<Vec<Consent>> {
    crate::leads::get(conn, ws, lead_id)?;
    conn.prepare_cached("INSERT OR REPLACE INTO consents (workspace_id, lead_id, channel, source, at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![ws.id, lead_id, channel, source, fmt_time(at)])?;
    list(conn, ws, lead_id)
}

/// The agent withdraws a channel's consent (the lead asked, or it was recorded by mistake).
pub fn withdraw(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Channel) -> Result<Vec<Consent>> {
    crate::leads::get(conn, ws, lead_id)?;
    conn.prepare_cached("DELETE FROM consents WHERE workspace_id = ?1 AND lead_id = ?2 AND channel = ?3")?.execute(params![ws.id, lead_id, channel])?;
    list(conn, ws, lead_id)
}

/// The lead's consents, by channel.
pub fn list(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<Vec<Consent>> {
    let rows = conn
        .prepare_cached("SELECT lead_id, channel, source, at FROM consents WHERE workspace_id = ?1 AND lead_id = ?2 ORDER BY channel")?
        .query_map(params![ws.id, lead_id], |r| {
            Ok(Consent {
                lead_id: r.get(0)?,
                channel: enum_col(r, 1, Channel::parse)?,
                source: enum_col(r, 2, ConsentSource::parse)?,
                at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Whether the lead consented on `channel` — or, for what the agent sends by hand (`None`),
/// on any channel.
pub fn has(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Option<Channel>) -> Result<bool> {
    Ok(match channel {
        Some(c) => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM consents WHERE workspace_id = ?1 AND lead_id = ?2 AND channel = ?3)")?
            .query_row(params![ws.id, lead_id, c], |r| r.get(0))?,
        None => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM consents WHERE workspace_id = ?1 AND lead_id = ?2)")?
            .query_row(params![ws.id, lead_id], |r| r.get(0))?,
    })
}

/// Whether Leadbook or the agent ever wrote to the lead on `channel` before: a lead's first
/// message on a channel nobody wrote to them on is its `inbound` consent for that channel.
pub fn we_wrote_first(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Channel) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE workspace_id = ?1 AND lead_id = ?2 AND channel = ?3 AND sent_at IS NOT NULL)")?
        .query_row(params![ws.id, lead_id, channel], |r| r.get(0))?)
}

/// A message from the lead on `channel`: consent for it if the lead wrote first there.
pub fn from_inbound(conn: &Connection, ws: &Workspace, lead_id: i64, channel: Channel, at: DateTime<Utc>) -> Result<()> {
    if !we_wrote_first(conn, ws, lead_id, channel)? {
        arise(conn, ws, lead_id, channel, ConsentSource::Inbound, at)?;
    }
    Ok(())
}

/// A merge: the other lead's consents join the kept lead's (the kept lead's own win).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO consents (workspace_id, lead_id, channel, source, at)
         SELECT workspace_id, ?3, channel, source, at FROM consents WHERE workspace_id = ?1 AND lead_id = ?2",
    )?
    .execute(params![ws.id, from, to])?;
    conn.prepare_cached("DELETE FROM consents WHERE workspace_id = ?1 AND lead_id = ?2")?.execute(params![ws.id, from])?;
    Ok(())
}
