//! Possible duplicates: two leads that share no identity key (else they would be one lead
//! already) but look like one person — the same name (a LinkedIn "Aisha Khan" beside a
//! hand-typed "Aisha Khan"), or phone numbers that end alike (one typed with the wrong
//! prefix, or with another country's code). Only the agent can tell: they merge the pair or
//! say they are two people, and a pair said to be two people is never offered again. The
//! `duplicate_dismissals` table belongs to the leads area.

use super::{get, Lead};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use std::collections::BTreeSet;
use ts_rs::TS;

/// A group larger than this is a common name (ten "Mohammed Ali"s), not one person typed twice.
const MAX_GROUP: i64 = 6;
/// The digits two phone numbers must end with alike: a UAE mobile's own seven (the prefix
/// before them, 50 or 55, is where a typo lands).
const PHONE_TAIL: i64 = 7;

/// Two leads that may be one person, and why they were put together.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PossibleDuplicate {
    /// `same_name` or `similar_phone`.
    #[ts(type = "\"same_name\" | \"similar_phone\"")]
    pub reason: &'static str,
    /// The lead that came first.
    pub first: Lead,
    pub second: Lead,
}

/// A page of possible duplicates, newest pair first, with how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PossibleDuplicates {
    pub total: i64,
    pub pairs: Vec<PossibleDuplicate>,
}

/// The pairs of leads of the workspace that may be one person, skipping those the agent said
/// are two people; `offset`/`limit` page them.
pub fn find(conn: &Connection, ws: &Workspace, offset: usize, limit: usize) -> Result<PossibleDuplicates> {
    // Names compared case-folded, with the Arabic and Persian spellings of yeh and kaf as one.
    let same_name = "SELECT group_concat(id) FROM leads WHERE workspace_id = ?1
        GROUP BY replace(replace(lower(trim(name)), 'ي', 'ی'), 'ك', 'ک') HAVING count(*) BETWEEN 2 AND ?2";
    let similar_phone = "SELECT group_concat(id) FROM leads WHERE workspace_id = ?1 AND phone IS NOT NULL
        GROUP BY substr(phone, -?3) HAVING count(*) BETWEEN 2 AND ?2";
    let dismissed: BTreeSet<(i64, i64)> = conn
        .prepare_cached("SELECT lead_a, lead_b FROM duplicate_dismissals WHERE workspace_id = ?1")?
        .query_map([ws.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut pairs: BTreeSet<(i64, i64, &'static str)> = BTreeSet::new();
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    for (reason, sql) in [("same_name", same_name), ("similar_phone", similar_phone)] {
        let mut stmt = conn.prepare_cached(sql)?;
        let group_ids = |r: &rusqlite::Row| r.get::<_, String>(0);
        let groups = if reason == "same_name" {
            stmt.query_map(params![ws.id, MAX_GROUP], group_ids)?.collect::<rusqlite::Result<Vec<_>>>()?
        } else {
            stmt.query_map(params![ws.id, MAX_GROUP, PHONE_TAIL], group_ids)?.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for group in groups {
            let mut ids: Vec<i64> = group.split(',').filter_map(|s| s.parse().ok()).collect();
            ids.sort_unstable();
            let leads: Vec<Lead> = if reason == "similar_phone" { ids.iter().map(|&id| get(conn, ws, id)).collect::<Result<_>>()? } else { Vec::new() };
            for (i, &a) in ids.iter().enumerate() {
                for (j, &b) in ids.iter().enumerate().skip(i + 1) {
                    // Seven digits alike are common across a big book: phones one digit apart
                    // whose leads share a word of their name.
                    if reason == "similar_phone" && !alike(&leads[i], &leads[j]) {
                        continue;
                    }
                    if !dismissed.contains(&(a, b)) && seen.insert((a, b)) {
                        pairs.insert((a, b, reason));
                    }
                }
            }
        }
    }
    // Newest pair first: the pair whose later lead was added last.
    let mut ordered: Vec<(i64, i64, &'static str)> = pairs.into_iter().collect();
    ordered.sort_by(|x, y| y.1.cmp(&x.1).then(y.0.cmp(&x.0)));
    let total = ordered.len() as i64;
    let pairs = ordered
        .into_iter()
        .skip(offset)
        .take(limit.clamp(1, 200))
        .map(|(a, b, reason)| Ok(PossibleDuplicate { reason, first: get(conn, ws, a)?, second: get(conn, ws, b)? }))
        .collect::<Result<_>>()?;
    Ok(PossibleDuplicates { total, pairs })
}

/// Phones one digit apart (the same length) and a word of the name in common.
fn alike(a: &Lead, b: &Lead) -> bool {
    let (Some(p), Some(q)) = (a.phone.as_deref(), b.phone.as_deref()) else { return false };
    let one_digit = p.len() == q.len() && p.bytes().zip(q.bytes()).filter(|(x, y)| x != y).count() == 1;
    let words = |n: &str| n.to_lowercase().split_whitespace().filter(|w| w.chars().count() > 1).map(String::from).collect::<BTreeSet<_>>();
    one_digit && !words(&a.name).is_disjoint(&words(&b.name))
}

/// The agent says leads `a` and `b` are two people: the pair is not offered again.
pub fn dismiss(conn: &Connection, ws: &Workspace, a: i64, b: i64, now: DateTime<Utc>) -> Result<()> {
    if a == b {
        return Err(Error::validation("other", "a lead is not a duplicate of itself"));
    }
    get(conn, ws, a)?;
    get(conn, ws, b)?;
    let (a, b) = (a.min(b), a.max(b));
    conn.prepare_cached("INSERT OR IGNORE INTO duplicate_dismissals (workspace_id, lead_a, lead_b, at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![ws.id, a, b, fmt_time(now)])?;
    Ok(())
}
