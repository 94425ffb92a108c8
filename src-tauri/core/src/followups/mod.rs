//! Follow-ups (SPEC §5): campaigns of timed steps, enrolments, and the tick that queues what
//! is due.
//!
//! Exactly once, by construction: a tick is one `BEGIN IMMEDIATE` transaction (so two
//! processes on one file take turns, and each reads what the other committed), and every
//! step an enrolment passes is a row of `enrolment_steps` keyed by (enrolment, step) — the
//! second attempt at a step fails on that key instead of queuing a second message.
//!
//! The tick, for each active enrolment that is due: stops it if the lead replied after
//! enrolling, is qualified/viewing/negotiating/won/lost, or opted out of every channel; waits
//! (`deferred`) outside the workspace's sending window and when pacing (one automatic message
//! a day, two in any 7 days) would be broken; after a gap, queues only the most recent due
//! step and marks the earlier ones skipped; queues the message and advances.

pub mod abtest;
pub mod templates;

use crate::clock::{fmt_time, parse_time};
use crate::error::{Error, Result};
use crate::leads::{self, Lead};
use crate::model::{Channel, Language, Status};
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub const DEFAULT_CAMPAIGN: &str = "New lead nurture";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub position: i64,
    /// Minutes after enrolment.
    pub offset_minutes: i64,
    pub label: String,
    pub template_en: String,
    pub template_fa: String,
    pub template_ar: String,
    /// Preferred channel (telegram, whatsapp, sms) or none: routed at delivery.
    pub channel: Option<String>,
    /// The approved WhatsApp template sent instead when the lead has not written on WhatsApp
    /// in 24 hours, its language code (en_US) and its body parameters (variable names).
    #[serde(default)]
    pub wa_template: Option<String>,
    #[serde(default)]
    pub wa_template_language: Option<String>,
    #[serde(default)]
    pub wa_template_params: Vec<String>,
    /// Other texts of the step under an A/B test (B, C, …); each enrolment gets one variant for
    /// the whole campaign, the step's own text being A.
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// An alternative text of a step, in the three languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub template_en: String,
    pub template_fa: String,
    pub template_ar: String,
}

impl Step {
    pub fn template(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.template_en,
            Language::Fa => &self.template_fa,
            Language::Ar => &self.template_ar,
        }
    }

    /// The text of variant `v` (0 = the step's own) in `lang`.
    pub fn variant_template(&self, v: usize, lang: Language) -> &str {
        match (v, self.variants.get(v.wrapping_sub(1))) {
            (0, _) | (_, None) => self.template(lang),
            (_, Some(x)) => match lang {
                Language::En => &x.template_en,
                Language::Fa => &x.template_fa,
                Language::Ar => &x.template_ar,
            },
        }
    }
}

/// A variant's letter: 0 → A, 1 → B, …
pub fn variant_label(v: usize) -> String {
    char::from(b'A' + (v % 26) as u8).to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    /// Drafts wait for the agent's approval before they go.
    pub review_before_sending: bool,
    pub steps: Vec<Step>,
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    pub due: usize,
    pub queued: usize,
    pub stopped: usize,
    pub deferred: usize,
    pub skipped: usize,
}

/// A lead's place in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolment {
    pub campaign_id: i64,
    pub campaign: String,
    pub enrolled_at: String,
    pub next_step: i64,
    pub steps: i64,
    pub next_due_at: Option<String>,
    pub state: String,
    pub stop_reason: Option<String>,
}

