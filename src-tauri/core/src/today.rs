//! Today (SPEC §13): the screen the agent's day runs from — calls to make, messages to send by
//! hand, today's viewings, tasks due and overdue, new leads not answered yet, and replies
//! waiting for the agent. One read of the book at `now`.

use crate::clock::{fmt_time, parse_time};
use crate::error::Result;
use crate::model::{Grade, Status};
use crate::outbox::{self, Message};
use crate::tasks::viewings::{self, Viewing};
use crate::tasks::{self, Task, TaskFilter, TaskKind};
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

/// How many rows each part shows at most (the manual messages give their count too).
pub const PAGE: usize = 50;

/// A call to make: an open call task of a lead.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallToMake {
    pub task_id: i64,
    pub lead_id: i64,
    pub lead_name: String,
    pub grade: Grade,
    pub phone: Option<String>,
    pub title: String,
    pub due_at: Option<String>,
    /// Due before now.
    pub overdue: bool,
    /// Outside the calling window: when it opens (the row waits until then).
    pub waits_until: Option<String>,
    /// A call held back by a compliance rule (the number is on the Do Not Call Register): shown
    /// with its reason, not offered as a call.
    pub held_for: Option<crate::model::HoldReason>,
}

/// A new lead nobody has contacted yet.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct NewLead {
    pub lead_id: i64,
    pub name: String,
    pub grade: Grade,
    pub created_at: String,
    /// Minutes since it arrived.
    pub age_minutes: i64,
}

/// A lead that wrote last: its reply waits for the agent.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReplyWaiting {
    pub lead_id: i64,
    pub name: String,
    pub grade: Grade,
    pub replied_at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Today {
    pub now: String,
    /// Whether marketing calls may be made now (the workspace's window, 09:00–18:00 by default).
    pub in_call_window: bool,
    /// When calls may be made next, if not now; `calls_wait_label` says it for people ("after 09:00").
    pub calls_wait_until: Option<String>,
    pub calls_wait_label: Option<String>,
    /// A leads first, overdue before the rest, then by due time: the first [`PAGE`].
    pub calls: Vec<CallToMake>,
    /// How many calls there are to make in all.
    pub calls_total: i64,
    pub manual_count: i64,
    pub manual: Vec<Message>,
    pub viewings: Vec<Viewing>,
    /// Other tasks due today or overdue, soonest first: the first page of `tasks::page` with
    /// the filter open, due before `tasks_before`, any kind but calls.
    pub tasks: Vec<Task>,
    pub tasks_total: i64,
    /// Where the next page of tasks starts; none at the end.
    pub tasks_next: Option<tasks::TaskCursor>,
    /// The end of the workspace's day: the tasks listed are due before it.
    pub tasks_before: String,
    /// Oldest first.
    pub new_leads: Vec<NewLead>,
    /// Newest reply first.
    pub replies: Vec<ReplyWaiting>,
}

/// How far back a reply still waits on Today.
pub const REPLY_DAYS: i64 = 30;

