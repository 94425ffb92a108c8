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
    pub campaign: String,
    pub step: i64,
    pub label: String,
    pub due_at: String,
    /// Due before now and not yet sent.
    pub overdue: bool,
    /// Due, but outside the sending window: goes out when it opens.
    pub waiting_for_window: bool,
}

/// Steps due before the end of the workspace's local day (overdue ones included), earliest
/// first, at most `limit`.
pub fn due_queue(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, limit: usize) -> Result<Vec<DueItem>> {
    let end = ws.day_start(ws.local_day(now) + Duration::days(1));
    let open = in_window(ws, now);
    let rows = conn
        .prepare_cached(
            "SELECT l.id, l.name, l.score, c.name, e.next_step, s.label, e.next_due_at
             FROM leads l JOIN enrolments e ON e.lead_id = l.id AND e.state = 'active'
             JOIN campaigns c ON c.id = e.campaign_id
             LEFT JOIN campaign_steps s ON s.campaign_id = e.campaign_id AND s.position = e.next_step
             WHERE l.workspace_id = ?1 AND l.next_followup_at < ?2 AND e.next_due_at < ?2
             ORDER BY e.next_due_at, l.id LIMIT ?3",
        )?
        .query_map(params![ws.id, fmt_time(end), limit as i64], |r| {
            let due_at: String = r.get(6)?;
            let is_due = parse_time(&due_at).is_some_and(|d| d <= now);
            Ok(DueItem {
                lead_id: r.get(0)?,
                name: r.get(1)?,
                grade: crate::model::Grade::of(r.get(2)?),
                campaign: r.get(3)?,
                step: r.get(4)?,
                label: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                overdue: is_due && open,
                waiting_for_window: is_due && !open,
                due_at,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
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
