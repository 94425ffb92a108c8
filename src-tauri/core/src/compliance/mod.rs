//! Compliance evidence (SPEC §14): Leadbook keeps the UAE's rules for marketing messages and
//! proves it kept them.
//!
//! - [`assess`] asks "may I contact?" of one message just before it goes: the checks it passes
//!   (window, opt-out, do not market, quiet hours, pacing, consent, the Do Not Call Register,
//!   the listing's permit), or the rule that holds it back (`held`, with its reason, until the
//!   rule no longer holds — [`release`], which what lifts a rule calls: a permit added, the
//!   register re-imported, consent recorded, a setting or a number changed) or makes it wait
//!   (quiet hours, pacing).
//! - [`log`] writes the contact log: every message that went, every message held, every call.
//! - [`dncr`] keeps the register, [`consent`] the consent per lead and channel, [`report`] the
//!   report a regulator is handed.
//!
//! The checks are the same for every channel; only marketing (follow-ups and listing alerts) is
//! held by the register, consent, permits, quiet hours and pacing — a viewing confirmation or
//! reminder the lead asked for, or a message the agent wrote, is transactional.

pub mod consent;
pub mod dncr;
pub mod report;

use crate::clock::fmt_time;
use crate::error::Result;
use crate::leads::Lead;
pub use crate::model::HoldReason;
use crate::model::{text_enum, Channel, MessageKind, MessageStatus};
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

text_enum!(
    /// One "may I contact?" check (SPEC §14).
    Check {
        Window = "window", OptOut = "opt_out", DoNotMarket = "do_not_market", QuietHours = "quiet_hours",
        Pacing = "pacing", Consent = "consent", Dncr = "dncr", Permit = "permit",
    }
);

text_enum!(
    /// Marketing (follow-ups, listing alerts, calls) or transactional (what the lead asked for:
    /// a viewing's confirmation and reminder; a message the agent wrote to the lead).
    ContactPurpose { Marketing = "marketing", Transactional = "transactional" }
);

text_enum!(
    /// What a contact-log entry records: a message that went (by a provider or by the agent's
    /// hand), one a rule held back, or a call.
    ContactOutcome { Sent = "sent", Held = "held", Call = "call" }
);

impl HoldReason {
    /// The check whose failure this is.
    pub fn check(self) -> Option<Check> {
        match self {
            HoldReason::Dncr => Some(Check::Dncr),
            HoldReason::NoConsent => Some(Check::Consent),
            HoldReason::NoPermit => Some(Check::Permit),
            HoldReason::DoNotMarket => Some(Check::DoNotMarket),
            HoldReason::Review => None,
        }
    }
}

/// Whether a message of `kind` is marketing.
pub fn purpose_of(kind: MessageKind) -> ContactPurpose {
    match kind {
        MessageKind::Followup | MessageKind::Property => ContactPurpose::Marketing,
        MessageKind::Viewing | MessageKind::Manual => ContactPurpose::Transactional,
    }
}

/// What [`assess`] decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It may go now.
    Go,
    /// A rule holds it back until the rule no longer holds (or the agent cancels it).
    Hold(HoldReason),
    /// Not now: the sending window is closed or pacing is spent; it goes at `until` at the
    /// earliest, and is asked again then.
    Wait { until: DateTime<Utc>, check: Check },
    /// It must never go: the follow-up was overtaken by the lead's reply, or the lead opted out
    /// of every channel.
    Drop(&'static str),
}

/// The checks one message passed, and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub purpose: ContactPurpose,
    pub passed: Vec<Check>,
    pub verdict: Verdict,
}

/// One message to ask about: what it is, to whom, over which channel (`None`: by the agent's
/// hand), and when it was queued.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub outbox_id: i64,
    pub lead: &'a Lead,
    pub kind: MessageKind,
    pub property_id: Option<i64>,
    pub channel: Option<Channel>,
    pub queued_at: Option<DateTime<Utc>>,
}

