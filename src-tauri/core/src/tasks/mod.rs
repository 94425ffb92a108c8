//! The agent's day (SPEC §13): tasks (what only a person can do — call a buyer no channel
//! reaches, decide what a Telegram start link pressed by the wrong account means, send a
//! document), the calls the agent logs ([`calls`]), viewings ([`viewings`]) and deals with their
//! commission ([`deals`]). This module owns the `tasks`, `calls`, `viewings` and `deals` tables;
//! what these change elsewhere (a lead's status, its follow-ups, the outbox) is
//! [`crate::workflows`]'s part.

pub mod calls;
pub mod deals;
pub mod viewings;

use crate::clock::{fmt_time, parse_time, within_bounds};
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::leads::timeline::{self, TimelineCursor};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// What a task asks of the agent.
    TaskKind { Call = "call", Message = "message", Viewing = "viewing", Document = "document", Other = "other" }
);

/// Who made a task. `matching`: a buyer no channel reaches matches a listing (one per lead and
/// listing). `telegram_link`: someone pressed Start on a lead's Telegram link and Leadbook did
/// not link them (the link was used or expired, the lead has another Telegram account, or the
/// sender already is another lead): the detail says who and which leads; only the agent can
/// tell whether to link or merge. `find_contact`: a lead no channel can reach (a LinkedIn
/// connection with only a profile, a name off a card) is not put in automatic follow-ups; the
/// agent finds a phone number or an e-mail, and saving it starts them (and settles the task).
/// `agent`: typed in by the agent.
pub const MATCHING: &str = "matching";
pub const TELEGRAM_LINK: &str = "telegram_link";
pub const FIND_CONTACT: &str = "find_contact";
pub const AGENT: &str = "agent";

/// The longest title a task may have.
pub const MAX_TITLE: usize = 200;

/// A "call" task for a lead (about a listing), made by matching; once per lead and listing.
pub fn add_call(conn: &Connection, ws: &Workspace, lead_id: i64, property_id: Option<i64>, detail: &str, now: DateTime<Utc>) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO tasks (workspace_id, lead_id, property_id, kind, origin, title, detail, due_at, created_at)
         VALUES (?1, ?2, ?3, ?6, ?7, ?4, ?4, ?5, ?5)",
    )?;
    Ok(stmt.execute(params![ws.id, lead_id, property_id, detail, fmt_time(now), TaskKind::Call, MATCHING])?)
}

/// A task for the agent, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Task {
    pub id: i64,
    pub lead_id: Option<i64>,
    pub property_id: Option<i64>,
    pub kind: TaskKind,
    /// Who made it: `agent`, `matching` or `telegram_link`.
    pub origin: String,
    pub title: String,
    pub detail: String,
    pub due_at: Option<String>,
    pub snoozed_until: Option<String>,
    pub created_at: String,
    pub done_at: Option<String>,
    /// The lead's name, so a list reads without a second lookup.
    pub lead_name: Option<String>,
}

impl Task {
    /// When the task is next due: the end of its snooze, else its due time.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        self.snoozed_until.as_deref().or(self.due_at.as_deref()).and_then(parse_time)
    }
}

const COLUMNS: &str = "t.id, t.lead_id, t.property_id, t.kind, t.origin, t.title, t.detail, t.due_at, t.snoozed_until, t.created_at, t.done_at, l.name";
const FROM: &str = "FROM tasks t LEFT JOIN leads l ON l.id = t.lead_id";

fn from_row(r: &Row) -> rusqlite::Result<Task> {
    Ok(Task {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        property_id: r.get(2)?,
        kind: crate::store::rows::enum_col(r, 3, TaskKind::parse)?,
        origin: r.get(4)?,
        title: r.get(5)?,
        detail: r.get(6)?,
        due_at: r.get(7)?,
        snoozed_until: r.get(8)?,
        created_at: r.get(9)?,
        done_at: r.get(10)?,
        lead_name: r.get(11)?,
    })
}

/// A task of origin `origin` about lead `lead_id` (no listing), due now. Several may exist
/// for one lead.
pub fn add(conn: &Connection, ws: &Workspace, lead_id: i64, origin: &str, detail: &str, now: DateTime<Utc>) -> Result<i64> {
    let title = match origin {
        TELEGRAM_LINK => "Decide about a Telegram start link",
        FIND_CONTACT => "Find a phone number or e-mail",
        _ => detail,
    };
    conn.prepare_cached(
        "INSERT INTO tasks (workspace_id, lead_id, property_id, kind, origin, title, detail, due_at, created_at)
         VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![ws.id, lead_id, TaskKind::Other, origin, title, detail, fmt_time(now)])?;
    Ok(conn.last_insert_rowid())
}

