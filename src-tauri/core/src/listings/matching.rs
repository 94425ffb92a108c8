//! Matching a listing to buyers (SPEC §4) and telling them.
//!
//! A lead matches when every criterion it has set holds: one of its areas is the listing's
//! area (after `areas::key`), price within budget min × 0.90 … max × 1.10, type equal,
//! bedrooms at least its minimum, purpose buy↔sale / rent↔rent, and it is not won or lost.
//! A lead with no criteria matches nothing. The match index `lead_match` holds, for every open
//! lead, its criteria once per wished-for area key (`""` when it names none), so the query
//! filters inside one index and reads only the leads that do match. Results are complete — no
//! cap — and ranked by grade, then fit.

use crate::error::Result;
use crate::model::{Channel, Grade};
use crate::listings::properties::Property;
use crate::workspace::Workspace;
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

/// One matching lead.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Match {
    /// The lead's id (also as `lead_id`).
    pub id: i64,
    pub lead_id: i64,
    pub name: String,
    pub grade: Grade,
    pub score: i64,
    /// How closely the listing fits what the lead asked for, 0–1 (1: exactly), over
    /// `matched_on` only.
    pub fit: f64,
    /// The criteria the lead set, each of which the listing meets.
    pub matched_on: Vec<Criterion>,
    /// The criteria the lead has not given: the fit says nothing about them.
    pub not_given: Vec<Criterion>,
    /// Whether Leadbook can message the lead (Telegram, WhatsApp or SMS, not opted out).
    pub reachable: bool,
    pub phone: Option<String>,
    /// The alert about this listing queued for the lead, and where it stands; `None` when the
    /// lead was not told (filled by `Book::property_matches`, which reads the outbox).
    pub alert: Option<MatchAlert>,
}

/// Where the alert telling a matching lead about the listing stands.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MatchAlert {
    pub message_id: i64,
    pub status: crate::model::MessageStatus,
    /// The channel it went or goes by; `manual` when it is the agent's to send by hand.
    pub channel: Option<String>,
    /// `pending` while held for the agent's review.
    pub review: Option<String>,
    /// Why it waits or failed.
    pub error: Option<String>,
    /// The compliance rule holding it back, when it is `held` (SPEC §14).
    pub held_for: Option<crate::model::HoldReason>,
}

/// One of the lead's criteria a listing is matched on (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Area,
    Budget,
    PropertyType,
    Bedrooms,
    Purpose,
}

impl Criterion {
    pub const ALL: [Criterion; 5] = [Criterion::Area, Criterion::Budget, Criterion::PropertyType, Criterion::Bedrooms, Criterion::Purpose];
}

/// What telling the matching buyers did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Notified {
    pub matched: usize,
    /// Messages newly queued (a lead already told about this listing is not told again).
    pub queued: usize,
    /// Matching leads with no usable channel: each has a "call" task.
    pub unreachable: usize,
    pub unreachable_leads: Vec<Match>,
}

/// The SQL that selects the matching leads; `{cols}` is what to return. The benchmark runs
/// it bare as the baseline.
pub const MATCH_SQL: &str = "SELECT {cols} FROM lead_match m JOIN leads l ON l.id = m.lead_id
    WHERE m.workspace_id = ?1 AND m.area_key IN (?2, '') AND l.workspace_id = ?1
      AND (m.budget_max IS NULL OR ?3 * 100 <= m.budget_max * 110)
      AND (m.budget_min IS NULL OR ?3 * 100 >= m.budget_min * 90)
      AND (m.property_type IS NULL OR m.property_type = ?4)
      AND (m.bedrooms IS NULL OR m.bedrooms <= ?5)
      AND (m.purpose IS NULL OR m.purpose = ?6)";

/// Whether a lead with a Telegram id (`telegram`), a phone or WhatsApp number (`number`)
/// and/or an email address (`email`) can be messaged on some channel it has not opted out of.
fn reachable_by(telegram: bool, number: bool, email: bool, opt_outs: &[Channel]) -> bool {
    let open = |c: Channel| !opt_outs.contains(&c);
    (telegram && open(Channel::Telegram)) || number && (open(Channel::Whatsapp) || open(Channel::Sms)) || (email && open(Channel::Email))
}

/// What ranking needs of a matching lead: read straight from the match index and a few
/// columns of the lead, without decoding the whole lead.
struct Candidate {
    id: i64,
    name: String,
    score: Option<i64>,
    has_area: bool,
    budget_min: Option<i64>,
    budget_max: Option<i64>,
    bedrooms: Option<i64>,
    has_type: bool,
    has_purpose: bool,
    telegram: bool,
    phone: Option<String>,
    whatsapp: Option<String>,
    email: bool,
    opt_outs: String,
}

