//! Smart lists (SPEC §13): a lead-list filter saved under a name, shown with its live count.
//! The `smart_lists` table belongs to the leads area: a list is nothing but a [`LeadQuery`].

use super::query::{list, LeadPage, LeadQuery};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

pub const MAX_NAME: usize = 80;

/// A saved list with how many leads it holds now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SmartList {
    pub id: i64,
    pub name: String,
    pub filter: LeadQuery,
    pub count: i64,
}

/// Saves `filter` (its paging left out) under `name`; a list of that name is replaced.
pub fn save(conn: &Connection, ws: &Workspace, name: &str, filter: &LeadQuery, now: DateTime<Utc>) -> Result<SmartList> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "a list needs a name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::validation("name", format!("a list's name is at most {MAX_NAME} characters")));
    }
    let filter = LeadQuery { offset: 0, limit: None, ..filter.clone() };
    let json = serde_json::to_string(&filter).map_err(|e| Error::internal_from(e.to_string(), e))?;
    conn.prepare_cached(
        "INSERT INTO smart_lists (workspace_id, name, filter, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace_id, name) DO UPDATE SET filter = excluded.filter",
    )?
    .execute(params![ws.id, name, json, fmt_time(now)])?;
    get(conn, ws, name)
}

fn row(conn: &Connection, ws: &Workspace, name: &str) -> Result<(i64, String, LeadQuery)> {
    let found: Option<(i64, String, String)> = conn
        .prepare_cached("SELECT id, name, filter FROM smart_lists WHERE workspace_id = ?1 AND name = ?2")?
        .query_row(params![ws.id, name.trim()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (id, name, json) = found.ok_or_else(|| Error::not_found(crate::Entity::SmartList, format!("'{}'", name.trim())))?;
    let filter = serde_json::from_str(&json).map_err(|e| Error::internal_from(format!("the saved filter of list '{name}' is unreadable"), e))?;
    Ok((id, name, filter))
}

/// The list called `name` (any case), with its count.
pub fn get(conn: &Connection, ws: &Workspace, name: &str) -> Result<SmartList> {
    let (id, name, filter) = row(conn, ws, name)?;
    let count = list(conn, ws, &LeadQuery { limit: Some(0), ..filter.clone() })?.total;
    Ok(SmartList { id, name, filter, count })
}

/// The leads of list `name`, as the lead list shows them (up to `limit`).
pub fn show(conn: &Connection, ws: &Workspace, name: &str, limit: Option<u32>) -> Result<LeadPage> {
    let (_, _, filter) = row(conn, ws, name)?;
    list(conn, ws, &LeadQuery { limit, ..filter })
}

pub fn delete(conn: &Connection, ws: &Workspace, name: &str) -> Result<()> {
    row(conn, ws, name)?;
    conn.prepare_cached("DELETE FROM smart_lists WHERE workspace_id = ?1 AND name = ?2")?.execute(params![ws.id, name.trim()])?;
    Ok(())
}

/// Every list of the workspace by name, with live counts (the sidebar).
pub fn all(conn: &Connection, ws: &Workspace) -> Result<Vec<SmartList>> {
    let names: Vec<String> = conn
        .prepare_cached("SELECT name FROM smart_lists WHERE workspace_id = ?1 ORDER BY name")?
        .query_map([ws.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names.iter().map(|n| get(conn, ws, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::validate::LeadInput;
    use crate::model::Source;
    use crate::{Book, FixedClock};
    use std::sync::Arc;

    fn book() -> (Book, Workspace) {
        let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T08:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        for (name, source) in [("A", "referral"), ("B", "referral"), ("C", "portal")] {
            book.add_lead(&ws, &LeadInput { name: Some(name.into()), source: Some(source.into()), ..Default::default() }).unwrap();
        }
        (book, ws)
    }

    #[test]
    fn a_saved_list_counts_its_leads_live() {
        let (mut book, ws) = book();
        let q = LeadQuery { source: Some(Source::Referral), ..Default::default() };
        let saved = book.write(|tx, now| save(tx, &ws, "Referrals", &q, now)).unwrap();
        assert_eq!(saved.count, 2);
        book.add_lead(&ws, &LeadInput { name: Some("D".into()), source: Some("referral".into()), ..Default::default() }).unwrap();
        let lists = all(book.conn(), &ws).unwrap();
        assert_eq!((lists.len(), lists[0].count), (1, 3));
        let page = show(book.conn(), &ws, "referrals", None).unwrap();
        assert_eq!(page.rows.len(), 3);
        assert!(page.rows.iter().all(|l| l.source == Source::Referral));
    }

    #[test]
    fn saving_under_a_name_again_replaces_the_filter_and_deleting_removes_it() {
        let (mut book, ws) = book();
        book.write(|tx, now| save(tx, &ws, "Mine", &LeadQuery { source: Some(Source::Portal), ..Default::default() }, now)).unwrap();
        let again = book.write(|tx, now| save(tx, &ws, "mine", &LeadQuery::default(), now)).unwrap();
        assert_eq!(again.count, 3);
        assert_eq!(all(book.conn(), &ws).unwrap().len(), 1);
        book.write(|tx, _| delete(tx, &ws, "Mine")).unwrap();
        assert!(all(book.conn(), &ws).unwrap().is_empty());
        assert_eq!(book.write(|tx, _| delete(tx, &ws, "Mine")).unwrap_err().code(), "not_found");
        assert_eq!(book.write(|tx, now| save(tx, &ws, " ", &LeadQuery::default(), now)).unwrap_err().code(), "validation");
    }

    #[test]
    fn another_workspace_cannot_see_show_or_delete_a_list() {
        let (mut book, ws) = book();
        book.write(|tx, now| save(tx, &ws, "All", &LeadQuery::default(), now)).unwrap();
        let other = book.add_workspace("Other", None).unwrap();
        assert!(all(book.conn(), &other).unwrap().is_empty());
        assert_eq!(show(book.conn(), &other, "All", None).unwrap_err().code(), "not_found");
        assert_eq!(book.write(|tx, _| delete(tx, &other, "All")).unwrap_err().code(), "not_found");
        // A list of the same name in the other workspace counts only that workspace's leads.
        assert_eq!(book.write(|tx, now| save(tx, &other, "All", &LeadQuery::default(), now)).unwrap().count, 0);
        assert_eq!(get(book.conn(), &ws, "All").unwrap().count, 3);
    }
}
