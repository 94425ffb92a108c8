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
const MAX_GROUP: usize = 6;
/// The digits two phone numbers must end with alike: a UAE mobile's own seven (the prefix
/// before them, 50 or 55, is where a typo lands).
const PHONE_TAIL: usize = 7;

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
///
/// One read of the workspace's names and phones (a million leads: a second, and two arrays of
/// sixteen bytes a lead), each lead keyed by a hash of its folded name and of its phone's last
/// [`PHONE_TAIL`] digits; sorting the keys puts each group side by side. SQLite's `GROUP BY`
/// did the same through temporary B-trees: 4.8 s and 79 MB at a million.
pub fn find(conn: &Connection, ws: &Workspace, offset: usize, limit: usize) -> Result<PossibleDuplicates> {
    let dismissed: BTreeSet<(i64, i64)> = conn
        .prepare_cached("SELECT lead_a, lead_b FROM duplicate_dismissals WHERE workspace_id = ?1")?
        .query_map([ws.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut names, mut phones) = keys(conn, ws)?;
    let mut pairs: BTreeSet<(i64, i64, &'static str)> = BTreeSet::new();
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut contact = conn.prepare_cached("SELECT name, phone FROM leads WHERE id = ?1 AND workspace_id = ?2")?;
    for (reason, keyed) in [("same_name", &mut names), ("similar_phone", &mut phones)] {
        keyed.sort_unstable();
        for group in keyed.chunk_by(|x, y| x.0 == y.0).filter(|g| (2..=MAX_GROUP).contains(&g.len())) {
            let ids: Vec<i64> = group.iter().map(|&(_, id)| id).collect();
            let leads: Vec<(String, Option<String>)> = if reason == "similar_phone" {
                ids.iter().map(|&id| contact.query_row(params![id, ws.id], |r| Ok((r.get(0)?, r.get(1)?)))).collect::<rusqlite::Result<_>>()?
            } else {
                Vec::new()
            };
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

/// Each lead of the workspace as (key of its folded name, id) and, if it has a phone, (key of
/// the phone's last digits, id), in id order. A 64-bit hash stands for the text: two different
/// names of a million share one about once in thirty million books, and what they would make
/// is a pair offered for the agent to look at, never a merge.
fn keys(conn: &Connection, ws: &Workspace) -> Result<(Vec<(u64, i64)>, Vec<(u64, i64)>)> {
    let n = super::tallies::count(conn, ws, None, None, None, None)?;
    let all: i64 = conn.query_row("SELECT coalesce(sum(n), 0) FROM lead_tallies", [], |r| r.get(0))?;
    // A workspace with most of the book's leads is read straight through the table; a small one
    // through its index (a lookup a lead, cheaper than reading everyone else's).
    let sql = if n * 2 >= all {
        "SELECT id, name, phone FROM leads NOT INDEXED WHERE workspace_id = ?1"
    } else {
        "SELECT id, name, phone FROM leads WHERE workspace_id = ?1"
    };
    let (mut names, mut phones) = (Vec::with_capacity(n as usize), Vec::with_capacity(n as usize));
    let mut folded = String::new();
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([ws.id])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        folded.clear();
        // Case-folded, with the Arabic and Persian spellings of yeh and kaf as one.
        for c in r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?.trim().chars().flat_map(char::to_lowercase) {
            folded.push(match c {
                'ي' => 'ی',
                'ك' => 'ک',
                c => c,
            });
        }
        names.push((hash(&folded), id));
        if let Some(phone) = r.get_ref(2)?.as_str_or_null().map_err(rusqlite::Error::from)? {
            let tail = phone.len().saturating_sub(PHONE_TAIL);
            phones.push((hash(phone.get(tail..).unwrap_or(phone)), id));
        }
    }
    Ok((names, phones))
}

fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Phones one digit apart (the same length) and a word of the name in common.
fn alike(a: &(String, Option<String>), b: &(String, Option<String>)) -> bool {
    let (Some(p), Some(q)) = (a.1.as_deref(), b.1.as_deref()) else { return false };
    let one_digit = p.len() == q.len() && p.bytes().zip(q.bytes()).filter(|(x, y)| x != y).count() == 1;
    let words = |n: &str| n.to_lowercase().split_whitespace().filter(|w| w.chars().count() > 1).map(String::from).collect::<BTreeSet<_>>();
    one_digit && !words(&a.0).is_disjoint(&words(&b.0))
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
