//! Matching a listing to buyers (SPEC §4) and telling them.
//!
//! A lead matches when every criterion it has set holds: one of its areas is the listing's
//! area (after `areas::key`), price within budget min × 0.90 … max × 1.10, type equal,
//! bedrooms at least its minimum, purpose buy↔sale / rent↔rent, and it is not won or lost.
//! A lead with no criteria matches nothing. The match index `lead_match` holds, for every open
//! lead, its criteria once per wished-for area key (`""` when it names none), so the query
//! filters inside one index and reads only the leads that do match. Results are complete — no
//! cap — and ranked by grade, then fit.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::leads::{self, Lead};
use crate::model::{Channel, Grade, PropertyStatus};
use crate::properties::Property;
use crate::templates;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

/// One matching lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The lead's id (also as `lead_id`).
    pub id: i64,
    pub lead_id: i64,
    pub name: String,
    pub grade: Grade,
    pub score: i64,
    /// How closely the listing fits what the lead asked for, 0–1 (1: exactly).
    pub fit: f64,
    /// Whether Leadbook can message the lead (Telegram, WhatsApp or SMS, not opted out).
    pub reachable: bool,
    pub phone: Option<String>,
}

/// What telling the matching buyers did.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Whether `lead` can be messaged on some channel it has not opted out of.
pub fn reachable(lead: &Lead) -> bool {
    let open = |c: Channel| !lead.opt_outs.contains(&c);
    (lead.telegram_id.is_some() && open(Channel::Telegram))
        || (lead.whatsapp.is_some() || lead.phone.is_some()) && (open(Channel::Whatsapp) || open(Channel::Sms))
}

/// How well `p` fits `lead`, 0–1: the mean over the criteria the lead set of how close the
/// listing comes (price against the budget, bedrooms against the minimum; areas, type and
/// purpose fit exactly once matched).
fn fit(lead: &Lead, p: &Property) -> f64 {
    let mut parts: Vec<f64> = Vec::new();
    if !lead.locations.is_empty() {
        parts.push(1.0);
    }
    let target = match (lead.budget_min, lead.budget_max) {
        (Some(min), Some(max)) => Some((min + max) as f64 / 2.0),
        (None, Some(max)) => Some(max as f64),
        (Some(min), None) => Some(min as f64),
        (None, None) => None,
    };
    if let Some(t) = target.filter(|t| *t > 0.0) {
        parts.push((1.0 - (p.price as f64 - t).abs() / t).clamp(0.0, 1.0));
    }
    if let (Some(want), Some(has)) = (lead.bedrooms, p.bedrooms) {
        parts.push(1.0 / (1.0 + (has - want) as f64));
    }
    if lead.property_type.is_some() {
        parts.push(1.0);
    }
    if lead.purpose.is_some() {
        parts.push(1.0);
    }
    if parts.is_empty() {
        return 0.0;
    }
    (parts.iter().sum::<f64>() / parts.len() as f64 * 100.0).round() / 100.0
}

/// Every lead of `ws` that matches `p`, ranked: grade A first, then closest fit, then score.
pub fn matches(conn: &Connection, ws: &Workspace, p: &Property) -> Result<Vec<(Match, Lead)>> {
    let sql = MATCH_SQL.replace("{cols}", &leads::COLUMNS.split(", ").map(|c| format!("l.{}", c.trim())).collect::<Vec<_>>().join(", "));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![ws.id, p.area_key, p.price, p.property_type.map(|t| t.as_str()), p.bedrooms, p.purpose.wanted_by().as_str()],
        leads::from_row,
    )?;
    let mut out: Vec<(Match, Lead)> = Vec::new();
    for lead in rows {
        let lead = lead?;
        let m = Match {
            id: lead.id,
            lead_id: lead.id,
            name: lead.name.clone(),
            grade: lead.grade,
            score: lead.score,
            fit: fit(&lead, p),
            reachable: reachable(&lead),
            phone: lead.phone.clone().or_else(|| lead.whatsapp.clone()),
        };
        out.push((m, lead));
    }
    out.sort_by(|(a, _), (b, _)| {
        a.grade.as_str().cmp(b.grade.as_str()).then(b.fit.total_cmp(&a.fit)).then(b.score.cmp(&a.score)).then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Tells every matching lead about `p` once: a queued message for each reachable one, a
/// "call" task for each other. Only an available listing is announced.
pub fn notify(conn: &Connection, ws: &Workspace, p: &Property, now: DateTime<Utc>) -> Result<Notified> {
    let found = matches(conn, ws, p)?;
    let mut result = Notified { matched: found.len(), queued: 0, unreachable: 0, unreachable_leads: vec![] };
    if p.status != PropertyStatus::Available {
        return Ok(result);
    }
    let at = fmt_time(now);
    let mut queue = conn.prepare_cached(
        "INSERT OR IGNORE INTO outbox (workspace_id, lead_id, kind, property_id, status, body, queued_at)
         VALUES (?1, ?2, 'property', ?3, 'queued', ?4, ?5)",
    )?;
    let mut task = conn.prepare_cached(
        "INSERT OR IGNORE INTO tasks (workspace_id, lead_id, property_id, kind, detail, created_at) VALUES (?1, ?2, ?3, 'call', ?4, ?5)",
    )?;
    for (m, lead) in found {
        if m.reachable {
            let ctx = templates::Context { lead: &lead, workspace: ws, property: Some(p) };
            let body = templates::render(templates::property_alert(ctx.language()), &ctx);
            result.queued += queue.execute(params![ws.id, lead.id, p.id, body, at])?;
        } else {
            task.execute(params![ws.id, lead.id, p.id, format!("Tell {} about {}", lead.name, p.title), at])?;
            result.unreachable += 1;
            result.unreachable_leads.push(m);
        }
    }
    Ok(result)
}
