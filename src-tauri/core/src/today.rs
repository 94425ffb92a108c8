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
    /// A leads first, overdue before the rest, then by due time.
    pub calls: Vec<CallToMake>,
    pub manual_count: i64,
    pub manual: Vec<Message>,
    pub viewings: Vec<Viewing>,
    /// Other tasks due today or overdue, soonest first.
    pub tasks: Vec<Task>,
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

    let due_today = TaskFilter { open: true, due_before: Some(fmt_time(tomorrow)), ..Default::default() };
    let mut open_calls = tasks::list(conn, ws, &TaskFilter { open: true, kind: Some(TaskKind::Call), ..Default::default() })?;
    open_calls.retain(|t| t.lead_id.is_some() && t.due().map_or(true, |d| d < tomorrow));
    let mut calls = Vec::with_capacity(open_calls.len());
    for t in open_calls {
        let Some(lead_id) = t.lead_id else { continue };
        let lead = crate::leads::get(conn, ws, lead_id)?;
        if lead.do_not_market_at.is_some() {
            continue;
        }
        let held_for = crate::compliance::dncr::listed(conn, ws, &lead)?.then_some(crate::model::HoldReason::Dncr);
        calls.push(CallToMake {
            held_for,
            task_id: t.id,
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
    calls.sort_by(|a, b| {
        let key = |c: &CallToMake| (c.grade != Grade::A, !c.overdue, c.due_at.clone().unwrap_or_default(), c.task_id);
        key(a).cmp(&key(b))
    });
    calls.truncate(PAGE);

    let (manual_count, manual) = outbox::manual_page(conn, ws, PAGE)?;
    let viewings = viewings::list(conn, ws, &viewings::ViewingFilter { from: Some(day_start), to: Some(tomorrow), ..Default::default() })?;
    let mut other_tasks = tasks::list(conn, ws, &due_today)?;
    other_tasks.retain(|t| t.kind != TaskKind::Call);
    other_tasks.truncate(PAGE);

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
        manual_count,
        manual,
        viewings,
        tasks: other_tasks,
        new_leads,
        replies,
    })
}
