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
    /// How fast the leads who came to the agent were answered (SPEC §12).
    pub speed_to_lead: SpeedToLead,
}

/// Speed to lead: from a lead's arrival to the first message sent to it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SpeedToLead {
    /// The median, in whole minutes, over the leads first answered this week; `None` when none was.
    pub median_minutes: Option<i64>,
    /// How many leads were first answered this week.
    pub answered_this_week: i64,
    /// Leads that came in the last 7 days and have had no answer yet, oldest first (at most
    /// [`UNANSWERED_SHOWN`]).
    pub unanswered: Vec<Unanswered>,
    /// All of them, shown or not.
    pub unanswered_total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Unanswered {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub arrived_at: String,
    /// Minutes since it arrived.
    pub age_minutes: i64,
}

pub const UNANSWERED_SHOWN: usize = 20;
/// How long a lead no one answered counts as a new one still waiting.
pub const UNANSWERED_WINDOW: Duration = Duration::days(7);

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
        speed_to_lead: speed_to_lead(conn, ws, week_start, now)?,
    })
}

/// Speed to lead over the leads whose source means they came to the agent.
fn speed_to_lead(conn: &Connection, ws: &Workspace, week_start: DateTime<Utc>, now: DateTime<Utc>) -> Result<SpeedToLead> {
    let sources: Vec<Value> = Source::ALL.iter().filter(|s| crate::workflows::comes_to_agent(**s)).map(|s| Value::Text(s.as_str().into())).collect();
    let marks = (0..sources.len()).map(|i| format!("?{}", i + 3)).collect::<Vec<_>>().join(", ");
    let args = |t: DateTime<Utc>| {
        let mut a = vec![Value::Integer(ws.id), Value::Text(fmt_time(t))];
        a.extend(sources.iter().cloned());
        a
    };
    let mut minutes: Vec<i64> = vec![];
    {
        let sql = format!("SELECT coalesce(arrived_at, created_at), first_answered_at FROM leads WHERE workspace_id = ?1 AND first_answered_at >= ?2 AND source IN ({marks})");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args(week_start)))?;
        while let Some(r) = rows.next()? {
            let (arrived, answered): (String, String) = (r.get(0)?, r.get(1)?);
            if let (Some(a), Some(b)) = (crate::clock::parse_time(&arrived), crate::clock::parse_time(&answered)) {
                minutes.push((b - a).num_minutes().max(0));
            }
        }
    }
    minutes.sort_unstable();
    let median_minutes = match minutes.len() {
        0 => None,
        n if n % 2 == 1 => Some(minutes[n / 2]),
        n => Some((minutes[n / 2 - 1] + minutes[n / 2]) / 2),
    };
    let mut unanswered = vec![];
    // Both read `leads_ws_unanswered`: the count from the index alone, the few shown in its order.
    let unanswered_where = format!(
        "workspace_id = ?1 AND first_answered_at IS NULL AND coalesce(arrived_at, created_at) >= ?2 AND source IN ({marks})"
    );
    let unanswered_total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM leads WHERE {unanswered_where}"))?
        .query_row(params_from_iter(args(now - UNANSWERED_WINDOW)), |r| r.get(0))?;
    {
        let sql = format!(
            "SELECT id, name, source, coalesce(arrived_at, created_at) AS arrived FROM leads WHERE {unanswered_where}
             ORDER BY coalesce(arrived_at, created_at), id LIMIT {UNANSWERED_SHOWN}"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args(now - UNANSWERED_WINDOW)))?;
        while let Some(r) = rows.next()? {
            let arrived: String = r.get(3)?;
            let age = crate::clock::parse_time(&arrived).map(|a| (now - a).num_minutes().max(0)).unwrap_or(0);
            unanswered.push(Unanswered { id: r.get(0)?, name: r.get(1)?, source: r.get(2)?, arrived_at: arrived, age_minutes: age });
        }
    }
    Ok(SpeedToLead { median_minutes, answered_this_week: minutes.len() as i64, unanswered, unanswered_total })
}