/// What the agent types to make a task.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct TaskInput {
    pub title: String,
    pub lead_id: Option<i64>,
    pub property_id: Option<i64>,
    /// RFC 3339; none: no due time.
    pub due_at: Option<String>,
    pub kind: Option<TaskKind>,
    pub detail: Option<String>,
}

/// A time given by the person (`field`): RFC 3339 within the bounds the book stores.
pub fn parse_input_time(field: &str, s: &str) -> Result<DateTime<Utc>> {
    let t = parse_time(s).ok_or_else(|| Error::validation(field, format!("'{s}' is not an RFC 3339 time like 2026-03-01T09:00:00Z")))?;
    within_bounds(field, t)
}

/// The agent's own task. Its lead and listing must be this workspace's.
pub fn create(conn: &Connection, ws: &Workspace, input: &TaskInput, now: DateTime<Utc>) -> Result<Task> {
    let title = input.title.trim();
    if title.is_empty() {
        return Err(Error::validation("title", "a task needs a title"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(Error::validation("title", format!("a task's title is at most {MAX_TITLE} characters")));
    }
    let detail = input.detail.as_deref().unwrap_or("").trim();
    if detail.chars().count() > crate::leads::validate::MAX_NOTES {
        return Err(Error::validation("detail", format!("a task's detail is at most {} characters", crate::leads::validate::MAX_NOTES)));
    }
    if let Some(id) = input.lead_id {
        crate::leads::get(conn, ws, id)?;
    }
    if let Some(id) = input.property_id {
        crate::listings::properties::get(conn, ws, id)?;
    }
    let due = input.due_at.as_deref().map(|s| parse_input_time("due", s)).transpose()?;
    conn.prepare_cached(
        "INSERT INTO tasks (workspace_id, lead_id, property_id, kind, origin, title, detail, due_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        ws.id, input.lead_id, input.property_id, input.kind.unwrap_or(TaskKind::Other), AGENT, title, detail,
        due.map(fmt_time), fmt_time(now)
    ])?;
    get(conn, ws, conn.last_insert_rowid())
}

/// Task `id` of the workspace; another workspace's is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Task> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE t.workspace_id = ?1 AND t.id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Task, id))
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct TaskFilter {
    /// Only those not done.
    #[ts(as = "Option<bool>", optional)]
    pub open: bool,
    /// Only those due (or snoozed until) before this time.
    pub due_before: Option<String>,
    pub lead_id: Option<i64>,
    pub kind: Option<TaskKind>,
    /// All kinds but this one (Today lists calls apart).
    pub except_kind: Option<TaskKind>,
}

/// When a task is next due, in SQL: the end of its snooze, else its due time.
const DUE: &str = "coalesce(t.snoozed_until, t.due_at)";

/// The `WHERE` of `f` and its arguments.
fn condition(ws: &Workspace, f: &TaskFilter) -> Result<(String, Vec<Value>)> {
    let mut sql = String::from(" WHERE t.workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if f.open {
        sql.push_str(" AND t.done_at IS NULL");
    }
    if let Some(b) = &f.due_before {
        let b = parse_input_time("due_before", b)?;
        sql.push_str(" AND coalesce(t.snoozed_until, t.due_at) < ?");
        args.push(Value::Text(fmt_time(b)));
    }
    if let Some(l) = f.lead_id {
        sql.push_str(" AND t.lead_id = ?");
        args.push(Value::Integer(l));
    }
    if let Some(k) = f.kind {
        sql.push_str(" AND t.kind = ?");
        args.push(Value::Text(k.as_str().into()));
    }
    if let Some(k) = f.except_kind {
        sql.push_str(" AND t.kind != ?");
        args.push(Value::Text(k.as_str().into()));
    }
    Ok((sql, args))
}

/// The tasks' order: soonest due first, those without a due time last, then by id.
const ORDER: &str = " ORDER BY coalesce(t.snoozed_until, t.due_at) IS NULL, coalesce(t.snoozed_until, t.due_at), t.id";

/// The workspace's tasks by `f`, soonest due first (those without a due time last).
pub fn list(conn: &Connection, ws: &Workspace, f: &TaskFilter) -> Result<Vec<Task>> {
    let (cond, args) = condition(ws, f)?;
    let sql = format!("SELECT {COLUMNS} {FROM}{cond}{ORDER}");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A position in the tasks' order: the due time (none: among those without one) and the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TaskCursor {
    pub due: Option<String>,
    pub id: i64,
}

/// One page of tasks, in the tasks' order, with how many the filter holds in all.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub total: i64,
    /// Where the next page starts; none at the end.
    pub next: Option<TaskCursor>,
}

