//! Viewings (SPEC §13): a lead, a listing, a time, how long, where to meet, and how it went.
//! Booking one also moves the lead and queues its confirmation and reminder: that is
//! [`crate::workflows::book_viewing`]'s part.

use super::parse_input_time;
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// Where a viewing stands.
    ViewingStatus { Scheduled = "scheduled", Done = "done", NoShow = "no_show", Cancelled = "cancelled" }
);

pub const DEFAULT_DURATION_MIN: i64 = 30;
pub const MAX_DURATION_MIN: i64 = 12 * 60;
pub const MAX_PLACE: usize = 300;

/// A viewing, with the names a list shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Viewing {
    pub id: i64,
    pub lead_id: i64,
    pub property_id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub duration_min: i64,
    /// The meeting point.
    pub place: Option<String>,
    pub status: ViewingStatus,
    pub created_at: String,
    pub updated_at: String,
    pub lead_name: String,
    pub property_title: String,
}

impl Viewing {
    pub fn starts(&self) -> Result<DateTime<Utc>> {
        crate::clock::parse_time(&self.at).ok_or_else(|| Error::internal(format!("bad viewing time {}", self.at)))
    }
}

/// What the agent types to book a viewing.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct ViewingInput {
    pub lead_id: i64,
    pub property_id: i64,
    /// RFC 3339.
    pub at: String,
    pub duration_min: Option<i64>,
    pub place: Option<String>,
}

const COLUMNS: &str = "v.id, v.lead_id, v.property_id, v.at, v.duration_min, v.place, v.status, v.created_at, v.updated_at, l.name, p.title";
const FROM: &str = "FROM viewings v JOIN leads l ON l.id = v.lead_id JOIN properties p ON p.id = v.property_id";

fn from_row(r: &Row) -> rusqlite::Result<Viewing> {
    Ok(Viewing {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        property_id: r.get(2)?,
        at: r.get(3)?,
        duration_min: r.get(4)?,
        place: r.get(5)?,
        status: crate::store::rows::enum_col(r, 6, ViewingStatus::parse)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        lead_name: r.get(9)?,
        property_title: r.get(10)?,
    })
}

/// Books a viewing: the lead and the listing must be this workspace's, the time still ahead.
pub fn insert(conn: &Connection, ws: &Workspace, input: &ViewingInput, now: DateTime<Utc>) -> Result<Viewing> {
    crate::leads::get(conn, ws, input.lead_id)?;
    crate::listings::properties::get(conn, ws, input.property_id)?;
    let at = parse_input_time("at", &input.at)?;
    if at <= now {
        return Err(Error::validation("at", "a viewing is booked for a time still ahead"));
    }
    let duration = input.duration_min.unwrap_or(DEFAULT_DURATION_MIN);
    if !(1..=MAX_DURATION_MIN).contains(&duration) {
        return Err(Error::validation("duration_min", format!("a viewing lasts 1 to {MAX_DURATION_MIN} minutes")));
    }
    let place = input.place.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if place.is_some_and(|p| p.chars().count() > MAX_PLACE) {
        return Err(Error::validation("place", format!("a meeting point is at most {MAX_PLACE} characters")));
    }
    let now_s = fmt_time(now);
    conn.prepare_cached(
        "INSERT INTO viewings (workspace_id, lead_id, property_id, at, duration_min, place, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![ws.id, input.lead_id, input.property_id, fmt_time(at), duration, place, ViewingStatus::Scheduled, now_s])?;
    get(conn, ws, conn.last_insert_rowid())
}

/// Viewing `id` of the workspace; another workspace's is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Viewing> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE v.workspace_id = ?1 AND v.id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Viewing, id))
}

/// Moves a viewing to `status`. A cancelled viewing stays cancelled.
pub fn set_status(conn: &Connection, ws: &Workspace, id: i64, status: ViewingStatus, now: DateTime<Utc>) -> Result<Viewing> {
    let v = get(conn, ws, id)?;
    if v.status == ViewingStatus::Cancelled && status != ViewingStatus::Cancelled {
        return Err(Error::validation("status", "a cancelled viewing stays cancelled; book a new one"));
    }
    conn.prepare_cached("UPDATE viewings SET status = ?3, updated_at = ?4 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, status, fmt_time(now)])?;
    get(conn, ws, id)
}

/// Which viewings a list shows: those starting in `from`…`to` (either end open), and only one
/// lead's or one listing's when those are given.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ViewingFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub lead: Option<i64>,
    pub property: Option<i64>,
}

/// The workspace's viewings that `filter` keeps, earliest first.
pub fn list(conn: &Connection, ws: &Workspace, filter: &ViewingFilter) -> Result<Vec<Viewing>> {
    let mut sql = format!("SELECT {COLUMNS} {FROM} WHERE v.workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if let Some(f) = filter.from {
        sql.push_str(" AND v.at >= ?");
        args.push(Value::Text(fmt_time(f)));
    }
    if let Some(t) = filter.to {
        sql.push_str(" AND v.at < ?");
        args.push(Value::Text(fmt_time(t)));
    }
    if let Some(l) = filter.lead {
        sql.push_str(" AND v.lead_id = ?");
        args.push(Value::Integer(l));
    }
    if let Some(p) = filter.property {
        sql.push_str(" AND v.property_id = ?");
        args.push(Value::Integer(p));
    }
    sql.push_str(" ORDER BY v.at, v.id");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
