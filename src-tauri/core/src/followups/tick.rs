//! The tick (SPEC §5): for each due enrolment, stop it, wait (quiet hours, pacing), skip the
//! steps a closed app missed (never one the tick itself held back), or queue exactly one
//! message for the step — each enrolment in one transaction with its step, its message and its
//! advance. The due list is read first; the caller takes it a batch to a write transaction
//! ([`tick_these`]), each enrolment read again under the lock.

use super::*;

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct TickReport {
    pub due: usize,
    pub queued: usize,
    pub stopped: usize,
    pub deferred: usize,
    pub skipped: usize,
}

impl TickReport {
    /// Counts `other` in (a batch, another workspace).
    pub fn add(&mut self, other: TickReport) {
        self.due += other.due;
        self.queued += other.queued;
        self.stopped += other.stopped;
        self.deferred += other.deferred;
        self.skipped += other.skipped;
    }
}

/// Why a due enrolment stops instead of sending, if it does.
pub(super) fn stop_reason(lead: &Lead, enrolled_at: DateTime<Utc>) -> Option<&'static str> {
    if lead.last_inbound_at.is_some_and(|t| t > enrolled_at) {
        return Some("the lead replied");
    }
    if lead.status.ends_nurturing() {
        return Some("the lead's status ends nurturing");
    }
    if lead.do_not_market_at.is_some() {
        return Some("the lead is marked do not market");
    }
    // Email counts for a lead with an address (SPEC §12): opted out of the others, a lead with
    // an email address is still written to by email.
    let email_closed = lead.email.is_none() || lead.opt_outs.contains(&Channel::Email);
    if [Channel::Telegram, Channel::Whatsapp, Channel::Sms].iter().all(|c| lead.opt_outs.contains(c)) && email_closed {
        return Some("the lead opted out of every channel");
    }
    None
}

/// Whether `now` is inside the workspace's sending window (local time).
pub fn in_window(ws: &Workspace, now: DateTime<Utc>) -> bool {
    let local = now.with_timezone(&ws.tz()).time();
    let (start, end) = window_times(ws);
    if start < end { local >= start && local < end } else { local >= start || local < end }
}

