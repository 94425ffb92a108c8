//! Backups through SQLite's online backup API: a daily copy beside the database, a copy on
//! demand, and restoring one.
//!
//! Every copy is owner-only from its first byte and checked (`PRAGMA quick_check`) before it
//! takes its name: a book found damaged that way is marked (no more writes) and its good
//! backups stay. The daily ones are rotated: the newest of each of the last [`KEEP_DAILY`]
//! days, [`KEEP_WEEKLY`] ISO weeks and [`KEEP_MONTHLY`] months that have one are kept, and
//! never the newest backup that holds leads is deleted. A restore checks what it restores (a
//! whole database, a schema version this build knows, exactly our tables and indexes — no
//! trigger, no view), keeps a copy of the live file first, and works whatever state that file
//! is in.

use crate::error::{Error, Result};
use crate::store::{self, disk, Folder, Setup};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Daily backups kept: the newest of each of the last 7 days that have one…
pub const KEEP_DAILY: usize = 7;
/// …of each of the last 4 ISO weeks…
pub const KEEP_WEEKLY: usize = 4;
/// …and of each of the last 6 months.
pub const KEEP_MONTHLY: usize = 6;

/// `<db dir>/backups/` for the database at `db_path`.
pub fn dir_for(db_path: &Path) -> PathBuf {
    disk::backups_dir(db_path)
}

/// Copies the live database to `dest` (a consistent snapshot, even while others write), owner-
/// only from the first byte. An existing `dest` is replaced only when it is a Leadbook
/// database (an earlier backup); any other file, a folder or the book itself is refused
/// (`validation`, field `to`) and left as it was. A snapshot that fails SQLite's check is not
/// kept: the book is marked damaged and the answer is the damage error.
pub fn to_file(conn: &Connection, dest: &Path) -> Result<()> {
    let live = conn.path().filter(|p| !p.is_empty()).map(PathBuf::from);
    check_destination(live.as_deref(), dest)?;
    if let Some(d) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d)?;
    }
    let tmp = disk::companion(dest, ".partial");
    drop(disk::replace_private(&tmp)?);
    let copied = (|| -> Result<()> {
        let mut out = Connection::open(&tmp)?;
        Backup::new(conn, &mut out)?.run_to_completion(256, Duration::from_millis(5), None)?;
        if let Some(problem) = first_problem(&out, "quick_check")? {
            return Err(corrupt(&problem));
        }
        Ok(())
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(disk::note(live.as_deref(), e));
    }
    std::fs::rename(&tmp, dest)?;
    Ok(())
}

fn check_destination(live: Option<&Path>, dest: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(dest) else {
        return Ok(());
    };
    let shown = dest.display();
    if meta.is_dir() {
        return Err(Error::validation("to", format!("{shown} is a folder; name a file to write the backup to")));
    }
    if live.is_some_and(|l| same_file(l, dest)) {
        return Err(Error::validation("to", format!("{shown} is the book itself; name another file")));
    }
    if !is_leadbook_database(dest) {
        return Err(Error::validation("to", format!("{shown} exists and is not a Leadbook backup; nothing was written (name a new file)")));
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// An SQLite file holding Leadbook's tables.
fn is_leadbook_database(p: &Path) -> bool {
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(p).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header)).is_ok()
        && &header == b"SQLite format 3\0";
    is_sqlite && disk::lead_count(p).is_some()
}

/// What `PRAGMA quick_check` or `integrity_check` found first, if anything.
fn first_problem(conn: &Connection, pragma: &str) -> Result<Option<String>> {
    let answer: String = conn.query_row(&format!("PRAGMA {pragma}(1)"), [], |r| r.get(0))?;
    Ok((answer != "ok").then_some(answer))
}

fn corrupt(what: &str) -> Error {
    Error::Db(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT), Some(what.to_string())))
}

/// Makes today's backup if there is none yet, then rotates the dated backups (see the module
/// doc).
pub fn daily(conn: &Connection, db_path: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
    let dest = disk::dated_backup(db_path, now.date_naive());
    if dest.exists() {
        return Ok(None);
    }
    to_file(conn, &dest)?;
    rotate(db_path)?;
    Ok(Some(dest))
}

