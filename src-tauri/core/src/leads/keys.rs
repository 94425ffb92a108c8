//! Identity keys (SPEC §3): the canonical LinkedIn URL, email, E.164 phone — shared by phone
//! and WhatsApp — and Telegram user id of each lead, in `lead_keys`, whose primary key makes
//! each value belong to at most one lead per workspace, across processes. De-duplication is a
//! lookup here; a big import keeps the keys with their owners in memory ([`BulkKeys`]).

use super::Lead;
use super::validate::LeadFields;
use crate::error::{Error, Result};
use crate::workspace::Workspace;
use rusqlite::{params, Connection, OptionalExtension};

/// An identity key: (kind, value, the field it comes from).
pub(super) type Key = (&'static str, String, &'static str);

pub(super) fn keys_of(f: &LeadFields) -> Vec<Key> {
    key_values(&f.linkedin_url, &f.email, &f.phone, &f.whatsapp, f.telegram_id)
}

/// The identity keys of a stored lead (without copying its other fields).
pub(super) fn lead_keys(l: &Lead) -> Vec<Key> {
    key_values(&l.linkedin_url, &l.email, &l.phone, &l.whatsapp, l.telegram_id)
}

pub(super) fn key_values(linkedin: &Option<String>, email: &Option<String>, phone: &Option<String>, whatsapp: &Option<String>, telegram: Option<i64>) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::with_capacity(5);
    if let Some(v) = linkedin {
        keys.push(("linkedin", v.clone(), "linkedin_url"));
    }
    if let Some(v) = email {
        keys.push(("email", v.clone(), "email"));
    }
    if let Some(v) = phone {
        keys.push(("phone", v.clone(), "phone"));
    }
    if let Some(v) = whatsapp.as_ref().filter(|w| Some(*w) != phone.as_ref()) {
        keys.push(("phone", v.clone(), "whatsapp"));
    }
    if let Some(v) = telegram {
        keys.push(("telegram", v.to_string(), "telegram_id"));
    }
    keys
}

pub(super) fn key_owner(conn: &Connection, ws: i64, kind: &str, value: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT lead_id FROM lead_keys WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3")?
        .query_row(params![ws, kind, value], |r| r.get(0))
        .optional()?)
}

pub(super) fn insert_key(conn: &Connection, ws: i64, kind: &str, value: &str, lead_id: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO lead_keys (workspace_id, kind, value, lead_id) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![ws, kind, value, lead_id])?;
    Ok(())
}

/// Removes the keys `lead` holds (by value: the primary key finds them without a lead_id index).
pub(super) fn delete_keys(conn: &Connection, lead: &Lead) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM lead_keys WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3 AND lead_id = ?4")?;
    for (kind, value, _) in lead_keys(&lead) {
        stmt.execute(params![lead.workspace_id, kind, value, lead.id])?;
    }
    Ok(())
}

/// Moves `lead_keys` from the keys of `before` to exactly those of `lead`. A key another lead
/// owns is a `duplicate` error.
pub(super) fn sync_keys(conn: &Connection, before: &Lead, lead: &Lead) -> Result<()> {
    let keys = lead_keys(&lead);
    for (kind, value, field) in &keys {
        if let Some(owner) = key_owner(conn, lead.workspace_id, kind, value)?.filter(|o| *o != lead.id) {
            return Err(Error::Duplicate {
                field: field.to_string(),
                message: format!("another lead (#{owner}) already has this {}", field.replace('_', " ")),
                existing_id: owner,
            });
        }
    }
    delete_keys(conn, before)?;
    for (kind, value, _) in &keys {
        insert_key(conn, lead.workspace_id, kind, value, lead.id)?;
    }
    Ok(())
}

/// The existing lead (and which key) that `fields` would merge into, if any: the oldest
/// of the leads sharing a key with it.
pub(super) fn find_match(conn: &Connection, ws: &Workspace, fields: &LeadFields) -> Result<Option<(i64, &'static str)>> {
    find_match_keys(conn, ws, None, &keys_of(fields))
}