/// How well `p` fits the candidate, 0–1: the mean over the criteria the lead set of how close
/// the listing comes (price against the budget, bedrooms against the minimum; areas, type and
/// purpose fit exactly once matched) — and which criteria those were.
fn fit(c: &Candidate, p: &Property) -> (f64, Vec<Criterion>) {
    let mut parts: Vec<(Criterion, f64)> = Vec::with_capacity(5);
    if c.has_area {
        parts.push((Criterion::Area, 1.0));
    }
    let target = match (c.budget_min, c.budget_max) {
        // In floating point: two budgets near i64::MAX (a book from before budgets had a bound)
        // must not overflow.
        (Some(min), Some(max)) => Some((min as f64 + max as f64) / 2.0),
        (None, Some(max)) => Some(max as f64),
        (Some(min), None) => Some(min as f64),
        (None, None) => None,
    };
    if let Some(t) = target.filter(|t| *t > 0.0) {
        parts.push((Criterion::Budget, (1.0 - (p.price as f64 - t).abs() / t).clamp(0.0, 1.0)));
    }
    if c.has_type {
        parts.push((Criterion::PropertyType, 1.0));
    }
    if let (Some(want), Some(has)) = (c.bedrooms, p.bedrooms) {
        parts.push((Criterion::Bedrooms, 1.0 / (1.0 + (has as f64 - want as f64))));
    }
    if c.has_purpose {
        parts.push((Criterion::Purpose, 1.0));
    }
    if parts.is_empty() {
        return (0.0, vec![]);
    }
    let fit = (parts.iter().map(|(_, f)| f).sum::<f64>() / parts.len() as f64 * 100.0).round() / 100.0;
    (fit, parts.into_iter().map(|(c, _)| c).collect())
}

const CANDIDATE_COLS: &str = "l.id, l.name, l.score, m.area_key <> '', m.budget_min, m.budget_max, m.bedrooms, \
    m.property_type IS NOT NULL, m.purpose IS NOT NULL, l.telegram_id IS NOT NULL, l.phone, l.whatsapp, l.opt_outs, l.email IS NOT NULL";

/// Every lead of `ws` that matches `p`, ranked: grade A first, then closest fit, then score.
pub fn matches(conn: &Connection, ws: &Workspace, p: &Property) -> Result<Vec<Match>> {
    let sql = MATCH_SQL.replace("{cols}", CANDIDATE_COLS);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![ws.id, p.area_key, p.price, p.property_type.map(|t| t.as_str()), p.bedrooms, p.purpose.wanted_by().as_str()],
        |r| {
            Ok(Candidate {
                id: r.get(0)?,
                name: r.get(1)?,
                score: r.get(2)?,
                has_area: r.get(3)?,
                budget_min: r.get(4)?,
                budget_max: r.get(5)?,
                bedrooms: r.get(6)?,
                has_type: r.get(7)?,
                has_purpose: r.get(8)?,
                telegram: r.get(9)?,
                phone: r.get(10)?,
                whatsapp: r.get(11)?,
                opt_outs: r.get(12)?,
                email: r.get(13)?,
            })
        },
    )?;
    let mut out: Vec<Match> = Vec::new();
    for c in rows {
        let c = c?;
        // "[]" is by far the most common: skip decoding it.
        let opt_outs: Vec<Channel> = if c.opt_outs == "[]" { vec![] } else { serde_json::from_str(&c.opt_outs).unwrap_or_default() };
        let (fit, matched_on) = fit(&c, p);
        let not_given = Criterion::ALL.into_iter().filter(|k| !matched_on.contains(k)).collect();
        let reachable = reachable_by(c.telegram, c.phone.is_some() || c.whatsapp.is_some(), c.email, &opt_outs);
        let grade = Grade::of(c.score);
        out.push(Match {
            id: c.id,
            lead_id: c.id,
            name: c.name,
            grade,
            score: c.score.unwrap_or(0),
            fit,
            matched_on,
            not_given,
            reachable,
            phone: c.phone.or(c.whatsapp),
            alert: None,
        });
    }
    out.sort_by(|a, b| {
        a.grade.as_str().cmp(b.grade.as_str()).then(b.fit.total_cmp(&a.fit)).then(b.score.cmp(&a.score)).then(a.id.cmp(&b.id))
    });
    Ok(out)
}

