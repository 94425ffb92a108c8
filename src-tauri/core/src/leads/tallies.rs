//! The leads' tallies (`lead_tallies`): how many leads of a workspace have each status, source,
//! score and do-not-market mark together. Triggers of the schema (migration 24) keep them in
//! the same transaction as every insert, change and delete of a lead, whichever code or process
//! writes it; this module only reads them, so a count never depends on a write path
//! remembering to keep it.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::model::{Grade, Source, Status};
use crate::workspace::Workspace;
use rusqlite::types::Value;
use chrono::{DateTime, DurationRound, Utc};
use rusqlite::{params_from_iter, Connection};

/// One cell of the tallies: `n` leads with these values (`score` `None`: never scored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub status: String,
    pub source: String,
    pub score: Option<i64>,
    pub do_not_market: bool,
    pub n: i64,
}

/// Every non-empty cell of the workspace's tallies.
pub fn all(conn: &Connection, ws: &Workspace) -> Result<Vec<Tally>> {
    let mut stmt = conn.prepare_cached("SELECT status, source, score, dnm, n FROM lead_tallies WHERE workspace_id = ?1 AND n > 0")?;
    let rows = stmt
        .query_map([ws.id], |r| {
            let score: i64 = r.get(2)?;
            Ok(Tally { status: r.get(0)?, source: r.get(1)?, score: (score >= 0).then_some(score), do_not_market: r.get(3)?, n: r.get(4)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// How many leads of the workspace pass the lead list's filters (no search text): what
/// `SELECT count(*) FROM leads WHERE …` would answer, from the tallies. A grade is a score range
/// (a lead never scored is in none, as in the list's filter).
pub fn count(conn: &Connection, ws: &Workspace, grade: Option<Grade>, status: Option<Status>, source: Option<Source>, do_not_market: Option<bool>) -> Result<i64> {
    let mut sql = String::from("SELECT coalesce(sum(n), 0) FROM lead_tallies WHERE workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if let Some(g) = grade {
        let (lo, hi) = g.score_range();
        sql.push_str(" AND score BETWEEN ? AND ?");
        args.extend([Value::Integer(lo.max(0)), Value::Integer(hi)]);
    }
    if let Some(s) = status {
        sql.push_str(" AND status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(s) = source {
        sql.push_str(" AND source = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(d) = do_not_market {
        sql.push_str(" AND dnm = ?");
        args.push(Value::Integer(d.into()));
    }
    Ok(conn.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?)
}

/// What `lead_hours` counts per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hours {
    /// Leads by the hour they were created.
    Created,
    /// Leads by the hour their next follow-up is due (those with one).
    NextFollowup,
    /// Leads not answered yet, by the hour they arrived (their creation if they never made an
    /// enquiry) and their source.
    Unanswered,
}

impl Hours {
    fn kind(self) -> &'static str {
        match self {
            Hours::Created => "created",
            Hours::NextFollowup => "next",
            Hours::Unanswered => "unanswered",
        }
    }

    /// The leads' condition and time column this kind counts by, as the leads' indexes have them.
    fn leads_sql(self) -> (&'static str, &'static str) {
        match self {
            Hours::Created => ("1", "created_at"),
            Hours::NextFollowup => ("next_followup_at IS NOT NULL", "next_followup_at"),
            Hours::Unanswered => ("first_answered_at IS NULL", "coalesce(arrived_at, created_at)"),
        }
    }
}

fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(chrono::Duration::hours(1)).unwrap_or(t)
}

fn hour_key(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H").to_string()
}

/// How many leads of the workspace `kind` counts at times in `[from, to)` (either end open),
/// for a source in `sources` when `kind` is [`Hours::Unanswered`]. The whole hours come from
/// the tallies; the partial hours at either end are counted from the leads' own index.
pub fn between(conn: &Connection, ws: &Workspace, kind: Hours, sources: &[Source], from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<i64> {
    let lo = from.map(|f| if hour_floor(f) == f { f } else { hour_floor(f) + chrono::Duration::hours(1) });
    let hi = to.map(hour_floor);
    if let (Some(l), Some(h)) = (lo, hi) {
        if l >= h {
            return counted(conn, ws, kind, sources, from, to);
        }
    }
    let mut sql = String::from("SELECT coalesce(sum(n), 0) FROM lead_hours WHERE workspace_id = ? AND kind = ?");
    let mut args = vec![Value::Integer(ws.id), Value::Text(kind.kind().into())];
    for (t, op) in [(lo, ">="), (hi, "<")] {
        if let Some(t) = t {
            sql.push_str(&format!(" AND hour {op} ?"));
            args.push(Value::Text(hour_key(t)));
        }
    }
    push_sources(&mut sql, &mut args, kind, sources, true);
    let mut n: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?;
    if let (Some(f), Some(l)) = (from, lo) {
        if f < l {
            n += counted(conn, ws, kind, sources, Some(f), Some(l))?;
        }
    }
    if let (Some(h), Some(t)) = (hi, to) {
        if h < t {
            n += counted(conn, ws, kind, sources, Some(h), Some(t))?;
        }
    }
    Ok(n)
}

/// The sources an unanswered count is for; the other kinds' tallies have source `''`.
fn push_sources(sql: &mut String, args: &mut Vec<Value>, kind: Hours, sources: &[Source], tallies: bool) {
    if kind == Hours::Unanswered {
        let marks = vec!["?"; sources.len()].join(", ");
        sql.push_str(&format!(" AND source IN ({marks})"));
        args.extend(sources.iter().map(|s| Value::Text(s.as_str().into())));
    } else if tallies {
        sql.push_str(" AND source = ''");
    }
}

/// The same count read from the leads (through the index of `kind`'s column).
fn counted(conn: &Connection, ws: &Workspace, kind: Hours, sources: &[Source], from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<i64> {
    let (cond, col) = kind.leads_sql();
    let mut sql = format!("SELECT count(*) FROM leads WHERE workspace_id = ? AND {cond}");
    let mut args = vec![Value::Integer(ws.id)];
    for (t, op) in [(from, ">="), (to, "<")] {
        if let Some(t) = t {
            sql.push_str(&format!(" AND {col} {op} ?"));
            args.push(Value::Text(fmt_time(t)));
        }
    }
    push_sources(&mut sql, &mut args, kind, sources, false);
    Ok(conn.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?)
}

/// Counts every lead of workspace `ws` into its tallies again, from nothing: the data step of
/// migration 24 and the end of a bulk import (which writes its rows with the triggers off).
///
/// One read of the table in its own order, counted here: one `GROUP BY` a tally (four) each
/// walked an index and sorted, 6.5 s for a 1 000 000-lead import against 1 s for this. The
/// counts are those of the triggers' definitions (schema, migration 24): the hour is the
/// first 13 characters of the time.
pub fn rebuild(conn: &Connection, ws: i64) -> Result<()> {
    use std::collections::HashMap;
    /// Each distinct text once (a book has a handful of statuses, sources and hours).
    #[derive(Default)]
    struct Names(HashMap<String, usize>, Vec<String>);
    impl Names {
        fn id(&mut self, s: &str) -> usize {
            if let Some(i) = self.0.get(s) {
                return *i;
            }
            self.1.push(s.to_string());
            self.0.insert(s.to_string(), self.1.len() - 1);
            self.1.len() - 1
        }
    }
    fn hour(t: &str) -> &str {
        t.char_indices().nth(13).map_or(t, |(i, _)| &t[..i])
    }
    let mut names = Names::default();
    let mut tallies: HashMap<(usize, usize, i64, bool), i64> = HashMap::new();
    // (kind, hour, source): kind 0 created, 1 next, 2 unanswered.
    let mut hours: HashMap<(u8, usize, usize), i64> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT status, source, coalesce(score, -1), do_not_market_at IS NOT NULL, created_at, next_followup_at,
                first_answered_at IS NULL, coalesce(arrived_at, created_at)
         FROM leads NOT INDEXED WHERE workspace_id = ?1",
    )?;
    let mut rows = stmt.query([ws])?;
    let none = names.id("");
    while let Some(r) = rows.next()? {
        let text = |i: usize| -> rusqlite::Result<Option<&str>> { Ok(r.get_ref(i)?.as_str_or_null()?) };
        let (status, source) = (names.id(text(0)?.unwrap_or_default()), names.id(text(1)?.unwrap_or_default()));
        *tallies.entry((status, source, r.get(2)?, r.get(3)?)).or_default() += 1;
        let mut count = |kind: u8, t: Option<&str>, source: usize| {
            if let Some(t) = t {
                let h = names.id(hour(t));
                *hours.entry((kind, h, source)).or_default() += 1;
            }
        };
        count(0, text(4)?, none);
        count(1, text(5)?, none);
        if r.get::<_, bool>(6)? {
            count(2, text(7)?, source);
        }
    }
    drop(rows);
    conn.prepare_cached("DELETE FROM lead_tallies WHERE workspace_id = ?1")?.execute([ws])?;
    conn.prepare_cached("DELETE FROM lead_hours WHERE workspace_id = ?1")?.execute([ws])?;
    let mut put = conn.prepare_cached("INSERT INTO lead_tallies (workspace_id, status, source, score, dnm, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for ((status, source, score, dnm), n) in tallies {
        put.execute(rusqlite::params![ws, names.1[status], names.1[source], score, dnm, n])?;
    }
    let mut put = conn.prepare_cached("INSERT INTO lead_hours (workspace_id, kind, hour, source, n) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for ((kind, h, source), n) in hours {
        let kind = ["created", "next", "unanswered"][kind as usize];
        put.execute(rusqlite::params![ws, kind, names.1[h], names.1[source], n])?;
    }
    Ok(())
}
