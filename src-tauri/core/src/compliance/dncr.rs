//! The Do Not Call Register (SPEC §14): the numbers the agent may not market to, imported from
//! the list the TDRA hands out (numbers in any spelling, one per line, or a sheet with a number
//! column: read by `transfer::compliance`). Re-importing replaces the list. Marketing messages and call tasks to a listed
//! number are held with reason `dncr`; what the lead asked for still goes.

use crate::error::{Error, Result};
use crate::leads::Lead;
use crate::model::normalize;
use crate::workspace::Workspace;
use rusqlite::{params, Connection};
use serde::Serialize;
use ts_rs::TS;

/// What an import of the register did (SPEC §9: `{"numbers":N,"leads_affected":N}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(rename = "DncrImported")]
pub struct Imported {
    /// Numbers on the list now (each once, in E.164).
    pub numbers: usize,
    /// The workspace's leads whose phone or WhatsApp number is on it.
    pub leads_affected: usize,
    /// Cells that were not a phone number, with their row, at most [`MAX_REFUSED_SHOWN`].
    pub refused: Vec<Refused>,
    /// How many cells were refused in all.
    pub refused_count: usize,
}

/// A cell of the file that is not a number.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "DncrRefused")]
pub struct Refused {
    pub row: usize,
    pub value: String,
}

/// The refused cells an import names (the count says how many in all).
pub const MAX_REFUSED_SHOWN: usize = 20;

/// Replaces the list with the numbers of `rows` (row number, cell as written).
pub fn replace(conn: &Connection, ws: &Workspace, rows: &[(usize, String)]) -> Result<Imported> {
    let region = ws.region();
    let mut numbers = Vec::with_capacity(rows.len());
    let mut out = Imported::default();
    for (row, raw) in rows {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match normalize::phone("phone", raw, region) {
            Ok(n) => numbers.push(n),
            Err(_) => {
                out.refused_count += 1;
                if out.refused.len() < MAX_REFUSED_SHOWN {
                    out.refused.push(Refused { row: *row, value: raw.chars().take(60).collect() });
                }
            }
        }
    }
    if numbers.is_empty() {
        return Err(Error::validation("file", "no phone number found in the file: a register is a list of numbers, or a sheet with a Phone or Number column"));
    }
    conn.prepare_cached("DELETE FROM dncr_numbers WHERE workspace_id = ?1")?.execute([ws.id])?;
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO dncr_numbers (workspace_id, phone) VALUES (?1, ?2)")?;
    for n in &numbers {
        insert.execute(params![ws.id, n])?;
    }
    out.numbers = count(conn, ws)?;
    out.leads_affected = leads_listed(conn, ws)?;
    Ok(out)
}

/// How many numbers the workspace's register holds.
pub fn count(conn: &Connection, ws: &Workspace) -> Result<usize> {
    let n: i64 = conn.prepare_cached("SELECT count(*) FROM dncr_numbers WHERE workspace_id = ?1")?.query_row([ws.id], |r| r.get(0))?;
    Ok(n as usize)
}

/// How many of the workspace's leads have a phone or WhatsApp number on the register.
pub fn leads_listed(conn: &Connection, ws: &Workspace) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM leads l WHERE l.workspace_id = ?1 AND EXISTS (
                SELECT 1 FROM dncr_numbers d WHERE d.workspace_id = ?1 AND d.phone IN (l.phone, l.whatsapp))",
        )?
        .query_row([ws.id], |r| r.get(0))?;
    Ok(n as usize)
}

/// Whether the lead's phone or WhatsApp number is on the workspace's register.
pub fn listed(conn: &Connection, ws: &Workspace, lead: &Lead) -> Result<bool> {
    let numbers: Vec<&str> = [lead.phone.as_deref(), lead.whatsapp.as_deref()].into_iter().flatten().collect();
    if numbers.is_empty() {
        return Ok(false);
    }
    let mut stmt = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM dncr_numbers WHERE workspace_id = ?1 AND phone = ?2)")?;
    for n in numbers {
        if stmt.query_row(params![ws.id, n], |r| r.get::<_, bool>(0))? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Empties the workspace's register.
pub fn clear(conn: &Connection, ws: &Workspace) -> Result<()> {
    conn.prepare_cached("DELETE FROM dncr_numbers WHERE workspace_id = ?1")?.execute([ws.id])?;
    Ok(())
}