/// `day` at `time` in the workspace's zone (the earlier of two, in a shift back).
pub fn local_at(ws: &Workspace, day: chrono::NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    ws.tz().from_local_datetime(&day.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
}

/// The workspace's sending window, local start and end (09:00–18:00 when unreadable).
pub fn window_times(ws: &Workspace) -> (NaiveTime, NaiveTime) {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let six = NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default();
    (NaiveTime::parse_from_str(&ws.quiet_start, "%H:%M").unwrap_or(nine), NaiveTime::parse_from_str(&ws.quiet_end, "%H:%M").unwrap_or(six))
}

/// The first moment at or after `t` inside the workspace's sending window.
pub fn window_opens(ws: &Workspace, t: DateTime<Utc>) -> DateTime<Utc> {
    if in_window(ws, t) {
        return t;
    }
    let (start, _) = window_times(ws);
    let day = ws.local_day(t);
    [day, day.succ_opt().unwrap_or(day), day + chrono::Duration::days(2)]
        .into_iter()
        .filter_map(|d| local_at(ws, d, start))
        .find(|s| *s > t && in_window(ws, *s))
        .unwrap_or(t)
}


/// Whether one more automatic message now would break pacing: one unanswered contact per
/// local calendar day, two in any rolling 7 days — automatic messages and the agent's
/// unanswered calls together (SPEC §13).
pub(super) fn pacing_allows(conn: &Connection, ws: &Workspace, lead_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let day_start = ws.day_start(ws.local_day(now));
    let week_start = now - Duration::days(7);
    let (today, week) = conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE queued_at >= ?3), count(*) FROM outbox
             WHERE lead_id = ?1 AND kind IN ('followup', 'property') AND queued_at > ?2 AND workspace_id = ?4",
        )?
        .query_row(params![lead_id, fmt_time(week_start), fmt_time(day_start), ws.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    let (calls_today, calls_week) = crate::tasks::calls::unanswered_counts(conn, ws, lead_id, day_start, week_start)?;
    Ok(today + calls_today < 1 && week + calls_week < 2)
}

/// The enrolments of workspace `ws` due at `now` as (lead, campaign): the lead due first
/// first, and a lead's own enrolments earliest first.
pub fn due_enrolments(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Vec<(i64, i64)>> {
    // Due leads come from the leads' own next-follow-up index, in its order: only each lead's
    // few enrolments are sorted (ordering every due enrolment by its own time sorted them all,
    // 883 000 at a million leads, in memory).
    Ok(conn
        .prepare_cached(
            "SELECT e.lead_id, e.campaign_id FROM leads l
             JOIN enrolments e ON e.lead_id = l.id AND e.state = 'active' AND e.next_due_at <= ?2
             WHERE l.workspace_id = ?1 AND l.next_followup_at <= ?2
             ORDER BY l.next_followup_at, l.id, e.next_due_at",
        )?
        .query_map(params![ws.id, fmt_time(now)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The tick over the enrolments `due` (from [`due_enrolments`]), inside the caller's write
/// transaction. Each is read again: one another process moved on since the list was read, or
/// that is no longer due, is left alone (and not counted).
pub fn tick_these(conn: &Connection, ws: &Workspace, due: &[(i64, i64)], now: DateTime<Utc>) -> Result<TickReport> {
    let mut report = TickReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    let now_s = fmt_time(now);
    let open_window = in_window(ws, now);
    let mut steps_cache: Vec<(i64, Vec<Step>)> = Vec::new();
    let mut still_due = conn.prepare_cached(
        "SELECT enrolled_at, next_step, next_due_at, deferred_since FROM enrolments
         WHERE lead_id = ?1 AND campaign_id = ?2 AND state = 'active' AND next_due_at <= ?3",
    )?;
    for &(lead_id, campaign_id) in due {
        let Some((enrolled_at_s, next_step, next_due_s, deferred_since)) = still_due
            .query_row(params![lead_id, campaign_id, now_s], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
            })
            .optional()?
        else {
            continue;
        };
        report.due += 1;
        let lead = leads::get(conn, ws, lead_id)?;
        let enrolled_at = parse_time(&enrolled_at_s).ok_or_else(|| Error::internal(format!("bad enrolment time {enrolled_at_s}")))?;
        if let Some(reason) = stop_reason(&lead, enrolled_at) {
            stop(conn, ws, lead_id, reason)?;
            report.stopped += 1;
            continue;
        }
        if !open_window || !pacing_allows(conn, ws, lead_id, now)? {
            // Seen due and held back: what is due now was not missed, so catching up will not
            // skip it (the last time it was held back is what counts).
            conn.prepare_cached("UPDATE enrolments SET deferred_since = ?3 WHERE lead_id = ?1 AND campaign_id = ?2")?
                .execute(params![lead_id, campaign_id, now_s])?;
            report.deferred += 1;
            continue;
        }
        if !steps_cache.iter().any(|(id, _)| *id == campaign_id) {
            steps_cache.push((campaign_id, steps_of(conn, campaign_id)?));
        }
        let steps = &steps_cache.iter().find(|(id, _)| *id == campaign_id).map(|(_, s)| s.as_slice()).unwrap_or(&[]);
        // The next step falls due when the enrolment says, if that is sooner than its offset: a
        // lead who came to the agent has its first step at once (speed to lead, SPEC §12).
        let next_due = parse_time(&next_due_s);
        let due_at = |s: &Step| {
            let planned = enrolled_at + step_offset(s.offset_minutes);
            match next_due {
                Some(d) if s.position == next_step => planned.min(d),
                _ => planned,
            }
        };
        let pending: Vec<&Step> = steps.iter().filter(|s| s.position >= next_step).collect();
        // The step the tick held back (pacing, the window) goes first and nothing is skipped;
        // otherwise the most recent due step, the earlier ones missed by a closed app skipped.
        let held_back = deferred_since.as_deref().and_then(parse_time);
        let seen = pending.iter().filter(|s| held_back.is_some_and(|d| due_at(s) <= d)).min_by_key(|s| s.position).copied();
        let Some(latest) = seen.or_else(|| pending.iter().filter(|s| due_at(s) <= now).max_by_key(|s| s.position).copied()) else {
            refresh_next(conn, ws, lead_id)?;
            continue;
        };
        // Catch up without bursts: the earlier due steps are skipped, on the same key.
        let mut mark = conn.prepare_cached(
            "INSERT INTO enrolment_steps (lead_id, campaign_id, position, outcome, outbox_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for s in pending.iter().filter(|s| s.position < latest.position) {
            mark.execute(params![lead_id, campaign_id, s.position, "skipped", Option::<i64>::None, now_s])?;
            report.skipped += 1;
        }
        let ctx = templates::Context { lead: &lead, workspace: ws, property: None };
        // Under an A/B test the enrolment's variant, fixed per lead for the whole campaign.
        let variant = (!latest.variants.is_empty()).then(|| crate::followups::abtest::assign(lead_id, campaign_id, latest.variants.len() + 1));
        let body = templates::render(latest.variant_template(variant.unwrap_or(0), ctx.language()), &ctx);
        let message = crate::outbox::Followup {
            lead_id, campaign_id, step: latest.position, channel: latest.channel.as_deref(), body: &body, variant: variant.map(|v| v as i64),
        };
        let outbox_id = crate::outbox::queue_followup(conn, ws, &message, now)?;
        mark.execute(params![lead_id, campaign_id, latest.position, "queued", outbox_id, now_s])?;
        let next = steps.iter().find(|s| s.position > latest.position);
        conn.prepare_cached(
            "UPDATE enrolments SET next_step = ?3, next_due_at = ?4, state = ?5 WHERE lead_id = ?1 AND campaign_id = ?2",
        )?
        .execute(params![
            lead_id,
            campaign_id,
            next.map_or(latest.position + 1, |s| s.position),
            next.map(|s| fmt_time(due_at(s))),
            if next.is_some() { "active" } else { "completed" },
        ])?;
        refresh_next(conn, ws, lead_id)?;
        report.queued += 1;
    }
    Ok(report)
}