/// The tasks of `f` after `after` (from the start when none), at most `limit` (1 to
/// [`crate::store::paging::MAX_PAGE`]).
pub fn page(conn: &Connection, ws: &Workspace, f: &TaskFilter, after: Option<&TaskCursor>, limit: usize) -> Result<TaskPage> {
    let keyset = crate::store::paging::Keyset::new(limit);
    let (cond, args) = condition(ws, f)?;
    let total: i64 = conn.prepare_cached(&format!("SELECT count(*) FROM tasks t{cond}"))?.query_row(params_from_iter(&args), |r| r.get(0))?;
    let mut sql = format!("SELECT {COLUMNS} {FROM}{cond}");
    let mut page_args = args;
    match after {
        // After a task with a due time: later ones, then every one without.
        Some(TaskCursor { due: Some(d), id }) => {
            sql.push_str(&format!(" AND ({DUE} IS NULL OR ({DUE}, t.id) > (?, ?))"));
            page_args.push(Value::Text(d.clone()));
            page_args.push(Value::Integer(*id));
        }
        Some(TaskCursor { due: None, id }) => {
            sql.push_str(&format!(" AND {DUE} IS NULL AND t.id > ?"));
            page_args.push(Value::Integer(*id));
        }
        None => {}
    }
    sql.push_str(ORDER);
    sql.push_str(" LIMIT ?");
    page_args.push(keyset.probe());
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&page_args), from_row)?.collect::<rusqlite::Result<_>>()?;
    let (tasks, next) = keyset.take(rows, |t: &Task| TaskCursor { due: t.snoozed_until.clone().or_else(|| t.due_at.clone()), id: t.id });
    Ok(TaskPage { tasks, total, next })
}

/// A lead's tasks as entries of its history after `after`, at most `limit`: each at its due
/// time (or when it was made), "open" or "done". The Telegram start-link decision is the
/// agent's, not the lead's, and is left out.
pub fn timeline_after(conn: &Connection, ws: &Workspace, lead_id: i64, after: Option<&TimelineCursor>, limit: usize) -> Result<Vec<timeline::Keyed>> {
    let rows = format!(
        "SELECT coalesce(due_at, created_at) AS at, {} AS source, id, done_at IS NOT NULL, kind, title
         FROM tasks WHERE workspace_id = :w AND lead_id = :l AND origin <> '{TELEGRAM_LINK}'",
        timeline::FROM_TASKS
    );
    timeline::read_after(conn, &rows, ws.id, lead_id, after, limit, |r, at| {
        let state = if r.get::<_, bool>(3)? { "done" } else { "open" };
        let (kind, title): (String, String) = (r.get(4)?, r.get(5)?);
        Ok(timeline::Entry { at, kind: format!("task_{state}"), detail: format!("{kind} task: {title}"), reply_class: None })
    })
}

/// How many of a lead's tasks its history shows.
pub fn timeline_count(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM tasks WHERE workspace_id = ?1 AND lead_id = ?2 AND origin <> '{TELEGRAM_LINK}'"))?
        .query_row(params![ws.id, lead_id], |r| r.get(0))?)
}

