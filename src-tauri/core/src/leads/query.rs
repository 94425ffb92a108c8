//! The lead list: filters (grade, status, source, search text), sorting and paging, and the
//! search text each lead is found by (name, contacts, areas, notes, tags, folded for case and
//! script).

use super::{from_row, Lead, COLUMNS};
use crate::error::Result;
use crate::model::{Grade, Source, Status};
use crate::workspace::Workspace;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What search looks in, lower-cased, fields separated by a control character so a typed
/// word never matches across two fields.
pub(super) fn search_text(l: &Lead) -> String {
    let mut s = String::with_capacity(64);
    let mut push = |v: &str| {
        if !s.is_empty() {
            s.push('\u{1f}');
        }
        s.push_str(&v.to_lowercase());
    };
    push(&l.name);
    for v in [&l.email, &l.telegram_username].into_iter().flatten() {
        push(v);
    }
    if let Some(url) = &l.linkedin_url {
        push(url.rsplit('/').next().unwrap_or(url));
    }
    for area in &l.locations {
        push(area);
    }
    for phone in [&l.phone, &l.whatsapp].into_iter().flatten() {
        push(phone.trim_start_matches('+'));
    }
    s
}

/// Columns the lead list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "LeadSort")]
pub enum SortBy {
    #[default]
    Score,
    Name,
    CreatedAt,
    LastContactedAt,
    BudgetMax,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct LeadQuery {
    pub grade: Option<Grade>,
    pub status: Option<Status>,
    pub source: Option<Source>,
    pub search: Option<String>,
    /// Only the leads marked do not market (`true`) or only the others (`false`).
    pub do_not_market: Option<bool>,
    #[ts(as = "Option<_>", optional)]
    pub sort: SortBy,
    /// Sort direction; `None` is the natural one (highest score, A→Z, newest).
    pub desc: Option<bool>,
    #[ts(as = "Option<_>", optional)]
    pub offset: u32,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LeadPage {
    pub total: i64,
    pub rows: Vec<Lead>,
}

/// What a typed search looks for in `search`: lower-case text, or, for something typed like a
/// phone number, its digits without the trunk zero ("050 123" finds +97150123…).
pub(super) fn search_needle(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 3 && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        return Some(digits.trim_start_matches('0').to_string()).filter(|d| !d.is_empty());
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
}

/// Leads of the workspace matching the filters, sorted, one page of them plus the total.
///
/// A search scans the covering index `leads_ws_search` (search text and score) once: that gives
/// the total and, for the usual sort by score, the page's ids without touching the table.
pub fn list(conn: &Connection, ws: &Workspace, q: &LeadQuery) -> Result<LeadPage> {
    let needle = q.search.as_deref().and_then(search_needle);
    let mut filter = String::from("workspace_id = ?");
    let mut args: Vec<Value> = vec![Value::Integer(ws.id)];
    if let Some(g) = q.grade {
        // The grade is a function of the score; a score range uses the score and search indexes.
        let (lo, hi) = g.score_range();
        filter.push_str(" AND score BETWEEN ? AND ?");
        args.extend([Value::Integer(lo), Value::Integer(hi)]);
    }
    if let Some(s) = q.status {
        filter.push_str(" AND status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(s) = q.source {
        filter.push_str(" AND source = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    match q.do_not_market {
        Some(true) => filter.push_str(" AND do_not_market_at IS NOT NULL"),
        Some(false) => filter.push_str(" AND do_not_market_at IS NULL"),
        None => {}
    }
    let natural_desc = matches!(q.sort, SortBy::Score | SortBy::CreatedAt | SortBy::LastContactedAt | SortBy::BudgetMax);
    let desc = q.desc.unwrap_or(natural_desc);
    let limit = q.limit.map_or(usize::MAX, |l| l as usize);
    let offset = q.offset as usize;

    if let Some(needle) = &needle {
        filter.push_str(" AND instr(search, ?) > 0");
        args.push(Value::Text(needle.clone()));
        let mut hits: Vec<(i64, i64)> = conn
            .prepare_cached(&format!("SELECT score, id FROM leads INDEXED BY leads_ws_search WHERE {filter}"))?
            .query_map(params_from_iter(&args), |r| Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(0), r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let total = hits.len() as i64;
        if q.sort == SortBy::Score {
            if desc {
                hits.sort_unstable_by(|a, b| b.cmp(a));
            } else {
                hits.sort_unstable();
            }
            let ids: Vec<i64> = hits.into_iter().skip(offset).take(limit).map(|(_, id)| id).collect();
            return Ok(LeadPage { total, rows: by_ids(conn, ws, &ids)? });
        }
        let rows = ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?;
        return Ok(LeadPage { total, rows });
    }
    // Every filter but the search text is a column of the tallies: the total without counting.
    let total = super::tallies::count(conn, ws, q.grade, q.status, q.source, q.do_not_market)?;
    let rows = ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?;
    Ok(LeadPage { total, rows })
}

pub(super) fn ordered_page(conn: &Connection, filter: &str, mut args: Vec<Value>, sort: SortBy, desc: bool, limit: usize, offset: usize) -> Result<Vec<Lead>> {
    let dir = if desc { "DESC" } else { "ASC" };
    let order = match sort {
        SortBy::Score => format!("score {dir}, id {dir}"),
        SortBy::Name => format!("name COLLATE NOCASE {dir}, id {dir}"),
        SortBy::CreatedAt => format!("created_at {dir}, id {dir}"),
        SortBy::LastContactedAt => format!("last_contacted_at IS NULL, last_contacted_at {dir}, id {dir}"),
        SortBy::BudgetMax => format!("budget_max IS NULL, budget_max {dir}, id {dir}"),
    };
    args.push(Value::Integer(i64::try_from(limit).unwrap_or(-1)));
    args.push(Value::Integer(offset as i64));
    let sql = format!("SELECT {COLUMNS} FROM leads WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The leads with these ids, in this order.
pub(super) fn by_ids(conn: &Connection, ws: &Workspace, ids: &[i64]) -> Result<Vec<Lead>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND id = ?2"))?;
    ids.iter().map(|id| Ok(stmt.query_row(params![ws.id, id], from_row)?)).collect()
}