fn default_steps() -> Vec<Step> {
    let s = |position: i64, offset_minutes: i64, label: &str, en: &str, fa: &str, ar: &str| Step {
        position,
        offset_minutes,
        label: label.into(),
        template_en: en.into(),
        template_fa: fa.into(),
        template_ar: ar.into(),
        channel: None,
        wa_template: None,
        wa_template_language: None,
        wa_template_params: vec![],
        variants: vec![],
    };
    vec![
        s(1, 60, "Introduction",
            "Hi {first_name}, this is {agent_name}. Thank you for your interest in property in {location}. What matters most to you in your next home?",
            "سلام {first_name}، {agent_name} هستم. از علاقه شما به املاک {location} ممنونم. مهم‌ترین ویژگی خانه بعدی‌تان برایتان چیست؟",
            "مرحباً {first_name}، معك {agent_name}. شكراً لاهتمامك بالعقارات في {location}. ما أهم ما تبحث عنه في منزلك القادم؟"),
        s(2, 3 * 24 * 60, "Value",
            "Hi {first_name}, a quick market note: well-priced homes in {location} are moving fast this month. Shall I send you the best options within {budget}?",
            "سلام {first_name}، یک نکته از بازار: خانه‌های خوش‌قیمت در {location} این ماه سریع فروخته می‌شوند. گزینه‌های مناسب در حد {budget} را برایتان بفرستم؟",
            "مرحباً {first_name}، ملاحظة سريعة عن السوق: المنازل ذات الأسعار الجيدة في {location} تُباع بسرعة هذا الشهر. هل أرسل لك أفضل الخيارات ضمن {budget}؟"),
        s(3, 6 * 24 * 60, "Urgency",
            "{first_name}, a few homes matching your brief in {location} just had price updates, and viewings this week are filling up. Shall I hold a slot for you?",
            "{first_name}، قیمت چند ملک مطابق خواسته شما در {location} به‌روز شده و وقت‌های بازدید این هفته در حال پر شدن است. برایتان وقت رزرو کنم؟",
            "{first_name}، تم تحديث أسعار بعض المنازل المطابقة لطلبك في {location}، ومواعيد المعاينة هذا الأسبوع تمتلئ. هل أحجز لك موعداً؟"),
        s(4, 10 * 24 * 60, "New listings",
            "Hi {first_name}, new listings with {bedrooms} bedrooms in {location} came in this week. Would you like the shortlist?",
            "سلام {first_name}، این هفته آگهی‌های جدیدی با {bedrooms} خواب در {location} رسیده است. فهرست منتخب را بفرستم؟",
            "مرحباً {first_name}، وصلت هذا الأسبوع عروض جديدة بعدد {bedrooms} غرف نوم في {location}. هل ترغب في القائمة المختصرة؟"),
        s(5, 14 * 24 * 60, "Check-in",
            "Hi {first_name}, just checking in: are you still looking in {location}? If your plans changed, reply and I will update my search. — {agent_name}",
            "سلام {first_name}، خواستم بپرسم هنوز در {location} دنبال ملک هستید؟ اگر برنامه‌تان تغییر کرده، پاسخ دهید تا جست‌وجو را به‌روز کنم. — {agent_name}",
            "مرحباً {first_name}، أردت الاطمئنان: هل ما زلت تبحث في {location}؟ إذا تغيرت خططك، رد علي وسأحدّث بحثي. — {agent_name}"),
    ]
}

/// Makes sure workspace `ws_id` has the default campaign.
pub fn ensure_default(conn: &Connection, ws_id: i64, now: DateTime<Utc>) -> Result<i64> {
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM campaigns WHERE workspace_id = ?1 AND is_default = 1")?
        .query_row([ws_id], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO campaigns (workspace_id, name, is_default, created_at) VALUES (?1, ?2, 1, ?3)",
        params![ws_id, DEFAULT_CAMPAIGN, fmt_time(now)],
    )?;
    let id = conn.last_insert_rowid();
    save_steps(conn, id, &default_steps())?;
    Ok(id)
}

