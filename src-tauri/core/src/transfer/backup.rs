//! Backups through SQLite's online backup API: a daily copy beside the database (the last 7
//! kept), a copy on demand, and restoring one.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const KEEP: usize = 7;

/// `<db dir>/backups/` for the database at `db_path`.
pub fn dir_for(db_path: &Path) -> PathBuf {
    db_path.parent().unwrap_or(Path::new(".")).join("backups")
}

/// Copies the live database to `dest` (a consistent snapshot, even while others write).
pub fn to_file(conn: &Connection, dest: &Path) -> Result<()> {
    if let Some(d) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d)?;
    }
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut out = Connection::open(&tmp)?;
        let backup = Backup::new(conn, &mut out)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    restrict(&tmp)?;
    std::fs::rename(&tmp, dest)?;
    Ok(())
}

#[cfg(unix)]
fn restrict(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}
#[cfg(not(unix))]
fn restrict(_p: &Path) -> Result<()> {
    Ok(())
}

/// Makes today's backup if there is none yet and prunes all but the newest [`KEEP`].
pub fn daily(conn: &Connection, db_path: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
    let dir = dir_for(db_path);
    let stem = db_path.file_stem().and_then(|s| s.to_str()).unwrap_or("leadbook");
    let dest = dir.join(format!("{stem}-{}.db", now.format("%Y-%m-%d")));
    if dest.exists() {
        return Ok(None);
    }
    to_file(conn, &dest)?;
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&format!("{stem}-")) && n.ends_with(".db"))
        })
        .collect();
    all.sort();
    let excess = all.len().saturating_sub(KEEP);
    for old in &all[..excess] {
        std::fs::remove_file(old)?;
    }
    Ok(Some(dest))
}

/// Replaces the database at `db_path` with the backup at `from` (checked to be a Leadbook
/// database first), through the backup API so a running reader sees a whole database.
pub fn restore(db_path: &Path, from: &Path) -> Result<()> {
    let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::Usage(format!("cannot open backup {}: {e}", from.display())))?;
    let ok: rusqlite::Result<i64> = src.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0));
    if ok.is_err() {
        return Err(Error::Usage(format!("{} is not a Leadbook backup", from.display())));
    }
    let mut dest = crate::store::open(db_path, &crate::workflows::SETUP)?;
    {
        let backup = Backup::new(&src, &mut dest)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    crate::store::migrate(&mut dest, &crate::workflows::SETUP)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_time;

    #[test]
    fn daily_backups_keep_the_last_seven_and_restore_brings_data_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("leadbook.db");
        let conn = crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        conn.execute("INSERT INTO workspaces (name, created_at) VALUES ('Agency', 'x')", []).unwrap();
        for day in 1..=9 {
            let now = parse_time(&format!("2026-03-{day:02}T10:00:00Z")).unwrap();
            assert!(daily(&conn, &db, now).unwrap().is_some());
            assert!(daily(&conn, &db, now).unwrap().is_none(), "once a day");
        }
        let mut names: Vec<String> = std::fs::read_dir(dir_for(&db)).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names.len(), KEEP);
        assert_eq!(names[0], "leadbook-2026-03-03.db");

        conn.execute("DELETE FROM workspaces WHERE name = 'Agency'", []).unwrap();
        drop(conn);
        restore(&db, &dir_for(&db).join("leadbook-2026-03-09.db")).unwrap();
        let conn = crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM workspaces WHERE name = 'Agency'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn restoring_a_file_that_is_not_a_backup_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("leadbook.db");
        crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, not even close.........").unwrap();
        let e = restore(&db, &junk).unwrap_err();
        assert_eq!(e.code(), "usage");
    }
}
