//! Workflows that span areas, in one place above the areas they join: a new workspace gets its
//! default campaign, a new lead joins it, a status that ends nurturing stops it, an outcome
//! retrains the learned score, a new listing alerts the buyers it matches.
//!
//! Each function runs inside the caller's write transaction; the areas below never call up
//! here.

use crate::error::Result;
use crate::store::Setup;
use crate::workspace::{self, Workspace};
use crate::{followups, leads};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

/// The app's [`Setup`] of the store: the data migrations and the `Default` workspace.
pub const SETUP: Setup = Setup { after_migration, ensure_defaults: ensure_default_workspace };

/// Data changes a schema version needs that SQL alone cannot make.
fn after_migration(tx: &Transaction, version: usize) -> Result<()> {
    if version == 2 {
        // Leads written before matching existed get their area keys.
        leads::backfill_match_index(tx)?;
    }
    if version == 3 {
        // Every workspace gets the default campaign. Leads that existed before follow-ups are
        // not enrolled: catching up would send them a check-in out of the blue.
        for id in workspace::ids(tx)? {
            followups::ensure_default(tx, id, chrono::Utc::now())?;
        }
    }
    Ok(())
}

/// A new book has one workspace, `Default`, with its default campaign.
fn ensure_default_workspace(conn: &Connection) -> Result<()> {
    let now = chrono::Utc::now();
    if let Some(id) = workspace::create_first(conn, now)? {
        followups::ensure_default(conn, id, now)?;
    }
    Ok(())
}

/// A new workspace, with the default campaign every new lead of it joins.
pub fn add_workspace(conn: &Connection, name: &str, timezone: Option<&str>, now: DateTime<Utc>) -> Result<Workspace> {
    let ws = workspace::add(conn, name, timezone, now)?;
    followups::ensure_default(conn, ws.id, now)?;
    workspace::by_id(conn, ws.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{self, migrate, migrate_to};

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn migrations_apply_from_empty_and_from_every_earlier_version() {
        for start in 0..=store::MIGRATIONS.len() {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, start, &SETUP).unwrap();
            assert_eq!(version(&conn) as usize, start);
            migrate(&mut conn, &SETUP).unwrap();
            assert_eq!(version(&conn) as usize, store::MIGRATIONS.len());
            // Running again changes nothing.
            migrate(&mut conn, &SETUP).unwrap();
            let n: i64 = conn.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0)).unwrap();
            assert_eq!(n, 1, "exactly one Default workspace");
        }
    }

    #[test]
    fn leads_written_before_matching_existed_are_indexed_for_matching() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1, &SETUP).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'Default', '2026-01-01T00:00:00Z');
             INSERT INTO leads (workspace_id, name, source, locations, budget_max, created_at, updated_at)
             VALUES (1, 'Old buyer', 'manual', '[\"JVC\", \"Marina\"]', 900000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO leads (workspace_id, name, source, created_at, updated_at)
             VALUES (1, 'No criteria', 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn, &SETUP).unwrap();
        let mut stmt = conn.prepare("SELECT area_key, budget_max FROM lead_match ORDER BY area_key").unwrap();
        let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        assert_eq!(rows, vec![("dubai marina".to_string(), 900_000), ("jumeirah village circle".to_string(), 900_000)]);
    }

}
