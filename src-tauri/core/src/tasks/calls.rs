//! Calls the agent logs (SPEC §13). A call is a contact: an unanswered one counts in the UAE
//! pacing with the automatic messages (see [`unanswered_counts`] and the tick). What an outcome
//! does to the lead (contacted, do not market, an unusable number) is
//! [`crate::workflows::log_call`]'s part.

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

text_enum!(
    /// How a call went.
    CallOutcome { Answered = "answered", NoAnswer = "no_answer", Busy = "busy", Declined = "declined", WrongNumber = "wrong_number" }
);

/// The longest call that can be logged: a day.
pub const MAX_DURATION_S: i64 = 24 * 3600;

/// A logged call.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Call {
    pub id: i64,
    pub lead_id: i64,
    pub outcome: CallOutcome,
    pub notes: Option<String>,
    pub duration_s: Option<i64>,
    pub at: String,
}

/// Records a call with lead `lead_id` (which the caller has checked is this workspace's).
pub fn insert(conn: &Connection, ws: &Workspace, lead_id: i64, outcome: CallOutcome, notes: Option<&str>, duration_s: Option<i64>, now: DateTime<Utc>) -> Result<i64> {
    if let Some(d) = duration_s {
        if !(0..=MAX_DURATION_S).contains(&d) {
            return Err(Error::validation("duration", format!("a call lasts 0 to {MAX_DURATION_S} seconds")));
        }
    }
    let notes = notes.map(str::trim).filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > crate::leads::validate::MAX_NOTES) {
        return Err(Error::validation("notes", format!("a call's notes are at most {} characters", crate::leads::validate::MAX_NOTES)));
    }
    conn.prepare_cached("INSERT INTO calls (workspace_id, lead_id, outcome, notes, duration_s, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![ws.id, lead_id, outcome, notes, duration_s, fmt_time(now)])?;
    Ok(conn.last_insert_rowid())
}

/// The lead's calls, newest first.
pub fn of_lead(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<Vec<Call>> {
    let rows = conn
        .prepare_cached("SELECT id, lead_id, outcome, notes, duration_s, at FROM calls WHERE workspace_id = ?1 AND lead_id = ?2 ORDER BY at DESC, id DESC")?
        .query_map(params![ws.id, lead_id], |r| {
            Ok(Call {
                id: r.get(0)?,
                lead_id: r.get(1)?,
                outcome: crate::store::rows::enum_col(r, 2, CallOutcome::parse)?,
                notes: r.get(3)?,
                duration_s: r.get(4)?,
                at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The lead's unanswered calls (every outcome but `answered`) since `day_start` and since
/// `week_start`: contacts for pacing, like the automatic messages.
pub fn unanswered_counts(conn: &Connection, ws: &Workspace, lead_id: i64, day_start: DateTime<Utc>, week_start: DateTime<Utc>) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE at >= ?3), count(*) FROM calls
             WHERE lead_id = ?1 AND workspace_id = ?4 AND at > ?2 AND outcome != ?5",
        )?
        .query_row(params![lead_id, fmt_time(week_start), fmt_time(day_start), ws.id, CallOutcome::Answered], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
