//! A lead's history: created, merged, status changed, replied, edited. Messages join it later.

use crate::clock::fmt_time;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
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

/// Where a page of a lead's history starts: after the entry at `at` from `source` with row
/// `id`. The history is several sources in one order — newest first, and at the same time the
/// lead's own entries, then its tasks, then its creation — so the cursor names the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimelineCursor {
    pub at: String,
    pub source: u8,
    pub id: i64,
}

/// The sources of a history, in their order at one time.
pub const FROM_TIMELINE: u8 = 0;
pub const FROM_TASKS: u8 = 1;
pub const FROM_CREATION: u8 = 2;

/// A page of a lead's history, newest first, with how many entries it has in all and where
/// the next page starts (none at the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TimelinePage {
    pub entries: Vec<Entry>,
    pub total: i64,
    pub next: Option<TimelineCursor>,
}

/// An entry with the key it is ordered by.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub entry: Entry,
    pub cursor: TimelineCursor,
}

/// The history's order: newest first; at one time by source, then newest row first.
pub fn order(a: &Keyed, b: &Keyed) -> std::cmp::Ordering {
    b.cursor.at.cmp(&a.cursor.at).then(a.cursor.source.cmp(&b.cursor.source)).then(b.cursor.id.cmp(&a.cursor.id))
}

/// The SQL condition "comes after `after`" in [`order`] over columns `at`, `source` and `id`,
/// with its arguments; none from the start.
pub fn after_condition(after: Option<&TimelineCursor>) -> (&'static str, Vec<Value>) {
    match after {
        None => ("", Vec::new()),
        Some(c) => (
            " WHERE at < :a OR (at = :a AND (source > :s OR (source = :s AND id < :i)))",
            vec![Value::Text(c.at.clone()), Value::Integer(i64::from(c.source)), Value::Integer(c.id)],
        ),
    }
}

/// The lead's own entries and its creation after `after`, in [`order`], at most `limit` — the
/// part of a history page this module keeps (tasks add theirs).
pub fn keyed_after(conn: &Connection, workspace_id: i64, lead_id: i64, after: Option<&TimelineCursor>, limit: usize) -> Result<Vec<Keyed>> {
    let (cond, extra) = after_condition(after);
    let sql = format!(
        "SELECT at, source, id, kind, detail, reply_class FROM (
            SELECT at, {FROM_TIMELINE} AS source, id, kind, detail, reply_class FROM timeline WHERE workspace_id = :w AND lead_id = :l
            UNION ALL
            SELECT created_at, {FROM_CREATION}, id, 'created', 'source ' || source, NULL FROM leads WHERE workspace_id = :w AND id = :l
         ){cond} ORDER BY at DESC, source, id DESC LIMIT :n"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    bind_named(&mut stmt, workspace_id, lead_id, &extra, limit)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(Keyed {
            cursor: TimelineCursor { at: r.get(0)?, source: r.get(1)?, id: r.get(2)? },
            entry: Entry { at: r.get(0)?, kind: r.get(3)?, detail: r.get(4)?, reply_class: r.get(5)? },
        });
    }
    Ok(out)
}

/// Binds `:w`, `:l`, `:n` and the cursor's `:a`, `:s`, `:i` (when the statement has them).
pub fn bind_named(stmt: &mut rusqlite::CachedStatement<'_>, workspace_id: i64, lead_id: i64, cursor: &[Value], limit: usize) -> Result<()> {
    let mut bind = |name: &str, v: Value| -> Result<()> {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, v)?;
        }
        Ok(())
    };
    bind(":w", Value::Integer(workspace_id))?;
    bind(":l", Value::Integer(lead_id))?;
    bind(":n", Value::Integer(limit as i64))?;
    for (name, v) in [":a", ":s", ":i"].into_iter().zip(cursor.iter().cloned()) {
        bind(name, v)?;
    }
    Ok(())
}

/// How many entries of its own the lead has, its creation included.
pub fn count(conn: &Connection, workspace_id: i64, lead_id: i64) -> Result<i64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM timeline WHERE workspace_id = ?1 AND lead_id = ?2")?
        .query_row(params![workspace_id, lead_id], |r| r.get(0))?;
    Ok(n + 1)
}