pub fn today(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Today> {
    let day = ws.local_day(now);
    let (day_start, tomorrow) = (ws.day_start(day), ws.day_start(day + Duration::days(1)));
    let in_window = crate::followups::in_window(ws, now);
    let opens = crate::followups::window_opens(ws, now);
    let (calls_wait_until, calls_wait_label) = if in_window { (None, None) } else { (Some(fmt_time(opens)), Some(format!("after {}", ws.quiet_start))) };

    // The calls: read a page in SQL (A leads first, overdue before the rest, then by due
    // time), never every open call task of the book; each row's lead is read for its page only.
    let calls_where = "FROM tasks t JOIN leads l ON l.id = t.lead_id
         WHERE t.workspace_id = ?1 AND t.done_at IS NULL AND t.kind = ?2 AND l.do_not_market_at IS NULL
           AND (coalesce(t.snoozed_until, t.due_at) IS NULL OR coalesce(t.snoozed_until, t.due_at) < ?3)";
    let calls_total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) {calls_where}"))?
        .query_row(params![ws.id, TaskKind::Call, fmt_time(tomorrow)], |r| r.get(0))?;
    let page: Vec<(i64, i64)> = conn
        .prepare_cached(&format!(
            "SELECT t.id, t.lead_id {calls_where}
             ORDER BY coalesce(l.score, 0) < ?4, coalesce(coalesce(t.snoozed_until, t.due_at) < ?5, 0) = 0,
                      coalesce(t.snoozed_until, t.due_at, ''), t.id
             LIMIT ?6"
        ))?
        .query_map(params![ws.id, TaskKind::Call, fmt_time(tomorrow), Grade::A_MIN, fmt_time(now), PAGE as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut calls = Vec::with_capacity(page.len());
    for (task_id, lead_id) in page {
        let t = tasks::get(conn, ws, task_id)?;
        let lead = crate::leads::get(conn, ws, lead_id)?;
        let held_for = crate::compliance::dncr::listed(conn, ws, &lead)?.then_some(crate::model::HoldReason::Dncr);
        calls.push(CallToMake {
            held_for,
            task_id,
            lead_id,
            lead_name: lead.name,
            grade: lead.grade,
            phone: lead.phone.or(lead.whatsapp),
            title: t.title.clone(),
            overdue: t.due().is_some_and(|d| d < now),
            due_at: t.due().map(fmt_time),
            waits_until: calls_wait_until.clone(),
        });
    }

    let (manual_count, manual) = outbox::manual_page(conn, ws, PAGE)?;
    let viewings = viewings::list(conn, ws, &viewings::ViewingFilter { from: Some(day_start), to: Some(tomorrow), ..Default::default() })?;
    let tasks_before = fmt_time(tomorrow);
    let due_today = TaskFilter { open: true, due_before: Some(tasks_before.clone()), except_kind: Some(TaskKind::Call), ..Default::default() };
    let other_tasks = tasks::page(conn, ws, &due_today, None, PAGE)?;

    let new_leads = conn
        .prepare_cached(
            "SELECT id, name, score, created_at FROM leads
             WHERE workspace_id = ?1 AND status = ?2 AND last_contacted_at IS NULL AND do_not_market_at IS NULL
             ORDER BY created_at, id LIMIT ?3",
        )?
        .query_map(params![ws.id, Status::New.as_str(), PAGE as i64], |r| {
            let created: String = r.get(3)?;
            let age = parse_time(&created).map_or(0, |c| (now - c).num_minutes().max(0));
            Ok(NewLead { lead_id: r.get(0)?, name: r.get(1)?, grade: Grade::of(r.get(2)?), created_at: created, age_minutes: age })
        })?
        .collect::<rusqlite::Result<_>>()?;

    // Replies come from the timeline's reply index: the leads whose last word is theirs.
    let replies = conn
        .prepare_cached(
            "SELECT l.id, l.name, l.score, t.at, t.detail FROM timeline t JOIN leads l ON l.id = t.lead_id
             WHERE t.kind = 'replied' AND t.workspace_id = ?1 AND t.at >= ?2
               AND t.at = l.last_inbound_at AND l.last_inbound_at > coalesce(l.last_contacted_at, '')
               AND l.status NOT IN (?3, ?4)
             GROUP BY l.id ORDER BY t.at DESC LIMIT ?5",
        )?
        .query_map(params![ws.id, fmt_time(now - Duration::days(REPLY_DAYS)), Status::Won.as_str(), Status::Lost.as_str(), PAGE as i64], |r| {
            Ok(ReplyWaiting { lead_id: r.get(0)?, name: r.get(1)?, grade: Grade::of(r.get(2)?), replied_at: r.get(3)?, text: r.get(4)? })
        })?
        .collect::<rusqlite::Result<_>>()?;

    Ok(Today {
        now: fmt_time(now),
        in_call_window: in_window,
        calls_wait_until,
        calls_wait_label,
        calls,
        calls_total,
        manual_count,
        manual,
        viewings,
        tasks: other_tasks.tasks,
        tasks_total: other_tasks.total,
        tasks_next: other_tasks.next,
        tasks_before,
        new_leads,
        replies,
    })
}
