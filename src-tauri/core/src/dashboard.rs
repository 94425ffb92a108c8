//! The manager's view of one workspace: leads per grade, status and source, follow-ups due,
//! replies this week, messages waiting. Counts come from the leads' tallies (`leads::tallies`), the rest from index ranges.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::model::{Grade, Source, Status};
use crate::workspace::Workspace;
use chrono::{DateTime, Datelike, Duration, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};
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

/// Leads per grade, status and source, from the leads' tallies (a grade is a score range; a
/// lead never scored grades as 0 does).
type Counts = BTreeMap<&'static str, i64>;
fn tally_counts(conn: &Connection, ws: &Workspace) -> Result<(Counts, Counts, Counts)> {
    let mut grades: Counts = Grade::ALL.iter().map(|g| (g.as_str(), 0)).collect();
    let mut by_status: Counts = Status::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    let mut by_source: Counts = Source::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    for t in crate::leads::tallies::all(conn, ws)? {
        *grades.entry(Grade::of(t.score).as_str()).or_insert(0) += t.n;
        if let Ok(s) = Status::parse("status", &t.status) {
            *by_status.entry(s.as_str()).or_insert(0) += t.n;
        }
        if let Ok(s) = Source::parse("source", &t.source) {
            *by_source.entry(s.as_str()).or_insert(0) += t.n;
        }
    }
    Ok((grades, by_status, by_source))
}

/// The start of the current week (Monday 00:00) and the end of today, in the workspace's zone.
fn local_bounds(ws: &Workspace, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = ws.local_day(now);
    let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    (ws.day_start(monday), ws.day_start(today + Duration::days(1)))
}

pub fn compute(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Dashboard> {
    let (grades, by_status, by_source) = tally_counts(conn, ws)?;
    let (week_start, tomorrow) = local_bounds(ws, now);
    let count = |sql: &str, times: &[DateTime<Utc>]| -> Result<i64> {
        let mut args = vec![Value::Integer(ws.id)];
        args.extend(times.iter().map(|t| Value::Text(fmt_time(*t))));
        Ok(conn.prepare_cached(sql)?.query_row(params_from_iter(args), |r| r.get(0))?)
    };
    use crate::leads::tallies::{between, Hours};
    let due_today = between(conn, ws, Hours::NextFollowup, &[], Some(now), Some(tomorrow))?;
    let overdue = between(conn, ws, Hours::NextFollowup, &[], None, Some(now))?;
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
            new_leads: between(conn, ws, Hours::Created, &[], Some(from), Some(to))?,
            replies: count(
                "SELECT count(*) FROM timeline WHERE kind = 'replied' AND workspace_id = ?1 AND at >= ?2 AND at < ?3",
                &[from, to],
            )?,
        });
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
    // The count from the tallies; the few shown are the oldest of the first few of each source
    // (`leads_ws_unanswered` is by source, then arrival: each source's are its first entries),
    // so the list reads a few rows per source however many leads wait.
    let came: Vec<Source> = Source::ALL.iter().copied().filter(|s| crate::workflows::comes_to_agent(*s)).collect();
    let since = now - UNANSWERED_WINDOW;
    let unanswered_total = crate::leads::tallies::between(conn, ws, crate::leads::tallies::Hours::Unanswered, &came, Some(since), None)?;
    let mut oldest: Vec<(String, Source, i64, String)> = vec![];
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, name, coalesce(arrived_at, created_at) AS arrived FROM leads
             WHERE workspace_id = ?1 AND first_answered_at IS NULL AND source = ?2 AND coalesce(arrived_at, created_at) >= ?3
             ORDER BY coalesce(arrived_at, created_at), id LIMIT {UNANSWERED_SHOWN}"
        ))?;
        for source in &came {
            let mut rows = stmt.query(params![ws.id, source, fmt_time(since)])?;
            while let Some(r) = rows.next()? {
                oldest.push((r.get(2)?, *source, r.get(0)?, r.get(1)?));
            }
        }
    }
    oldest.sort_by(|a, b| (&a.0, a.1.as_str(), a.2).cmp(&(&b.0, b.1.as_str(), b.2)));
    let unanswered = oldest
        .into_iter()
        .take(UNANSWERED_SHOWN)
        .map(|(arrived, source, id, name)| {
            let age = crate::clock::parse_time(&arrived).map(|a| (now - a).num_minutes().max(0)).unwrap_or(0);
            Unanswered { id, name, source: source.as_str().into(), arrived_at: arrived, age_minutes: age }
        })
        .collect();
    Ok(SpeedToLead { median_minutes, answered_this_week: minutes.len() as i64, unanswered, unanswered_total })
}
