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
    /// How many leads pass the filters; with `more`, how many were counted before stopping.
    pub total: i64,
    pub rows: Vec<Lead>,
    /// A search counts its matches only up to [`SEARCH_COUNT_AHEAD`] past the page's end:
    /// `true` when there are more than `total`.
    pub more: bool,
}

/// How many matches past the page's end a search counts before it stops (the window then says
/// "250+ leads"): a keystroke costs what reading that far costs, not the whole book. Two
/// hundred keeps the common keystroke flat: the first letters of a name match about one lead
/// in thirty, so a walk reads some 8 000 entries, a 10 000-lead book's whole index and a
/// 1 000 000-lead book's first percent alike.
pub const SEARCH_COUNT_AHEAD: usize = 200;

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
/// Without a search the total is the tallies' (every other filter is one of their columns).
/// A search walks `leads_ws_score` (score, id and the search text: covered) in the list's
/// order and stops [`SEARCH_COUNT_AHEAD`] matches past the page's end: the page by score is
/// the walk's, and the total is exact unless `more` says the walk stopped early. A rare
/// needle still reads the whole index; a common one (the first letters of a name) a fraction.
pub fn list(conn: &Connection, ws: &Workspace, q: &LeadQuery) -> Result<LeadPage> {
    let needle = q.search.as_deref().and_then(search_needle);
    let mut filter = String::from("workspace_id = ?");
    let mut args: Vec<Value> = vec![Value::Integer(ws.id)];
    if let Some(g) = q.grade {
        // The grade is a function of the score: a score range of the index.
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
        // The matches in the list's order, as far as the page's end and the count ahead, and
        // one more to tell whether there are more.
        let counted = offset.saturating_add(limit).saturating_add(SEARCH_COUNT_AHEAD);
        let dir = if q.sort == SortBy::Score && !desc { "ASC" } else { "DESC" };
        let mut walk = args.clone();
        walk.push(Value::Integer(i64::try_from(counted.saturating_add(1)).unwrap_or(i64::MAX)));
        let ids: Vec<i64> = conn
            .prepare_cached(&format!(
                "SELECT id FROM leads INDEXED BY leads_ws_score WHERE {filter} ORDER BY score {dir}, id {dir} LIMIT ?"
            ))?
            .query_map(params_from_iter(&walk), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let more = ids.len() > counted;
        let total = ids.len().min(counted) as i64;
        let rows = if q.sort == SortBy::Score {
            let page: Vec<i64> = ids.into_iter().skip(offset).take(limit).collect();
            by_ids(conn, ws, &page)?
        } else {
            // Another order has no index with the search text: SQLite sorts the matches.
            ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?
        };
        return Ok(LeadPage { total, rows, more });
    }
    // Every filter but the search text is a column of the tallies: the total without counting.
    let total = super::tallies::count(conn, ws, q.grade, q.status, q.source, q.do_not_market)?;
    let rows = ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?;
    Ok(LeadPage { total, rows, more: false })
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