/// "May I contact?" for one message at `now`, the checks in the order of SPEC §14.
pub fn assess(conn: &Connection, ws: &Workspace, ask: &Ask, now: DateTime<Utc>) -> Result<Gate> {
    let purpose = purpose_of(ask.kind);
    let lead = ask.lead;
    let mut passed = Vec::with_capacity(8);
    let gate = |passed: Vec<Check>, verdict| Ok(Gate { purpose, passed, verdict });
    if let Some(c) = ask.channel {
        if lead.opt_outs.contains(&c) {
            return gate(passed, Verdict::Drop("the lead opted out of this channel"));
        }
        passed.push(Check::OptOut);
        if c == Channel::Whatsapp {
            // Routing sent free text inside the 24-hour window, or an approved template.
            passed.push(Check::Window);
        }
    }
    if purpose == ContactPurpose::Transactional {
        return gate(passed, Verdict::Go);
    }
    if ask.kind == MessageKind::Followup && ask.queued_at.is_some_and(|q| lead.last_inbound_at.is_some_and(|r| r > q)) {
        return gate(passed, Verdict::Drop("the lead replied before it went"));
    }
    if ask.kind == MessageKind::Followup && lead.status.ends_nurturing() {
        return gate(passed, Verdict::Drop("the lead's status ends its follow-ups"));
    }
    if lead.do_not_market_at.is_some() {
        return gate(passed, Verdict::Hold(HoldReason::DoNotMarket));
    }
    passed.push(Check::DoNotMarket);
    if dncr::listed(conn, ws, lead)? {
        return gate(passed, Verdict::Hold(HoldReason::Dncr));
    }
    passed.push(Check::Dncr);
    if ask.kind == MessageKind::Property && ws.require_permits {
        if !permit_given(conn, ws, ask.property_id)? {
            return gate(passed, Verdict::Hold(HoldReason::NoPermit));
        }
        passed.push(Check::Permit);
    }
    let consented = consent::has(conn, ws, lead.id, ask.channel)?;
    if consented {
        passed.push(Check::Consent);
    } else if ws.require_consent {
        return gate(passed, Verdict::Hold(HoldReason::NoConsent));
    }
    if !crate::followups::in_window(ws, now) {
        return gate(passed, Verdict::Wait { until: crate::followups::window_opens(ws, now), check: Check::QuietHours });
    }
    passed.push(Check::QuietHours);
    if !pacing_allows(conn, ws, lead.id, ask.outbox_id, now)? {
        let tomorrow = ws.day_start(ws.local_day(now) + Duration::days(1));
        return gate(passed, Verdict::Wait { until: crate::followups::window_opens(ws, tomorrow), check: Check::Pacing });
    }
    passed.push(Check::Pacing);
    gate(passed, Verdict::Go)
}

/// Whether listing `property_id` has a permit (a listing since deleted holds nothing back: its
/// alert names what the lead was told of, and there is no advertisement left to carry one).
fn permit_given(conn: &Connection, ws: &Workspace, property_id: Option<i64>) -> Result<bool> {
    let Some(id) = property_id else { return Ok(true) };
    let permit: Option<Option<String>> = conn
        .prepare_cached("SELECT permit FROM properties WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(params![ws.id, id], |r| r.get(0))
        .optional()?;
    Ok(match permit {
        None => true,
        Some(p) => p.is_some_and(|p| !p.trim().is_empty()),
    })
}

/// Pacing as the messages that went say (SPEC §5): one marketing contact per local day and two
/// in any rolling 7 days — messages sent or being sent (other than `outbox_id`), messages whose
/// fate is unknown, messages waiting for the agent to send by hand (as going now: they are
/// promised), and the agent's unanswered calls. The tick paces what it queues; this
/// paces what goes, so a laptop back online after days never sends a backlog in one day.
pub fn pacing_allows(conn: &Connection, ws: &Workspace, lead_id: i64, outbox_id: i64, now: DateTime<Utc>) -> Result<bool> {
    use MessageStatus::*;
    let day_start = ws.day_start(ws.local_day(now));
    let week_start = now - Duration::days(7);
    let (today, week): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE went >= ?4), count(*) FROM (
                SELECT CASE WHEN status = ?10 AND channel = ?11 THEN ?12 ELSE coalesce(sent_at, sending_since, queued_at) END AS went
                FROM outbox
                WHERE lead_id = ?1 AND workspace_id = ?2 AND id != ?3 AND kind IN (?5, ?6)
                  AND (sent_at IS NOT NULL OR status IN (?7, ?8) OR (status = ?10 AND channel = ?11)))
             WHERE went > ?9",
        )?
        .query_row(
            params![
                lead_id, ws.id, outbox_id, fmt_time(day_start), MessageKind::Followup, MessageKind::Property, Sending, Unknown,
                fmt_time(week_start), Queued, crate::outbox::MANUAL, fmt_time(now)
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    let (calls_today, calls_week) = crate::tasks::calls::unanswered_counts(conn, ws, lead_id, day_start, week_start)?;
    Ok(today + calls_today < 1 && week + calls_week < 2)
}

/// Writes `passed` as the log keeps it: the checks' names, comma-separated, in order.
fn joined(passed: &[Check]) -> String {
    passed.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

/// The checks a log entry keeps, read back.
pub fn checks_of(s: &str) -> Vec<Check> {
    s.split(',').filter_map(|c| Check::parse("check", c).ok()).collect()
}

/// One entry to add to the contact log.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub lead_id: i64,
    pub channel: &'a str,
    pub purpose: ContactPurpose,
    pub outcome: ContactOutcome,
    pub outbox_id: Option<i64>,
    pub call_id: Option<i64>,
    pub passed: &'a [Check],
    pub held_by: Option<HoldReason>,
    /// Rules the agent's own contact did not keep (a call after 18:00, a message sent by hand
    /// to a number on the register): the log says so rather than pretend.
    pub broke: &'a [Check],
    pub detail: Option<&'a str>,
}

/// Adds an entry to the workspace's contact log; the lead's name is copied, so the entry still
/// says who it was after the lead is merged away or deleted.
pub fn log(conn: &Connection, ws: &Workspace, e: &Entry, now: DateTime<Utc>) -> Result<()> {
    let broke = (!e.broke.is_empty()).then(|| joined(e.broke));
    conn.prepare_cached(
        "INSERT INTO contact_log (workspace_id, lead_id, lead_name, at, channel, purpose, outcome, outbox_id, call_id, passed, held_by, broke, detail)
         SELECT ?1, id, name, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 FROM leads WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![
        ws.id, e.lead_id, fmt_time(now), e.channel, e.purpose, e.outcome, e.outbox_id, e.call_id, joined(e.passed), e.held_by, broke, e.detail
    ])?;
    Ok(())
}

/// A lead merged into another: its log entries are the kept lead's now.
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE contact_log SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?.execute(params![ws.id, from, to])?;
    consent::move_to_lead(conn, ws, from, to)
}