/// The workspace's open tasks, oldest first.
pub fn open(conn: &Connection, ws: &Workspace) -> Result<Vec<Task>> {
    let rows = conn
        .prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE t.workspace_id = ?1 AND t.done_at IS NULL ORDER BY t.created_at, t.id"))?
        .query_map([ws.id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The agent did it. Doing a task done already changes nothing.
pub fn done(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<Task> {
    get(conn, ws, id)?;
    conn.prepare_cached("UPDATE tasks SET done_at = ?3 WHERE workspace_id = ?1 AND id = ?2 AND done_at IS NULL")?
        .execute(params![ws.id, id, fmt_time(now)])?;
    get(conn, ws, id)
}

/// Puts an open task off until `until` (later than now); it is notified again then.
pub fn snooze(conn: &Connection, ws: &Workspace, id: i64, until: &str, now: DateTime<Utc>) -> Result<Task> {
    let t = get(conn, ws, id)?;
    if t.done_at.is_some() {
        return Err(Error::validation("id", "a task that is done cannot be snoozed"));
    }
    let until = parse_input_time("until", until)?;
    if until <= now {
        return Err(Error::validation("until", "a task is snoozed until a later time"));
    }
    conn.prepare_cached("UPDATE tasks SET snoozed_until = ?3, notified_at = NULL WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, fmt_time(until)])?;
    get(conn, ws, id)
}

/// Settles the lead's open tasks of `origin` (a number found settles "find a number"); how many.
pub fn settle(conn: &Connection, ws: &Workspace, lead_id: i64, origin: &str, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE tasks SET done_at = ?3 WHERE workspace_id = ?1 AND lead_id = ?2 AND origin = ?4 AND done_at IS NULL")?
        .execute(params![ws.id, lead_id, fmt_time(now), origin])?)
}

/// A logged call settles the lead's open call tasks.
pub fn complete_calls(conn: &Connection, ws: &Workspace, lead_id: i64, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE tasks SET done_at = ?3 WHERE workspace_id = ?1 AND lead_id = ?2 AND kind = ?4 AND done_at IS NULL")?
        .execute(params![ws.id, lead_id, fmt_time(now), TaskKind::Call])?)
}

/// Open tasks due at `now` whose due time was not notified yet (the window's notifications).
pub fn due_unnotified(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Vec<Task>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE t.workspace_id = ?1 AND t.done_at IS NULL AND t.notified_at IS NULL
               AND coalesce(t.snoozed_until, t.due_at) <= ?2 ORDER BY coalesce(t.snoozed_until, t.due_at), t.id LIMIT 20"
        ))?
        .query_map(params![ws.id, fmt_time(now)], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Records that task `id`'s due time was notified: `true` for the one caller that did it first
/// (so a task is notified once, whatever number of windows run).
pub fn mark_notified(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE tasks SET notified_at = ?3 WHERE workspace_id = ?1 AND id = ?2 AND notified_at IS NULL")?
        .execute(params![ws.id, id, fmt_time(now)])?
        == 1)
}

/// A merge moved lead `from`'s history to lead `to`: its tasks, calls, viewings and deals go
/// too (a matching task that `to` already has stays with `from` and goes with it).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE OR IGNORE tasks SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?.execute(params![ws.id, from, to])?;
    for sql in [
        "UPDATE calls SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2",
        "UPDATE viewings SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2",
        "UPDATE deals SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2",
    ] {
        conn.prepare_cached(sql)?.execute(params![ws.id, from, to])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::validate::LeadInput;
    use crate::{Book, FixedClock};
    use std::sync::Arc;

    fn book() -> (Book, Workspace, i64) {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T08:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let lead = book.add_lead(&ws, &LeadInput { name: Some("Aisha".into()), phone: Some("+971501234567".into()), ..Default::default() }).unwrap().id;
        (book, ws, lead)
    }

    fn input(title: &str, lead: Option<i64>, due: Option<&str>) -> TaskInput {
        TaskInput { title: title.into(), lead_id: lead, due_at: due.map(String::from), ..Default::default() }
    }

    #[test]
    fn a_task_is_listed_by_due_time_and_done_ones_leave_the_open_list() {
        let (mut book, ws, lead) = book();
        let later = book.write(|tx, now| create(tx, &ws, &input("Send the brochure", Some(lead), Some("2026-03-03T10:00:00Z")), now)).unwrap();
        let sooner = book.write(|tx, now| create(tx, &ws, &input("Call back", Some(lead), Some("2026-03-02T10:00:00Z")), now)).unwrap();
        let f = TaskFilter { open: true, ..Default::default() };
        let ids: Vec<i64> = list(book.conn(), &ws, &f).unwrap().iter().map(|t| t.id).collect();
        assert_eq!(ids, [sooner.id, later.id]);
        book.write(|tx, now| done(tx, &ws, sooner.id, now)).unwrap();
        let ids: Vec<i64> = list(book.conn(), &ws, &f).unwrap().iter().map(|t| t.id).collect();
        assert_eq!(ids, [later.id]);
        let before = TaskFilter { due_before: Some("2026-03-03T00:00:00Z".into()), ..Default::default() };
        assert_eq!(list(book.conn(), &ws, &before).unwrap().len(), 1, "the done one, due before");
    }

    #[test]
    fn a_snoozed_task_is_due_again_at_the_end_of_its_snooze_and_notified_once_each_time() {
        let (mut book, ws, lead) = book();
        let t = book.write(|tx, now| create(tx, &ws, &input("Call back", Some(lead), Some("2026-03-02T07:00:00Z")), now)).unwrap();
        let now = book.now();
        assert_eq!(due_unnotified(book.conn(), &ws, now).unwrap().len(), 1);
        assert!(book.write(|tx, now| mark_notified(tx, &ws, t.id, now)).unwrap());
        assert!(!book.write(|tx, now| mark_notified(tx, &ws, t.id, now)).unwrap(), "once");
        assert!(due_unnotified(book.conn(), &ws, now).unwrap().is_empty());
        book.write(|tx, now| snooze(tx, &ws, t.id, "2026-03-02T12:00:00Z", now)).unwrap();
        assert!(due_unnotified(book.conn(), &ws, now).unwrap().is_empty(), "not before the snooze ends");
        let after = parse_time("2026-03-02T12:00:00Z").unwrap();
        assert_eq!(due_unnotified(book.conn(), &ws, after).unwrap().len(), 1);
        let err = book.write(|tx, now| snooze(tx, &ws, t.id, "2026-03-01T12:00:00Z", now)).unwrap_err();
        assert_eq!(err.code(), "validation");
    }

    #[test]
    fn a_task_needs_a_title_and_a_lead_of_its_own_workspace() {
        let (mut book, ws, lead) = book();
        let other = book.add_workspace("Other", None).unwrap();
        let err = book.write(|tx, now| create(tx, &other, &input("Call", Some(lead), None), now)).unwrap_err();
        assert_eq!(err.code(), "not_found");
        let err = book.write(|tx, now| create(tx, &ws, &input("  ", None, None), now)).unwrap_err();
        assert_eq!(err.code(), "validation");
        let err = book.write(|tx, now| create(tx, &ws, &input("Call", None, Some("tomorrow")), now)).unwrap_err();
        assert_eq!(err.code(), "validation");
        assert!(list(book.conn(), &ws, &TaskFilter::default()).unwrap().is_empty(), "nothing was written");
    }

    #[test]
    fn another_workspace_cannot_see_or_change_a_task() {
        let (mut book, ws, lead) = book();
        let t = book.write(|tx, now| create(tx, &ws, &input("Call", Some(lead), None), now)).unwrap();
        let other = book.add_workspace("Other", None).unwrap();
        assert!(list(book.conn(), &other, &TaskFilter::default()).unwrap().is_empty());
        assert_eq!(get(book.conn(), &other, t.id).unwrap_err().code(), "not_found");
        assert_eq!(book.write(|tx, now| done(tx, &other, t.id, now)).unwrap_err().code(), "not_found");
        assert_eq!(book.write(|tx, now| snooze(tx, &other, t.id, "2026-04-01T00:00:00Z", now)).unwrap_err().code(), "not_found");
        assert!(get(book.conn(), &ws, t.id).unwrap().done_at.is_none());
    }

    #[test]
    fn the_old_call_and_telegram_link_tasks_keep_their_lead_and_text_in_the_new_shape() {
        use crate::store::{migrate, migrate_to};
        let mut conn = Connection::open_in_memory().unwrap();
        let before = crate::store::MIGRATIONS.iter().position(|m| m.contains("CREATE TABLE tasks_new")).unwrap();
        migrate_to(&mut conn, before, &crate::workflows::SETUP).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (7, 'W', '2026-01-01T00:00:00Z');
             INSERT INTO leads (id, workspace_id, name, source, created_at, updated_at) VALUES (5, 7, 'B', 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at) VALUES (7, 5, NULL, 'call', 'Tell B about X', '2026-01-02T00:00:00Z');
             INSERT INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at, done_at) VALUES (7, 5, NULL, 'telegram_link', 'who pressed', '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn, &crate::workflows::SETUP).unwrap();
        let ws = crate::workspace::by_id(&conn, 7).unwrap();
        let all = list(&conn, &ws, &TaskFilter::default()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].kind, all[0].origin.as_str(), all[0].lead_id, all[0].title.as_str()), (TaskKind::Call, MATCHING, Some(5), "Tell B about X"));
        assert_eq!(all[0].due_at.as_deref(), Some("2026-01-02T00:00:00Z"));
        assert_eq!((all[1].kind, all[1].origin.as_str(), all[1].detail.as_str()), (TaskKind::Other, TELEGRAM_LINK, "who pressed"));
        assert_eq!(all[1].done_at.as_deref(), Some("2026-01-04T00:00:00Z"));
    }
}
