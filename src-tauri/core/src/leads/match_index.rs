//! The match index (`lead_match`): each open lead's criteria once per wished-for area key
//! (`""` when it names no area), so matching a listing reads one index range and only the
//! leads that match. Kept in step with the lead on every change to its criteria or status.

use super::{from_row, Lead, V1_COLUMNS};
use crate::error::Result;
use crate::model::Status;
use rusqlite::{params, Connection};

/// One row of the match index: an area key and the lead's other criteria.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MatchRow {
    area_key: String,
    budget_min: Option<i64>,
    budget_max: Option<i64>,
    property_type: Option<&'static str>,
    bedrooms: Option<i64>,
    purpose: Option<&'static str>,
}

/// The match-index rows of a lead (see `matching`): one per area key — `""` for a lead with
/// other criteria but no area (it matches any area) — and none for a lead with no criteria at
/// all or one that is won or lost.
pub(super) fn match_rows(l: &Lead) -> Vec<MatchRow> {
    if matches!(l.status, Status::Won | Status::Lost) {
        return vec![];
    }
    let mut keys: Vec<String> = l.locations.iter().map(|a| crate::model::areas::key(a)).collect();
    keys.sort();
    keys.dedup();
    let other_criteria = l.budget_min.is_some() || l.budget_max.is_some() || l.property_type.is_some() || l.bedrooms.is_some() || l.purpose.is_some();
    if keys.is_empty() && other_criteria {
        keys.push(String::new());
    }
    keys.into_iter()
        .map(|area_key| MatchRow {
            area_key,
            budget_min: l.budget_min,
            budget_max: l.budget_max,
            property_type: l.property_type.map(|t| t.as_str()),
            bedrooms: l.bedrooms,
            purpose: l.purpose.map(|p| p.as_str()),
        })
        .collect()
}

/// Moves the match index from the rows of `before` (none for a new lead) to those of `lead`
/// (none for a lead being deleted).
pub(super) fn sync_match(conn: &Connection, before: Option<&Lead>, lead: Option<&Lead>) -> Result<()> {
    let old = before.map(match_rows).unwrap_or_default();
    let new = lead.map(match_rows).unwrap_or_default();
    if old == new {
        return Ok(());
    }
    let Some(any) = lead.or(before) else { return Ok(()) };
    let mut del = conn.prepare_cached("DELETE FROM lead_match WHERE workspace_id = ?1 AND area_key = ?2 AND lead_id = ?3")?;
    for r in &old {
        del.execute(params![any.workspace_id, r.area_key, any.id])?;
    }
    insert_match_rows(conn, any, &new)
}

pub(super) fn insert_match_rows(conn: &Connection, lead: &Lead, rows: &[MatchRow]) -> Result<()> {
    let mut ins = conn.prepare_cached(
        "INSERT OR REPLACE INTO lead_match (workspace_id, area_key, lead_id, budget_min, budget_max, property_type, bedrooms, purpose)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for r in rows {
        ins.execute(params![lead.workspace_id, r.area_key, lead.id, r.budget_min, r.budget_max, r.property_type, r.bedrooms, r.purpose])?;
    }
    Ok(())
}

/// Fills the match index for every lead (schema version 2 on a book that had leads before).
pub fn backfill_match_index(conn: &Connection) -> Result<()> {
    let all: Vec<Lead> = conn.prepare(&format!("SELECT {V1_COLUMNS} FROM leads"))?.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    for lead in &all {
        sync_match(conn, None, Some(lead))?;
    }
    Ok(())
}
