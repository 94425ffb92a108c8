//! The manager's view of one workspace: leads per grade, status and source, follow-ups due,
//! replies this week, messages waiting. Each figure is an index-only query.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::model::{Grade, Source, Status};
use crate::workspace::Workspace;
use chrono::{DateTime, Datelike, Duration, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use serde::Serialize;
use ts_rs::TS;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Dashboard {
    #[ts(as = "BTreeMap<Grade, i64>")]
    pub grades: BTreeMap<&'static str, i64>,
    pub due_today: i64,
    pub overdue: i64,
    #[ts(as = "BTreeMap<Status, i64>")]
    pub by_status: BTreeMap<&'static str, i64>,
    #[ts(as = "BTreeMap<Source, i64>")]
    pub by_source: BTreeMap<&'static str, i64>,
    pub outbox_waiting: i64,
    pub replies_this_week: i64,
    pub total_leads: i64,
    /// The last 12 weeks (Monday to Sunday, local time), oldest first: the chart of new leads
    /// and replies over time.
    pub weeks: Vec<Week>,
    /// Deals by stage (count, value, expected commission) and the commission earned this
    /// month and this year (local time).
    pub pipeline: crate::tasks::deals::Pipeline,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Week {
    /// The Monday the week starts on, as YYYY-MM-DD in the workspace's time zone.
    pub week: String,
    pub new_leads: i64,
    pub replies: i64,
}

pub const CHART_WEEKS: i64 = 12;

/// Leads per grade, from the score index (a grade is a score range): one row per distinct
/// score, bucketed here.
fn grade_counts(conn: &Connection, ws: i64) -> Result<BTreeMap<&'static str, i64>> {
    let mut out: BTreeMap<&'static str, i64> = Grade::ALL.iter().map(|g| (g.as_str(), 0)).collect();
    let mut stmt = conn.prepare_cached("SELECT score, count(*) FROM leads WHERE workspace_id = ?1 GROUP BY score")?;
    let mut rows = stmt.query([ws])?;
    while let Some(r) = rows.next()? {
        let (score, n): (Option<i64>, i64) = (r.get(0)?, r.get(1)?);
        *out.entry(Grade::of(score).as_str()).or_insert(0) += n;
    }
    Ok(out)
}

/// The start of the current week (Monday 00:00) and the end of today, in the workspace's zone.
fn local_bounds(ws: &Workspace, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = ws.local_day(now);
    let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    (ws.day_start(monday), ws.day_start(today + Duration::days(1)))
}

pub fn compute(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Dashboard> {
    let grades = grade_counts(conn, ws.id)?;
    let (week_start, tomorrow) = local_bounds(ws, now);
    let count = |sql: &str, times: &[DateTime<Utc>]| -> Result<i64> {
        let mut args = vec![Value::Integer(ws.id)];
        args.extend(times.iter().map(|t| Value::Text(fmt_time(*t))));
        Ok(conn.prepare_cached(sql)?.query_row(params_from_iter(args), |r| r.get(0))?)
    };
    let due_today = count(
        "SELECT count(*) FROM leads WHERE workspace_id = ?1 AND next_followup_at >= ?2 AND next_followup_at < ?3",
        &[now, tomorrow],
    )?;
    let overdue = count(
        "SELECT count(*) FROM leads WHERE workspace_id = ?1 AND next_followup_at IS NOT NULL AND next_followup_at < ?2",
        &[now],
    )?;
    let replies_this_week = count(
        "SELECT count(*) FROM timeline WHERE kind = 'replied' AND workspace_id = ?1 AND at >= ?2 AND at <= ?3",
        &[week_start, now],
    )?;
    let monday_local = ws.local_day(week_start);
    let mut weeks = Vec::with_capacity(CHART_WEEKS as usize);
    for back in (0..CHART_WEEKS).rev() {
        let day = monday_local - Duration::weeks(back);
        let (from, to) = (ws.day_start(day), ws.day_start(day + Duration::weeks(1)));
        weeks.push(Week {
            week: day.format("%Y-%m-%d").to_string(),
            new_leads: count("SELECT count(*) FROM leads WHERE workspace_id = ?1 AND created_at >= ?2 AND created_at < ?3", &[from, to])?,
            replies: count(
                "SELECT count(*) FROM timeline WHERE kind = 'replied' AND workspace_id = ?1 AND at >= ?2 AND at < ?3",
                &[from, to],
            )?,
        });
    }
    // Funnel and sources from one scan of the (workspace, status, source) index.
    let mut by_status: BTreeMap<&'static str, i64> = Status::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    let mut by_source: BTreeMap<&'static str, i64> = Source::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    {
        let mut stmt = conn.prepare_cached("SELECT status, source, count(*) FROM leads WHERE workspace_id = ?1 GROUP BY status, source")?;
        let mut rows = stmt.query([ws.id])?;
        while let Some(r) = rows.next()? {
            let (status, source, n): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if let Ok(s) = Status::parse("status", &status) {
                *by_status.entry(s.as_str()).or_insert(0) += n;
            }
            if let Ok(s) = Source::parse("source", &source) {
                *by_source.entry(s.as_str()).or_insert(0) += n;
            }
        }
    }
    Ok(Dashboard {
        weeks,
        total_leads: grades.values().sum(),
        grades,
        due_today,
        overdue,
        by_status,
        by_source,
        outbox_waiting: crate::outbox::waiting(conn, ws)?,
        replies_this_week,
        pipeline: {
            let today = ws.local_day(now);
            let month = today.with_day(1).unwrap_or(today);
            let year = today.with_ordinal(1).unwrap_or(today);
            crate::tasks::deals::pipeline(conn, ws, ws.day_start(month), ws.day_start(year))?
        },
    })
}