fn save_steps(conn: &Connection, campaign_id: i64, steps: &[Step]) -> Result<()> {
    conn.execute("DELETE FROM campaign_steps WHERE campaign_id = ?1", [campaign_id])?;
    // The default steps are also written while migrating to schema 3, before variants existed.
    let has_variants: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'step_variants'", [], |r| r.get(0))?;
    if has_variants {
        conn.execute("DELETE FROM step_variants WHERE campaign_id = ?1", [campaign_id])?;
        for s in steps {
            for (i, v) in s.variants.iter().enumerate() {
                conn.execute(
                    "INSERT INTO step_variants (campaign_id, position, variant, template_en, template_fa, template_ar)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![campaign_id, s.position, i as i64 + 1, v.template_en, v.template_fa, v.template_ar],
                )?;
            }
        }
    }
    for s in steps {
        conn.execute(
            "INSERT INTO campaign_steps (campaign_id, position, offset_minutes, label, template_en, template_fa, template_ar, channel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![campaign_id, s.position, s.offset_minutes, s.label, s.template_en, s.template_fa, s.template_ar, s.channel],
        )?;
        // Only steps that have one touch the template columns (schema 6): the default steps
        // are also written while migrating to schema 3.
        if s.wa_template.is_some() {
            conn.execute(
                "UPDATE campaign_steps SET wa_template = ?3, wa_template_language = ?4, wa_template_params = ?5
                 WHERE campaign_id = ?1 AND position = ?2",
                params![
                    campaign_id, s.position, s.wa_template, s.wa_template_language,
                    serde_json::to_string(&s.wa_template_params).unwrap_or_else(|_| "[]".into())
                ],
            )?;
        }
    }
    Ok(())
}

pub(crate) fn steps_of(conn: &Connection, campaign_id: i64) -> Result<Vec<Step>> {
    let rows = conn
        .prepare_cached(
            "SELECT position, offset_minutes, label, template_en, template_fa, template_ar, channel,
                wa_template, wa_template_language, wa_template_params
             FROM campaign_steps WHERE campaign_id = ?1 ORDER BY position",
        )?
        .query_map([campaign_id], |r| {
            Ok(Step {
                position: r.get(0)?,
                offset_minutes: r.get(1)?,
                label: r.get(2)?,
                template_en: r.get(3)?,
                template_fa: r.get(4)?,
                template_ar: r.get(5)?,
                channel: r.get(6)?,
                wa_template: r.get(7)?,
                wa_template_language: r.get(8)?,
                wa_template_params: crate::store::rows::json_col(r, 9)?,
                variants: vec![],
            })
        })?
        .collect::<rusqlite::Result<Vec<Step>>>()?;
    let mut rows = rows;
    let mut stmt = conn.prepare_cached(
        "SELECT position, template_en, template_fa, template_ar FROM step_variants WHERE campaign_id = ?1 ORDER BY position, variant",
    )?;
    let variants = stmt.query_map([campaign_id], |r| {
        Ok((r.get::<_, i64>(0)?, Variant { template_en: r.get(1)?, template_fa: r.get(2)?, template_ar: r.get(3)? }))
    })?;
    for v in variants {
        let (position, v) = v?;
        if let Some(step) = rows.iter_mut().find(|s| s.position == position) {
            step.variants.push(v);
        }
    }
    Ok(rows)
}

