//! The contact log read back (SPEC §14): the Compliance screen's pages, and the entries the
//! report a regulator is handed is written from (see `transfer::compliance`).

use super::{checks_of, Check, ContactOutcome, ContactPurpose, HoldReason};
use crate::error::{Error, Result};
use crate::store::paging::Keyset;
use crate::store::rows::{enum_col, opt_enum_col};
use crate::workspace::Workspace;
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One contact-log entry.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ContactEntry {
    pub id: i64,
    pub lead_id: i64,
    pub lead_name: String,
    pub at: String,
    /// `telegram`, `whatsapp`, `sms`, `email`, `manual` (sent by the agent's hand) or `call`.
    pub channel: String,
    pub purpose: ContactPurpose,
    pub outcome: ContactOutcome,
    pub outbox_id: Option<i64>,
    pub call_id: Option<i64>,
    /// The checks it passed, in the order they were asked.
    pub passed: Vec<Check>,
    /// The rule that held it back.
    pub held_by: Option<HoldReason>,
    /// Rules the agent's own contact (a call, a message sent by hand) did not keep.
    pub broke: Vec<Check>,
    pub detail: Option<String>,
}

/// Which entries to read; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct LogFilter {
    /// First day, inclusive (`YYYY-MM-DD`, the workspace's calendar).
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    pub lead_id: Option<i64>,
    pub channel: Option<String>,
    /// Entries held by this rule (`dncr`, `no_consent`, …), or — with a check's name
    /// (`quiet_hours`, `pacing`, …) — entries that broke it.
    pub rule: Option<String>,
    pub outcome: Option<ContactOutcome>,
}

/// A page of the log, newest first, with how many entries the filter holds in all.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ContactPage {
    pub entries: Vec<ContactEntry>,
    pub total: i64,
    pub contacts: i64,
    pub held: i64,
    /// The id the next (older) page starts below; none at the end.
    pub next: Option<i64>,
}

/// The most a page holds.
pub use crate::store::paging::MAX_PAGE;

const COLUMNS: &str = "id, lead_id, lead_name, at, channel, purpose, outcome, outbox_id, call_id, passed, held_by, broke, detail";

fn from_row(r: &Row) -> rusqlite::Result<ContactEntry> {
    Ok(ContactEntry {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        lead_name: r.get(2)?,
        at: r.get(3)?,
        channel: r.get(4)?,
        purpose: enum_col(r, 5, ContactPurpose::parse)?,
        outcome: enum_col(r, 6, ContactOutcome::parse)?,
        outbox_id: r.get(7)?,
        call_id: r.get(8)?,
        passed: checks_of(&r.get::<_, String>(9)?),
        held_by: opt_enum_col(r, 10, HoldReason::parse)?,
        broke: r.get::<_, Option<String>>(11)?.map(|b| checks_of(&b)).unwrap_or_default(),
        detail: r.get(12)?,
    })
}

fn day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| Error::validation(field, format!("'{}' is not a date (YYYY-MM-DD)", s.trim())))
}

/// The WHERE clause of `filter` and its arguments.
fn condition(ws: &Workspace, f: &LogFilter) -> Result<(String, Vec<Value>)> {
    let mut cond = String::from(" WHERE workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    let from = f.from.as_deref().map(|d| day("from", d)).transpose()?;
    let to = f.to.as_deref().map(|d| day("to", d)).transpose()?;
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            return Err(Error::validation("to", "the last day is before the first"));
        }
    }
    if let Some(d) = from {
        cond.push_str(" AND at >= ?");
        args.push(Value::Text(crate::clock::fmt_time(ws.day_start(d))));
    }
    if let Some(d) = to {
        cond.push_str(" AND at < ?");
        args.push(Value::Text(crate::clock::fmt_time(ws.day_start(d + chrono::Duration::days(1)))));
    }
    if let Some(l) = f.lead_id {
        cond.push_str(" AND lead_id = ?");
        args.push(Value::Integer(l));
    }
    if let Some(c) = f.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let known = ["telegram", "whatsapp", "sms", "email", "manual", "call"];
        if !known.contains(&c) {
            return Err(Error::validation("channel", format!("unknown channel '{c}'; allowed: {}", known.join(", "))));
        }
        cond.push_str(" AND channel = ?");
        args.push(Value::Text(c.into()));
    }
    if let Some(r) = f.rule.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        if let Ok(h) = HoldReason::parse("rule", r) {
            cond.push_str(" AND held_by = ?");
            args.push(Value::Text(h.as_str().into()));
        } else {
            let c = Check::parse("rule", r)?;
            cond.push_str(" AND (',' || broke || ',') LIKE ?");
            args.push(Value::Text(format!("%,{},%", c.as_str())));
        }
    }
    if let Some(o) = f.outcome {
        cond.push_str(" AND outcome = ?");
        args.push(Value::Text(o.as_str().into()));
    }
    Ok((cond, args))
}

/// Entries of `filter` below id `before` (from the newest when none), at most `limit`.
pub fn page(conn: &Connection, ws: &Workspace, filter: &LogFilter, before: Option<i64>, limit: usize) -> Result<ContactPage> {
    let keyset = Keyset::new(limit);
    let (cond, args) = condition(ws, filter)?;
    let (total, held): (i64, i64) = conn
        .prepare_cached(&format!("SELECT count(*), count(*) FILTER (WHERE outcome = 'held') FROM contact_log{cond}"))?
        .query_row(params_from_iter(&args), |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut sql = format!("SELECT {COLUMNS} FROM contact_log{cond}");
    let mut page_args = args;
    if let Some(b) = before {
        sql.push_str(" AND id < ?");
        page_args.push(Value::Integer(b));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    page_args.push(keyset.probe());
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&page_args), from_row)?.collect::<rusqlite::Result<_>>()?;
    let (entries, next) = keyset.take(rows, |e: &ContactEntry| e.id);
    Ok(ContactPage { entries, total, contacts: total - held, held, next })
}

/// Every entry of `filter`, oldest first, through `each`.
pub fn each_entry(conn: &Connection, ws: &Workspace, filter: &LogFilter, mut each: impl FnMut(ContactEntry) -> Result<()>) -> Result<()> {
    let (cond, args) = condition(ws, filter)?;
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM contact_log{cond} ORDER BY id"))?;
    let mut rows = stmt.query(params_from_iter(&args))?;
    while let Some(r) = rows.next()? {
        each(from_row(r)?)?;
    }
    Ok(())
}
