//! Enrolments: a lead in a campaign, its next due step, stopping, pausing and resuming, and
//! the due queue the agent sees. The lead's `next_followup_at` follows its active enrolments.

use super::*;

/// A lead's place in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Enrolment {
    pub campaign_id: i64,
    pub campaign: String,
    pub enrolled_at: String,
    pub next_step: i64,
    pub steps: i64,
    pub next_due_at: Option<String>,
    #[ts(type = "\"active\" | \"paused\" | \"stopped\" | \"completed\"")]
    pub state: String,
    pub stop_reason: Option<String>,
}

/// Where a new lead of `ws` starts: the default campaign and when its first step is due.
pub fn default_plan(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Option<(i64, DateTime<Utc>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, (SELECT min(offset_minutes) FROM campaign_steps s WHERE s.campaign_id = c.id)
             FROM campaigns c WHERE c.workspace_id = ?1 AND c.is_default = 1",
        )?
        .query_row([ws.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))
        .optional()?
        .and_then(|(id, offset)| offset.map(|o| (id, now + step_offset(o)))))
}

/// Enrols lead `lead_id` in `campaign_id` at `now`, first step due at `due`. Enrolling twice
/// in one campaign changes nothing.
pub fn enrol(conn: &Connection, ws: &Workspace, lead_id: i64, campaign_id: i64, now: DateTime<Utc>, due: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO enrolments (lead_id, campaign_id, workspace_id, enrolled_at, next_step, next_due_at, state)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, 'active')",
    )?
    .execute(params![lead_id, campaign_id, ws.id, fmt_time(now), fmt_time(due)])?;
    Ok(())
}