pub(super) fn find_match_keys(conn: &Connection, ws: &Workspace, bulk: Option<&BulkKeys>, keys: &[Key]) -> Result<Option<(i64, &'static str)>> {
    let mut best: Option<(i64, &'static str)> = None;
    for (kind, value, field) in keys {
        if let Some(owner) = owner_of(conn, ws.id, bulk, kind, value)? {
            if best.is_none_or(|(b, _)| owner < b) {
                best = Some((owner, *field));
            }
        }
    }
    Ok(best)
}

/// A big import's identity keys with their owners, held in memory for its whole transaction:
/// the book's when it began and each the import adds. Rows are de-duplicated against this map
/// alone — no `lead_keys` lookup per key — and the keys it adds are written into `lead_keys`
/// once, sorted, at the end ([`BulkKeys::write`]), inside the same transaction.
#[derive(Default)]
pub struct BulkKeys {
    /// Owner by value, one map per key kind (see [`kind_slot`]).
    owners: [std::collections::HashMap<String, i64>; 4],
}

/// The key kinds, in [`BulkKeys`]'s slots.
const KINDS: [&str; 4] = ["linkedin", "email", "phone", "telegram"];

pub(super) fn kind_slot(kind: &str) -> Option<usize> {
    KINDS.iter().position(|k| *k == kind)
}

impl BulkKeys {
    pub fn load(conn: &Connection, ws: &Workspace) -> Result<BulkKeys> {
        let mut keys = BulkKeys::default();
        let mut stmt = conn.prepare("SELECT kind, value, lead_id FROM lead_keys WHERE workspace_id = ?1")?;
        let mut rows = stmt.query([ws.id])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            if let Some(slot) = kind_slot(&kind) {
                keys.owners[slot].insert(r.get(1)?, r.get(2)?);
            }
        }
        Ok(keys)
    }

    pub(super) fn owner(&self, kind: &str, value: &str) -> Option<i64> {
        kind_slot(kind).and_then(|slot| self.owners[slot].get(value).copied())
    }

    /// What `INSERT OR IGNORE INTO lead_keys` does: a key that has an owner keeps it. The
    /// table itself is written at the end, by [`BulkKeys::write`].
    pub(super) fn record(&mut self, kind: &str, value: String, lead_id: i64) {
        if let Some(slot) = kind_slot(kind) {
            self.owners[slot].entry(value).or_insert(lead_id);
        }
    }

    /// Writes every key held into `lead_keys` (those it was loaded with are there already and
    /// stay) in the table's own order, and lets go of them. One key a row, each in its random
    /// place in a b-tree larger than the page cache, cost most of an import's writing; sorted,
    /// each goes after the last.
    pub fn write(&mut self, conn: &Connection, ws: &Workspace) -> Result<()> {
        let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO lead_keys (workspace_id, kind, value, lead_id) VALUES (?1, ?2, ?3, ?4)")?;
        let mut slots: Vec<usize> = (0..KINDS.len()).collect();
        slots.sort_by_key(|s| KINDS[*s]);
        for slot in slots {
            let mut keys: Vec<(String, i64)> = std::mem::take(&mut self.owners[slot]).into_iter().collect();
            keys.sort_unstable();
            for (value, lead_id) in keys {
                stmt.execute(rusqlite::params![ws.id, KINDS[slot], value, lead_id])?;
            }
        }
        Ok(())
    }
}

/// The lead owning a key: from the import's map during a bulk import, else from `lead_keys`.
pub(super) fn owner_of(conn: &Connection, ws: i64, bulk: Option<&BulkKeys>, kind: &str, value: &str) -> Result<Option<i64>> {
    match bulk {
        Some(b) => Ok(b.owner(kind, value)),
        None => key_owner(conn, ws, kind, value),
    }
}

/// The lead of `ws` that owns identity key `kind`/`value` (`telegram` + user id, `phone` +
/// E.164 number), if any.
pub fn by_key(conn: &Connection, ws: &Workspace, kind: &str, value: &str) -> Result<Option<i64>> {
    key_owner(conn, ws.id, kind, value)
}