/// What the agent did by hand (a call, a message sent by hand) checked after the fact: the
/// checks it kept and the rules it did not. Nothing is refused — it happened — but the log
/// tells the truth of it.
pub fn by_hand(conn: &Connection, ws: &Workspace, lead: &Lead, purpose: ContactPurpose, at: DateTime<Utc>, outbox_id: i64) -> Result<(Vec<Check>, Vec<Check>)> {
    let (mut passed, mut broke) = (vec![], vec![]);
    if purpose == ContactPurpose::Transactional {
        return Ok((passed, broke));
    }
    let mut note = |ok: bool, c: Check| if ok { passed.push(c) } else { broke.push(c) };
    note(lead.do_not_market_at.is_none(), Check::DoNotMarket);
    note(!dncr::listed(conn, ws, lead)?, Check::Dncr);
    let consented = consent::has(conn, ws, lead.id, None)?;
    if consented || ws.require_consent {
        note(consented, Check::Consent);
    }
    note(crate::followups::in_window(ws, at), Check::QuietHours);
    note(pacing_allows(conn, ws, lead.id, outbox_id, at)?, Check::Pacing);
    Ok((passed, broke))
}

/// What became of the held messages whose rule no longer holds: back in the queue (each goes
/// once, when delivery next asks), the log saying nothing new until it goes. How many.
pub fn release(conn: &Connection, ws: &Workspace) -> Result<usize> {
    let held: Vec<(i64, i64, Option<String>, Option<i64>)> = conn
        .prepare_cached("SELECT id, lead_id, held_for, property_id FROM outbox WHERE workspace_id = ?1 AND status = ?2")?
        .query_map(params![ws.id, MessageStatus::Held], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut released = 0;
    for (id, lead_id, reason, property_id) in held {
        let Ok(lead) = crate::leads::get(conn, ws, lead_id) else { continue };
        let still = match reason.as_deref().and_then(|r| HoldReason::parse("reason", r).ok()) {
            Some(HoldReason::Dncr) => dncr::listed(conn, ws, &lead)?,
            Some(HoldReason::NoPermit) => ws.require_permits && !permit_given(conn, ws, property_id)?,
            Some(HoldReason::NoConsent) => ws.require_consent && !consent::has(conn, ws, lead_id, None)?,
            Some(HoldReason::DoNotMarket) => lead.do_not_market_at.is_some(),
            Some(HoldReason::Review) | None => false,
        };
        if !still && crate::outbox::unhold(conn, ws, id)? == 1 {
            released += 1;
            // An alert written while its listing had no permit is written again with the one it
            // has now, whatever held it (the register, consent, the permit itself).
            rerender_alert(conn, ws, id, &lead, property_id)?;
        }
    }
    Ok(released)
}

/// A released alert is written again from the template with the listing as it is now (its
/// permit may have come meanwhile); a text the model or the agent wrote is left as it is.
fn rerender_alert(conn: &Connection, ws: &Workspace, id: i64, lead: &Lead, property_id: Option<i64>) -> Result<()> {
    let Some(pid) = property_id else { return Ok(()) };
    let Ok(p) = crate::listings::properties::get(conn, ws, pid) else { return Ok(()) };
    use crate::followups::templates;
    let ctx = templates::Context { lead, workspace: ws, property: Some(&p) };
    let body = templates::render(templates::property_alert(ctx.language()), &ctx);
    crate::outbox::rewrite_template(conn, ws, id, &body)?;
    Ok(())
}

/// What a lead's page shows of compliance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct LeadCompliance {
    pub lead_id: i64,
    /// The lead's phone or WhatsApp number is on the Do Not Call Register.
    pub dncr: bool,
    pub consents: Vec<consent::Consent>,
    /// Its messages a rule holds back, by reason.
    pub held: Vec<HeldCount>,
}

