//! The book as a file: whether a path holds a new book, a book or a damaged one; the mark that
//! stops every write once SQLite has found the file corrupt; the dated backups beside it; and
//! files created owner-only from their first byte.
//!
//! A book is damaged when SQLite says so (`file is not a database`, `database disk image is
//! malformed`) or when the file is missing or empty while a backup beside it holds leads: a
//! book that had leads and is now nothing is never silently made new. Damage is reported as a
//! `database` error whose message names the backup to restore.

use crate::error::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// `<db dir>/backups/`: where the daily backups of the book at `db` go.
pub fn backups_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

fn stem(db: &Path) -> &str {
    db.file_stem().and_then(|s| s.to_str()).unwrap_or("leadbook")
}

/// The name of `db`'s backup of `day`: `<stem>-YYYY-MM-DD.db`.
pub fn dated_backup(db: &Path, day: NaiveDate) -> PathBuf {
    backups_dir(db).join(format!("{}-{}.db", stem(db), day.format("%Y-%m-%d")))
}

/// The dated backups of `db` (named as [`dated_backup`] names them; nothing else in the folder
/// counts), newest first.
pub fn dated_backups(db: &Path) -> Vec<(NaiveDate, PathBuf)> {
    let prefix = format!("{}-", stem(db));
    let Ok(entries) = std::fs::read_dir(backups_dir(db)) else {
        return vec![];
    };
    let mut all: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let day = name.strip_prefix(&prefix)?.strip_suffix(".db")?;
            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            (date.format("%Y-%m-%d").to_string() == day).then_some((date, p))
        })
        .collect();
    all.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
    all
}

/// How many leads the book or backup at `file` holds; `None` when it cannot be read as one.
/// Opened read-only and immutable: looking never writes beside it.
pub fn lead_count(file: &Path) -> Option<i64> {
    let uri = format!("file:{}?immutable=1", uri_path(file)?);
    let conn = Connection::open_with_flags(uri, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI).ok()?;
    conn.query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).ok()
}

/// `path` as the path part of a `file:` URI (`?`, `#` and `%` escaped).
fn uri_path(path: &Path) -> Option<String> {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    let s = abs.to_str()?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            _ => out.push(c),
        }
    }
    Some(out)
}

/// The newest dated backup of `db` that holds at least one lead.
pub fn newest_backup_with_leads(db: &Path) -> Option<PathBuf> {
    dated_backups(db).into_iter().map(|(_, p)| p).find(|p| lead_count(p).is_some_and(|n| n > 0))
}

/// An error SQLite gives for a file that is not (or no longer) a whole database.
pub fn is_corruption(e: &Error) -> bool {
    match e {
        Error::Db(e) => matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        ),
        _ => false,
    }
}

/// The file beside `db` that marks it damaged: `<db>.damaged`, holding what was found.
pub fn damage_mark(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".damaged");
    db.with_file_name(name)
}

/// What was found wrong with `db`, if it was marked damaged.
pub fn damage(db: &Path) -> Option<String> {
    std::fs::read_to_string(damage_mark(db)).ok().map(|s| s.trim().to_string())
}

/// Marks `db` damaged: from now on every connection to it refuses to write (until a restore).
pub fn mark_damaged(db: &Path, what: &str) -> Result<()> {
    let mark = damage_mark(db);
    if mark.exists() {
        return Ok(());
    }
    let mut f = create_private(&mark)?;
    std::io::Write::write_all(&mut f, what.as_bytes())?;
    Ok(())
}

/// Takes the mark off `db` (a whole book was just restored there).
pub fn clear_damage(db: &Path) -> Result<()> {
    match std::fs::remove_file(damage_mark(db)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// If `e` says the file is corrupt, marks `db` damaged and answers the damage error instead;
/// any other error (and a damage error already made) is given back as it was.
pub fn note(db: Option<&Path>, e: Error) -> Error {
    match db {
        Some(db) if is_corruption(&e) && !is_report(&e) => {
            let what = e.to_string();
            let _ = mark_damaged(db, &what);
            damaged(db, &what)
        }
        _ => e,
    }
}

/// How [`damaged`]'s message begins: what tells a report from SQLite's own words.
const REPORT: &str = "the book ";

/// An error [`damaged`] made.
fn is_report(e: &Error) -> bool {
    matches!(e, Error::Db(rusqlite::Error::SqliteFailure(_, Some(m))) if m.starts_with(REPORT) && m.contains(" is damaged ("))
}

/// The error for a damaged book: a `database` error saying what was found and which backup to
/// restore. Nothing was written.
pub fn damaged(db: &Path, what: &str) -> Error {
    let advice = match newest_backup_with_leads(db).or_else(|| dated_backups(db).into_iter().next().map(|(_, p)| p)) {
        Some(b) => format!("restore it from the backup {} (leadbook restore {})", b.display(), b.display()),
        None => "restore it from a backup (leadbook restore FILE); there is none beside it".to_string(),
    };
    let message = format!("{REPORT}{} is damaged ({what}); nothing was written: {advice}", db.display());
    Error::Db(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT), Some(message)))
}

/// What is at `db` before it is opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing, or an empty file, with no backup of leads beside it: a new book.
    New,
    /// A file with something in it: SQLite will say whether it is a book.
    File,
}

/// Looks at `db` before SQLite does: a folder is a usage error; a missing or empty file is a
/// new book only when no backup beside it holds leads; else it is damaged.
pub fn inspect(db: &Path) -> Result<Found> {
    match std::fs::metadata(db) {
        Ok(m) if m.is_dir() => Err(Error::Usage(format!("{} is a folder, not a book file", db.display()))),
        Ok(m) if m.len() > 0 => Ok(Found::File),
        Ok(_) => gone(db, "the file is empty"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => gone(db, "the file is missing"),
        Err(e) => Err(e.into()),
    }
}

fn gone(db: &Path, what: &str) -> Result<Found> {
    match newest_backup_with_leads(db) {
        None => Ok(Found::New),
        Some(_) => Err(damaged(db, &format!("{what}, but its backups hold leads"))),
    }
}

/// Creates `path` (which must not exist) readable and writable by its owner only, from the
/// first byte.
#[cfg(unix)]
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    Ok(std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?)
}

#[cfg(not(unix))]
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    Ok(std::fs::OpenOptions::new().write(true).create_new(true).open(path)?)
}

/// [`create_private`], replacing whatever file was at `path` (a stale partial copy).
pub fn replace_private(path: &Path) -> Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    create_private(path)
}

/// Takes group and other permissions off `path` (and SQLite's `-wal` and `-shm` beside it).
#[cfg(unix)]
pub fn tighten(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for p in [path.to_path_buf(), companion(path, "-wal"), companion(path, "-shm")] {
        if let Ok(m) = std::fs::metadata(&p) {
            if m.is_file() && m.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m.permissions().mode() & 0o700))?;
            }
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn tighten(_path: &Path) -> Result<()> {
    Ok(())
}

/// `<path><suffix>`: SQLite's `-wal`, `-shm` and `-journal` beside a database.
pub fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}
