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

/// The rows of `rows` — a SELECT of `at`, `source`, `id` and three columns of its own, with
/// the lead as `:w` (workspace) and `:l` — after `after` (from the newest when none), in
/// [`order`], at most `limit`; `entry` makes each row's entry from its `at` and its row (the
/// three columns are 3, 4 and 5). Each source of a history reads its part of a page with it.
pub fn read_after(
    conn: &Connection,
    rows: &str,
    workspace_id: i64,
    lead_id: i64,
    after: Option<&TimelineCursor>,
    limit: usize,
    entry: impl Fn(&rusqlite::Row<'_>, String) -> rusqlite::Result<Entry>,
) -> Result<Vec<Keyed>> {
    let cond = if after.is_some() { " WHERE at < :a OR (at = :a AND (source > :s OR (source = :s AND id < :i)))" } else { "" };
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM ({rows}){cond} ORDER BY at DESC, source, id DESC LIMIT :n"))?;
    let mut args: Vec<(&str, Value)> =
        vec![(":w", Value::Integer(workspace_id)), (":l", Value::Integer(lead_id)), (":n", Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)))];
    if let Some(c) = after {
        args.extend([(":a", Value::Text(c.at.clone())), (":s", Value::Integer(i64::from(c.source))), (":i", Value::Integer(c.id))]);
    }
    for (name, v) in args {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, v)?;
        }
    }
    let mut found = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = found.next()? {
        let at: String = r.get(0)?;
        out.push(Keyed { cursor: TimelineCursor { at: at.clone(), source: r.get(1)?, id: r.get(2)? }, entry: entry(r, at)? });
    }
    Ok(out)
}

/// The lead's own entries and its creation after `after`, in [`order`], at most `limit` — the
/// part of a history page this module keeps (tasks add theirs).
pub fn keyed_after(conn: &Connection, workspace_id: i64, lead_id: i64, after: Option<&TimelineCursor>, limit: usize) -> Result<Vec<Keyed>> {
    let rows = format!(
        "SELECT at, {FROM_TIMELINE} AS source, id, kind, detail, reply_class FROM timeline WHERE workspace_id = :w AND lead_id = :l
         UNION ALL
         SELECT created_at, {FROM_CREATION}, id, 'created', 'source ' || source, NULL FROM leads WHERE workspace_id = :w AND id = :l"
    );
    read_after(conn, &rows, workspace_id, lead_id, after, limit, |r, at| Ok(Entry { at, kind: r.get(3)?, detail: r.get(4)?, reply_class: r.get(5)? }))
}

/// How many entries of its own the lead has, its creation included.
pub fn count(conn: &Connection, workspace_id: i64, lead_id: i64) -> Result<i64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM timeline WHERE workspace_id = ?1 AND lead_id = ?2")?
        .query_row(params![workspace_id, lead_id], |r| r.get(0))?;
    Ok(n + 1)
}