/// Deletes the dated backups [`kept`] does not keep, never the newest that holds leads.
fn rotate(db_path: &Path) -> Result<()> {
    let all = disk::dated_backups(db_path);
    let days: Vec<NaiveDate> = all.iter().map(|(d, _)| *d).collect();
    let mut keep = kept(&days);
    if let Some(i) = all.iter().position(|(_, p)| disk::lead_count(p).is_some_and(|n| n > 0)) {
        keep.insert(i);
    }
    for (i, (_, p)) in all.iter().enumerate() {
        if !keep.contains(&i) {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

/// Which of `days` (newest first, one backup each) the rotation keeps: the newest backup of
/// each of the last [`KEEP_DAILY`] days, [`KEEP_WEEKLY`] ISO weeks and [`KEEP_MONTHLY`] months
/// that have one.
pub fn kept(days: &[NaiveDate]) -> BTreeSet<usize> {
    let mut keep = BTreeSet::new();
    let mut newest_of = |period: &dyn Fn(NaiveDate) -> (i32, u32), n: usize| {
        let mut seen = BTreeSet::new();
        for (i, d) in days.iter().enumerate() {
            if seen.len() == n && !seen.contains(&period(*d)) {
                break;
            }
            if seen.insert(period(*d)) {
                keep.insert(i);
            }
        }
    };
    newest_of(&|d| (d.year(), d.ordinal()), KEEP_DAILY);
    newest_of(&|d| (d.iso_week().year(), d.iso_week().week()), KEEP_WEEKLY);
    newest_of(&|d| (d.year(), d.month()), KEEP_MONTHLY);
    keep
}

/// What a restore did: where the live file was copied before it was replaced (none when there
/// was nothing there).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Restored {
    pub before: Option<PathBuf>,
}

/// The schema alone, to compare a backup's with.
const BARE: Setup = Setup { after_migration: |_, _| Ok(()), ensure_defaults: |_| Ok(()) };

/// Replaces the database at `db_path` with the backup at `from`, once `from` is checked (see
/// [`check`]). The live file — whatever state it is in, even not a database — is copied to
/// `<db>.before-restore-<now>` (owner-only) first. A book SQLite can still open is overwritten
/// through the backup API, so a running reader sees a whole database; one it cannot is
/// replaced as a file. The damage mark goes, and the restored book is migrated.
pub fn restore(db_path: &Path, from: &Path, folder: Folder, now: DateTime<Utc>) -> Result<Restored> {
    let src = check(from)?;
    if same_file(db_path, from) {
        return Err(Error::Usage(format!("{} is the book itself", from.display())));
    }
    if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        match folder {
            Folder::Create => std::fs::create_dir_all(dir)?,
            Folder::MustExist => {
                return Err(Error::Usage(format!(
                    "there is no folder {} for the book {}; nothing was restored (check the path, or pass --create)",
                    dir.display(),
                    db_path.display()
                )))
            }
        }
    }
    let before = keep_current(db_path, now)?;
    if overwrite_in_place(&src, db_path).is_err() {
        replace_file(&src, db_path)?;
    }
    drop(src);
    disk::clear_damage(db_path)?;
    store::open(db_path, &crate::workflows::SETUP)?;
    Ok(Restored { before })
}

/// Opens the backup at `from` read-only if it is one this build may restore: SQLite's
/// `integrity_check` passes, its `user_version` is a schema version this build knows, and its
/// tables and indexes are exactly those that version has — no trigger, no view, nothing
/// added. Anything else is a `usage` error naming the file, and nothing is changed.
pub fn check(from: &Path) -> Result<Connection> {
    let shown = from.display();
    if !from.is_file() {
        return Err(Error::Usage(format!("there is no backup file {shown}")));
    }
    let not_ours = || Error::Usage(format!("{shown} is not a Leadbook backup"));
    let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::Usage(format!("cannot open backup {shown}: {e}")))?;
    match first_problem(&src, "integrity_check") {
        Err(_) => return Err(not_ours()),
        Ok(Some(problem)) => return Err(Error::Usage(format!("the backup {shown} is damaged ({problem}); choose another"))),
        Ok(None) => {}
    }
    let version: i64 = src.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|_| not_ours())?;
    let known = store::MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::Usage(format!(
            "the backup {shown} was written by a newer Leadbook (schema {version}, this build knows {known}); restore it with that version"
        )));
    }
    if version < 1 {
        return Err(not_ours());
    }
    let mut expected = Connection::open_in_memory()?;
    store::migrate_to(&mut expected, version as usize, &BARE)?;
    let (want, have) = (schema(&expected)?, schema(&src).map_err(|_| not_ours())?);
    if let Some((kind, name, _, _)) = have.difference(&want).next() {
        return Err(Error::Usage(match kind.as_str() {
            "trigger" | "view" => format!("the backup {shown} has a {kind} '{name}' that Leadbook never makes; it is refused"),
            _ => format!("the backup {shown} has a {kind} '{name}' that is not Leadbook's schema {version}; it is refused"),
        }));
    }
    if let Some((kind, name, _, _)) = want.difference(&have).next() {
        return Err(Error::Usage(format!("the backup {shown} lacks the {kind} '{name}' of Leadbook's schema {version}; it is refused")));
    }
    Ok(src)
}

type Entry = (String, String, String, Option<String>);