pub fn campaigns(conn: &Connection, ws: &Workspace) -> Result<Vec<Campaign>> {
    let heads: Vec<(i64, String, bool, bool)> = conn
        .prepare_cached("SELECT id, name, is_default, review_before_sending FROM campaigns WHERE workspace_id = ?1 ORDER BY id")?
        .query_map([ws.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    heads
        .into_iter()
        .map(|(id, name, is_default, review_before_sending)| Ok(Campaign { id, name, is_default, review_before_sending, steps: steps_of(conn, id)? }))
        .collect()
}

pub fn campaign(conn: &Connection, ws: &Workspace, id: i64) -> Result<Campaign> {
    campaigns(conn, ws)?.into_iter().find(|c| c.id == id).ok_or_else(|| Error::not_found(format!("campaign {id}")))
}

/// Replaces a campaign's steps (the editor saves them all at once). Offsets must increase;
/// every template must be non-blank and use only known variables.
pub fn update_steps(conn: &Connection, ws: &Workspace, id: i64, steps: &[Step]) -> Result<Campaign> {
    campaign(conn, ws, id)?;
    if steps.is_empty() || steps.len() > 20 {
        return Err(Error::validation("steps", "a campaign has 1 to 20 steps"));
    }
    let mut last = -1;
    for (i, s) in steps.iter().enumerate() {
        if s.offset_minutes <= last || s.offset_minutes < 0 {
            return Err(Error::validation("offset_minutes", format!("step {} must come after step {}", i + 1, i)));
        }
        last = s.offset_minutes;
        for (field, t) in [("template_en", &s.template_en), ("template_fa", &s.template_fa), ("template_ar", &s.template_ar)] {
            if t.trim().is_empty() || t.chars().count() > 1_000 {
                return Err(Error::validation(field, format!("step {} needs a message of 1 to 1000 characters", i + 1)));
            }
            if let Some(bad) = templates::unknown_variables(t).into_iter().next() {
                return Err(Error::validation(field, format!("step {}: unknown variable {{{bad}}}", i + 1)));
            }
        }
        if let Some(c) = &s.channel {
            if c != "telegram" && c != "whatsapp" && c != "sms" {
                return Err(Error::validation("channel", "a step's channel is telegram, whatsapp or sms"));
            }
        }
        check_wa_template(i + 1, s)?;
        if s.variants.len() > 3 {
            return Err(Error::validation("variants", format!("step {} has at most 4 variants (A to D)", i + 1)));
        }
        for (j, v) in s.variants.iter().enumerate() {
            for (field, t) in [("template_en", &v.template_en), ("template_fa", &v.template_fa), ("template_ar", &v.template_ar)] {
                let which = format!("step {} variant {}", i + 1, variant_label(j + 1));
                if t.trim().is_empty() || t.chars().count() > 1_000 {
                    return Err(Error::validation(field, format!("{which} needs a message of 1 to 1000 characters")));
                }
                if let Some(bad) = templates::unknown_variables(t).into_iter().next() {
                    return Err(Error::validation(field, format!("{which}: unknown variable {{{bad}}}")));
                }
            }
        }
    }
    let numbered: Vec<Step> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let template = s.wa_template.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
            Step {
                position: i as i64 + 1,
                label: s.label.trim().to_string(),
                wa_template_language: template.as_ref().map(|_| {
                    s.wa_template_language.as_deref().map(str::trim).filter(|l| !l.is_empty()).unwrap_or("en_US").to_string()
                }),
                wa_template_params: if template.is_some() { s.wa_template_params.clone() } else { vec![] },
                wa_template: template,
                ..s.clone()
            }
        })
        .collect();
    save_steps(conn, id, &numbered)?;
    campaign(conn, ws, id)
}

/// A step's WhatsApp template: a Meta template name (lower case, digits, _), a language code
/// (`en`, `en_US`), at most 10 parameters, each a template variable.
fn check_wa_template(n: usize, s: &Step) -> Result<()> {
    let Some(name) = s.wa_template.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { return Ok(()) };
    if name.len() > 512 || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(Error::validation("wa_template", format!("step {n}: a template name is lower-case letters, digits and _ (as approved by Meta)")));
    }
    if let Some(l) = s.wa_template_language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        let ok = l.len() <= 8 && l.split('_').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()));
        if !ok {
            return Err(Error::validation("wa_template_language", format!("step {n}: a language code looks like en_US, fa or ar")));
        }
    }
    if s.wa_template_params.len() > 10 {
        return Err(Error::validation("wa_template_params", format!("step {n}: at most 10 template parameters")));
    }
    if let Some(bad) = s.wa_template_params.iter().find(|p| !templates::VARIABLES.contains(&p.as_str())) {
        return Err(Error::validation("wa_template_params", format!("step {n}: unknown variable {bad}")));
    }
    Ok(())
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
        .and_then(|(id, offset)| offset.map(|o| (id, now + Duration::minutes(o)))))
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
fn refresh_next(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE leads SET next_followup_at =
            (SELECT min(next_due_at) FROM enrolments WHERE lead_id = ?2 AND state = 'active')
         WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![ws.id, lead_id])?;
    Ok(())
}