pub fn enrolments(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<Vec<Enrolment>> {
    let rows = conn
        .prepare_cached(
            "SELECT e.campaign_id, c.name, e.enrolled_at, e.next_step, (SELECT count(*) FROM campaign_steps s WHERE s.campaign_id = c.id),
                    e.next_due_at, e.state, e.stop_reason
             FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id
             WHERE e.workspace_id = ?1 AND e.lead_id = ?2 ORDER BY e.enrolled_at",
        )?
        .query_map(params![ws.id, lead_id], |r| {
            Ok(Enrolment {
                campaign_id: r.get(0)?,
                campaign: r.get(1)?,
                enrolled_at: r.get(2)?,
                next_step: r.get(3)?,
                steps: r.get(4)?,
                next_due_at: r.get(5)?,
                state: r.get(6)?,
                stop_reason: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A step waiting to go out, for the due queue.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DueItem {
    pub lead_id: i64,
    pub name: String,
    pub grade: crate::model::Grade,
    pub campaign_id: i64,
    pub campaign: String,
    pub step: i64,
    pub label: String,
    pub due_at: String,
    /// Due before now and not yet sent.
    pub overdue: bool,
    /// Due, but outside the sending window: goes out when it opens.
    pub waiting_for_window: bool,
}

/// A position in the due queue's order (due time, then lead, then campaign).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DueCursor {
    pub due_at: String,
    pub lead_id: i64,
    pub campaign_id: i64,
}

/// One page of the due queue, earliest first, with how many steps are due today in all.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DuePage {
    pub items: Vec<DueItem>,
    /// Every step due before the end of the local day, overdue ones included.
    pub total: i64,
    /// Of those, the ones due by now (overdue, or waiting for the sending window when it is
    /// closed); the rest are due later today.
    pub due_now: i64,
    /// Where the next page starts; none at the end.
    pub next: Option<DueCursor>,
}

/// The steps due before `end` after `after`, earliest first, at most `limit`. Read from the
/// active enrolments' due index, so a page costs the same at any size of book.
fn due_rows(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, end: DateTime<Utc>, after: Option<&DueCursor>, limit: i64) -> Result<Vec<DueItem>> {
    let open = in_window(ws, now);
    // From the start: before every due time (an empty text sorts first).
    let (due_at, lead, campaign) = after.map_or(("", 0, 0), |c| (c.due_at.as_str(), c.lead_id, c.campaign_id));
    let rows = conn
        .prepare_cached(
            "SELECT l.id, l.name, l.score, c.id, c.name, e.next_step, s.label, e.next_due_at
             FROM enrolments e JOIN leads l ON l.id = e.lead_id
             JOIN campaigns c ON c.id = e.campaign_id
             LEFT JOIN campaign_steps s ON s.campaign_id = e.campaign_id AND s.position = e.next_step
             WHERE e.workspace_id = ?1 AND e.state = 'active' AND e.next_due_at < ?2
               AND (e.next_due_at, e.lead_id, e.campaign_id) > (?3, ?4, ?5)
             ORDER BY e.next_due_at, e.lead_id, e.campaign_id LIMIT ?6",
        )?
        .query_map(params![ws.id, fmt_time(end), due_at, lead, campaign, limit], |r| {
            let due_at: String = r.get(7)?;
            let is_due = parse_time(&due_at).is_some_and(|d| d <= now);
            Ok(DueItem {
                lead_id: r.get(0)?,
                name: r.get(1)?,
                grade: crate::model::Grade::of(r.get(2)?),
                campaign_id: r.get(3)?,
                campaign: r.get(4)?,
                step: r.get(5)?,
                label: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                overdue: is_due && open,
                waiting_for_window: is_due && !open,
                due_at,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The end of the workspace's local day at `now`: the due queue shows what is due before it.
fn end_of_day(ws: &Workspace, now: DateTime<Utc>) -> DateTime<Utc> {
    ws.day_start(ws.local_day(now) + Duration::days(1))
}

/// Steps due before the end of the workspace's local day (overdue ones included), earliest
/// first, at most `limit`.
pub fn due_queue(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, limit: usize) -> Result<Vec<DueItem>> {
    due_rows(conn, ws, now, end_of_day(ws, now), None, i64::try_from(limit).unwrap_or(i64::MAX))
}

/// The due queue after `after` (from the start when none), at most `limit` (1 to
/// [`crate::store::paging::MAX_PAGE`]) steps, with the day's totals.
pub fn due_page(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, after: Option<&DueCursor>, limit: usize) -> Result<DuePage> {
    let keyset = crate::store::paging::Keyset::new(limit);
    let end = end_of_day(ws, now);
    let (total, due_now): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), count(*) FILTER (WHERE next_due_at <= ?3) FROM enrolments
             WHERE workspace_id = ?1 AND state = 'active' AND next_due_at < ?2",
        )?
        .query_row(params![ws.id, fmt_time(end), fmt_time(now)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let rows = due_rows(conn, ws, now, end, after, keyset.limit() as i64 + 1)?;
    let (items, next) = keyset.take(rows, |i: &DueItem| DueCursor { due_at: i.due_at.clone(), lead_id: i.lead_id, campaign_id: i.campaign_id });
    Ok(DuePage { items, total, due_now, next })
}

/// Keeps `leads.next_followup_at` (what the dashboard and the tick's index read) equal to the
/// earliest due step of the lead's active enrolments.
pub(super) fn refresh_next(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<()> {
    let next: Option<String> = conn
        .prepare_cached("SELECT min(next_due_at) FROM enrolments WHERE lead_id = ?1 AND state = 'active'")?
        .query_row([lead_id], |r| r.get(0))?;
    leads::set_next_followup(conn, ws, lead_id, next.as_deref())
}

pub(super) fn set_state(conn: &Connection, ws: &Workspace, lead_id: i64, from: &str, to: &str, reason: Option<&str>) -> Result<usize> {
    let n = conn
        .prepare_cached("UPDATE enrolments SET state = ?4, stop_reason = ?5 WHERE workspace_id = ?1 AND lead_id = ?2 AND state = ?3")?
        .execute(params![ws.id, lead_id, from, to, reason])?;
    refresh_next(conn, ws, lead_id)?;
    Ok(n)
}

/// Stops every active enrolment of the lead (a reply, a status that ends nurturing).
pub fn stop(conn: &Connection, ws: &Workspace, lead_id: i64, reason: &str) -> Result<usize> {
    set_state(conn, ws, lead_id, "active", "stopped", Some(reason))
}

/// Pauses the lead's follow-ups by hand.
pub fn pause(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<usize> {
    leads::get(conn, ws, lead_id)?;
    set_state(conn, ws, lead_id, "active", "paused", Some("paused by hand"))
}

/// Resumes paused follow-ups. Steps that fell due meanwhile follow the catch-up rule.
pub fn resume(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<usize> {
    leads::get(conn, ws, lead_id)?;
    set_state(conn, ws, lead_id, "paused", "active", None)
}