/// Every table, index, trigger and view (SQLite's own `sqlite_*` aside), with its SQL.
fn schema(conn: &Connection) -> Result<BTreeSet<Entry>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Copies the file at `db_path` to `<db>.before-restore-<now>` (owner-only): through SQLite
/// when it can read it, else byte for byte (with its `-wal`). Nothing to copy: `None`.
fn keep_current(db_path: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
    if std::fs::metadata(db_path).map(|m| m.len() == 0).unwrap_or(true) {
        return Ok(None);
    }
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let (mut n, mut copy) = (1, disk::companion(db_path, &format!(".before-restore-{stamp}")));
    while copy.exists() {
        n += 1;
        copy = disk::companion(db_path, &format!(".before-restore-{stamp}-{n}"));
    }
    drop(disk::create_private(&copy)?);
    let through_sqlite = (|| -> Result<()> {
        let live = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut out = Connection::open(&copy)?;
        Backup::new(&live, &mut out)?.run_to_completion(256, Duration::from_millis(5), None)?;
        Ok(())
    })();
    if through_sqlite.is_err() {
        raw_copy(db_path, &copy)?;
        let wal = disk::companion(db_path, "-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            let copy_wal = disk::companion(&copy, "-wal");
            drop(disk::replace_private(&copy_wal)?);
            raw_copy(&wal, &copy_wal)?;
        }
    }
    Ok(Some(copy))
}

/// Copies `from`'s bytes into the (existing, owner-only) file `to`.
fn raw_copy(from: &Path, to: &Path) -> Result<()> {
    let mut src = std::fs::File::open(from)?;
    let mut dst = std::fs::OpenOptions::new().write(true).truncate(true).open(to)?;
    std::io::copy(&mut src, &mut dst)?;
    dst.sync_all()?;
    Ok(())
}

/// Writes `src` over the live book through the backup API (a reader sees the old book or the
/// new one, whole). Fails on a file SQLite cannot open as a database.
fn overwrite_in_place(src: &Connection, db_path: &Path) -> Result<()> {
    if disk::inspect(db_path).ok() != Some(disk::Found::File) {
        return Err(Error::internal("no book to overwrite"));
    }
    let mut dest = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    dest.busy_timeout(Duration::from_secs(10))?;
    dest.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?;
    Backup::new(src, &mut dest)?.run_to_completion(256, Duration::from_millis(5), None)?;
    Ok(())
}

/// Writes `src` to a new owner-only file and renames it over the live one (whose `-wal` and
/// `-shm` go: they belong to the old file).
fn replace_file(src: &Connection, db_path: &Path) -> Result<()> {
    let tmp = disk::companion(db_path, ".restoring");
    drop(disk::replace_private(&tmp)?);
    let written = (|| -> Result<()> {
        let mut out = Connection::open(&tmp)?;
        Backup::new(src, &mut out)?.run_to_completion(256, Duration::from_millis(5), None)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    for stale in ["-wal", "-shm"] {
        match std::fs::remove_file(disk::companion(db_path, stale)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(&tmp, db_path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_time;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn daily_backups_keep_the_last_seven_days_and_restore_brings_data_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("leadbook.db");
        let conn = crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        conn.execute("INSERT INTO workspaces (name, created_at) VALUES ('Agency', 'x')", []).unwrap();
        for day in 1..=9 {
            let now = parse_time(&format!("2026-03-{day:02}T10:00:00Z")).unwrap();
            assert!(daily(&conn, &db, now).unwrap().is_some());
            assert!(daily(&conn, &db, now).unwrap().is_none(), "once a day");
        }
        let names = names_in(&dir_for(&db));
        // The last 7 days, and the newest of February's last week (Sunday 1 March, ISO week 9).
        assert_eq!(names.len(), KEEP_DAILY + 1, "{names:?}");
        assert_eq!(names[0], "leadbook-2026-03-01.db");
        assert_eq!(names[1], "leadbook-2026-03-03.db");

        conn.execute("DELETE FROM workspaces WHERE name = 'Agency'", []).unwrap();
        drop(conn);
        let now = parse_time("2026-03-09T11:00:00Z").unwrap();
        restore(&db, &dir_for(&db).join("leadbook-2026-03-09.db"), Folder::MustExist, now).unwrap();
        let conn = crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM workspaces WHERE name = 'Agency'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn rotation_keeps_seven_days_four_weeks_and_six_months() {
        // A backup every day of 2026 up to 30 June, newest first.
        let mut days = vec![];
        let mut d = day("2026-06-30");
        while d >= day("2026-01-01") {
            days.push(d);
            d = d.pred_opt().unwrap();
        }
        let kept: Vec<String> = kept(&days).into_iter().map(|i| days[i].to_string()).collect();
        assert_eq!(
            kept,
            vec![
                // 7 days…
                "2026-06-30", "2026-06-29", "2026-06-28", "2026-06-27", "2026-06-26", "2026-06-25", "2026-06-24",
                // …the newest of each of the last 4 ISO weeks (this one's and 28 June are
                // dailies)…
                "2026-06-21", "2026-06-14",
                // …and of 5 more months.
                "2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31",
            ]
        );
    }

    #[test]
    fn restoring_a_file_that_is_not_a_backup_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("leadbook.db");
        crate::store::open(&db, &crate::workflows::SETUP).unwrap();
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, not even close.........").unwrap();
        let e = restore(&db, &junk, Folder::MustExist, Utc::now()).unwrap_err();
        assert_eq!(e.code(), "usage");
        assert!(!names_in(dir.path()).iter().any(|n| n.contains("before-restore")), "nothing copied, nothing changed");
    }
}