fn set_state(conn: &Connection, ws: &Workspace, lead_id: i64, from: &str, to: &str, reason: Option<&str>) -> Result<usize> {
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

/// Why a due enrolment stops instead of sending, if it does.
fn stop_reason(lead: &Lead, enrolled_at: DateTime<Utc>) -> Option<&'static str> {
    if lead.last_inbound_at.is_some_and(|t| t > enrolled_at) {
        return Some("the lead replied");
    }
    if matches!(lead.status, Status::Qualified | Status::Viewing | Status::Negotiating | Status::Won | Status::Lost) {
        return Some("the lead's status ends nurturing");
    }
    if [Channel::Telegram, Channel::Whatsapp, Channel::Sms].iter().all(|c| lead.opt_outs.contains(c)) {
        return Some("the lead opted out of every channel");
    }
    None
}

/// Whether `now` is inside the workspace's sending window (local time).
pub fn in_window(ws: &Workspace, now: DateTime<Utc>) -> bool {
    let tz = ws.tz();
    let local = now.with_timezone(&tz).time();
    let start = NaiveTime::parse_from_str(&ws.quiet_start, "%H:%M").unwrap_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    let end = NaiveTime::parse_from_str(&ws.quiet_end, "%H:%M").unwrap_or(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default());
    if start < end { local >= start && local < end } else { local >= start || local < end }
}