/// How many of a lead's messages one rule holds back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct HeldCount {
    pub reason: HoldReason,
    pub count: i64,
}

/// [`LeadCompliance`] of lead `lead_id`.
pub fn for_lead(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<LeadCompliance> {
    let lead = crate::leads::get(conn, ws, lead_id)?;
    let held = conn
        .prepare_cached("SELECT held_for, count(*) FROM outbox WHERE workspace_id = ?1 AND lead_id = ?2 AND status = ?3 GROUP BY held_for ORDER BY held_for")?
        .query_map(params![ws.id, lead_id, MessageStatus::Held], |r| {
            Ok(HeldCount { reason: crate::store::rows::enum_col(r, 0, HoldReason::parse)?, count: r.get(1)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(LeadCompliance { lead_id, dncr: dncr::listed(conn, ws, &lead)?, consents: consent::list(conn, ws, lead_id)?, held })
}

/// How the window and the report name a hold.
pub fn hold_words(reason: HoldReason) -> &'static str {
    match reason {
        HoldReason::Dncr => "the number is on the Do Not Call Register",
        HoldReason::NoConsent => "no consent for this channel, and the workspace requires it",
        HoldReason::NoPermit => "the listing has no permit number yet",
        HoldReason::DoNotMarket => "the lead is marked do not market",
        HoldReason::Review => "waiting for the agent's review",
    }
}

// How the contact report (its `.xlsx`) names the checks, purposes, outcomes and hold reasons
// (see `model::words`); the CSV and the command line keep the codes.
crate::model::words::words!(Check {
    Window => ["WhatsApp 24-hour window", "پنجرهٔ ۲۴ ساعتهٔ واتس‌اپ", "نافذة واتساب ٢٤ ساعة"],
    OptOut => ["Not opted out", "انصراف نداده", "لم يُلغِ الاشتراك"],
    DoNotMarket => ["Not marked do not market", "بدون علامت «تبلیغ نکن»", "غير مُعلَّم بعدم التسويق"],
    QuietHours => ["Within sending hours", "در ساعات ارسال", "ضمن ساعات الإرسال"],
    Pacing => ["Pacing", "فاصله‌گذاری", "وتيرة الإرسال"],
    Consent => ["Consent", "رضایت", "الموافقة"],
    Dncr => ["Not on the Do Not Call Register", "نبودن در فهرست «تماس نگیرید»", "غير مسجل في سجل عدم الاتصال"],
    Permit => ["Listing permit", "مجوز آگهی", "تصريح الإعلان"],
});

crate::model::words::words!(ContactPurpose {
    Marketing => ["Marketing", "بازاریابی", "تسويق"],
    Transactional => ["Transactional", "تراکنشی", "معاملات"],
});

crate::model::words::words!(ContactOutcome {
    Sent => ["Sent", "فرستاده شد", "أُرسلت"],
    Held => ["Held", "نگه داشته شد", "محتجزة"],
    Call => ["Call", "تماس", "مكالمة"],
});

crate::model::words::words!(HoldReason {
    Dncr => ["Do Not Call Register", "فهرست «تماس نگیرید»", "سجل عدم الاتصال"],
    NoConsent => ["No consent", "بدون رضایت", "لا موافقة"],
    NoPermit => ["No permit", "بدون مجوز", "لا تصريح"],
    DoNotMarket => ["Do not market", "تبلیغ نکن", "عدم التسويق"],
    Review => ["Review", "بررسی", "مراجعة"],
});

#[cfg(test)]
mod tests;