/// Whether one more automatic message now would break pacing: one per local calendar day,
/// two in any rolling 7 days.
fn pacing_allows(conn: &Connection, ws: &Workspace, lead_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let day_start = ws.day_start(ws.local_day(now));
    let week_start = now - Duration::days(7);
    let (today, week): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE queued_at >= ?3), count(*) FROM outbox
             WHERE lead_id = ?1 AND kind IN ('followup', 'property') AND queued_at > ?2 AND workspace_id = ?4",
        )?
        .query_row(params![lead_id, fmt_time(week_start), fmt_time(day_start), ws.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(today < 1 && week < 2)
}

/// One tick for workspace `ws` at `now`, inside the caller's write transaction.
pub fn tick(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<TickReport> {
    let mut report = TickReport::default();
    let now_s = fmt_time(now);
    // Due leads come from the leads' own next-follow-up index.
    let due: Vec<(i64, i64, String, i64)> = conn
        .prepare_cached(
            "SELECT e.lead_id, e.campaign_id, e.enrolled_at, e.next_step FROM leads l
             JOIN enrolments e ON e.lead_id = l.id AND e.state = 'active' AND e.next_due_at <= ?2
             WHERE l.workspace_id = ?1 AND l.next_followup_at <= ?2
             ORDER BY e.next_due_at, e.lead_id",
        )?
        .query_map(params![ws.id, now_s], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    report.due = due.len();
    if due.is_empty() {
        return Ok(report);
    }
    let open_window = in_window(ws, now);
    let mut steps_cache: Vec<(i64, Vec<Step>)> = Vec::new();
    for (lead_id, campaign_id, enrolled_at_s, next_step) in due {
        let lead = leads::get(conn, ws, lead_id)?;
        let enrolled_at = parse_time(&enrolled_at_s).ok_or_else(|| Error::Internal(format!("bad enrolment time {enrolled_at_s}")))?;
        if let Some(reason) = stop_reason(&lead, enrolled_at) {
            stop(conn, ws, lead_id, reason)?;
            report.stopped += 1;
            continue;
        }
        if !open_window || !pacing_allows(conn, ws, lead_id, now)? {
            report.deferred += 1;
            continue;
        }
        if !steps_cache.iter().any(|(id, _)| *id == campaign_id) {
            steps_cache.push((campaign_id, steps_of(conn, campaign_id)?));
        }
        let steps = &steps_cache.iter().find(|(id, _)| *id == campaign_id).map(|(_, s)| s.as_slice()).unwrap_or(&[]);
        let due_at = |s: &Step| enrolled_at + Duration::minutes(s.offset_minutes);
        let pending: Vec<&Step> = steps.iter().filter(|s| s.position >= next_step).collect();
        let Some(latest) = pending.iter().filter(|s| due_at(s) <= now).max_by_key(|s| s.position).copied() else {
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

/// One variant of a step under test: how many got it, how many replied after it went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantStats {
    pub variant: usize,
    pub label: String,
    pub sent: i64,
    pub replied: i64,
    pub reply_rate: f64,
    /// Wilson 95 % interval of the reply rate.
    pub low: f64,
    pub high: f64,
    /// Against variant A (absent for A itself, or with nothing sent).
    pub versus_a: Option<crate::followups::abtest::Comparison>,
}

/// A step's A/B figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    pub campaign_id: i64,
    pub campaign: String,
    pub position: i64,
    pub label: String,
    pub variants: Vec<VariantStats>,
    /// The variant with the best reply rate, if its lead over A is significant.
    pub winner: Option<usize>,
}

/// Per variant of every step that has variants (or had messages sent under one): sent,
/// replied (the lead wrote after that message went), reply rate, its 95 % interval and the
/// two-proportion test against A.
pub fn stats(conn: &Connection, ws: &Workspace) -> Result<Vec<StepStats>> {
    let mut out = Vec::new();
    for c in campaigns(conn, ws)? {
        for step in &c.steps {
            let count = step.variants.len() + 1;
            let mut stmt = conn.prepare_cached(
                "SELECT coalesce(o.variant, 0), count(*),
                        sum(EXISTS (SELECT 1 FROM timeline t WHERE t.lead_id = o.lead_id AND t.kind = 'replied' AND t.at >= o.sent_at))
                 FROM outbox o
                 WHERE o.workspace_id = ?1 AND o.kind = 'followup' AND o.campaign_id = ?2 AND o.campaign_step = ?3
                   AND o.status IN (?4, ?5, ?6) AND o.variant IS NOT NULL
                 GROUP BY 1",
            )?;
            use crate::model::MessageStatus::{Delivered, Read, Sent};
            let counts: Vec<(i64, i64, i64)> =
                stmt.query_map(params![ws.id, c.id, step.position, Sent, Delivered, Read], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
            if count == 1 && counts.is_empty() {
                continue;
            }
            let n = count.max(counts.iter().map(|(v, _, _)| *v as usize + 1).max().unwrap_or(0));
            let of = |v: usize| counts.iter().find(|(x, _, _)| *x as usize == v).map(|(_, s, r)| (*s, *r)).unwrap_or((0, 0));
            let (a_sent, a_replied) = of(0);
            let variants: Vec<VariantStats> = (0..n)
                .map(|v| {
                    let (sent, replied) = of(v);
                    let (low, high) = crate::followups::abtest::wilson(replied, sent);
                    VariantStats {
                        variant: v,
                        label: variant_label(v),
                        sent,
                        replied,
                        reply_rate: if sent > 0 { replied as f64 / sent as f64 } else { 0.0 },
                        low,
                        high,
                        versus_a: if v == 0 { None } else { crate::followups::abtest::compare(replied, sent, a_replied, a_sent) },
                    }
                })
                .collect();
            let best = variants.iter().max_by(|a, b| a.reply_rate.total_cmp(&b.reply_rate)).map(|v| v.variant);
            let winner = best.filter(|b| *b != 0 && variants[*b].versus_a.is_some_and(|c| c.significant && c.z > 0.0));
            out.push(StepStats { campaign_id: c.id, campaign: c.name.clone(), position: step.position, label: step.label.clone(), variants, winner });
        }
    }
    Ok(out)
}

/// Makes variant `v` the step's only text: the test is over.
pub fn promote(conn: &Connection, ws: &Workspace, campaign_id: i64, position: i64, v: usize) -> Result<Campaign> {
    let c = campaign(conn, ws, campaign_id)?;
    let mut steps = c.steps.clone();
    let step = steps.iter_mut().find(|s| s.position == position).ok_or_else(|| Error::not_found(format!("step {position} of campaign {campaign_id}")))?;
    if v > step.variants.len() {
        return Err(Error::validation("variant", format!("step {position} has no variant {}", variant_label(v))));
    }
    if v > 0 {
        let chosen = step.variants[v - 1].clone();
        step.template_en = chosen.template_en;
        step.template_fa = chosen.template_fa;
        step.template_ar = chosen.template_ar;
    }
    step.variants.clear();
    save_steps(conn, campaign_id, &steps)?;
    campaign(conn, ws, campaign_id)
}
