//! The app-wide preferences of one book (`app_settings`): which workspace the window showed
//! last, the language model's settings, the book's own random id. The one module that reads
//! and writes that table; callers name a [`Setting`], never a key.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};

/// One app-wide preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The id of the workspace the app showed last.
    CurrentWorkspace,
    /// The language model's settings, as JSON (its key is a secret, kept apart).
    Llm,
    /// The book's random id, made once: it names the book's secrets.
    BookId,
}

impl Setting {
    pub const ALL: &'static [Setting] = &[Setting::CurrentWorkspace, Setting::Llm, Setting::BookId];

    /// The row's key in `app_settings`.
    pub fn key(self) -> &'static str {
        match self {
            Setting::CurrentWorkspace => "current_workspace",
            Setting::Llm => "llm",
            Setting::BookId => "book_id",
        }
    }
}

impl rusqlite::types::ToSql for Setting {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.key().to_sql()
    }
}

/// The value of `s`, if set.
pub fn get(conn: &Connection, s: Setting) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?.query_row([s], |r| r.get(0)).optional()?)
}

/// The value of `s` read as an integer the way SQLite casts it (`CAST(value AS INTEGER)`), if set.
pub fn get_i64(conn: &Connection, s: Setting) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT CAST(value AS INTEGER) FROM app_settings WHERE key = ?1")?.query_row([s], |r| r.get(0)).optional()?)
}

/// Sets `s` to `value`, replacing what was there.
pub fn set(conn: &Connection, s: Setting, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO app_settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute(rusqlite::params![s, value])?;
    Ok(())
}

/// Sets `s` to `value` unless it is set already (two processes racing keep the first).
/// Whether this call set it.
pub fn set_if_absent(conn: &Connection, s: Setting, value: &str) -> Result<bool> {
    Ok(conn.prepare_cached("INSERT OR IGNORE INTO app_settings (key, value) VALUES (?1, ?2)")?.execute(rusqlite::params![s, value])? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)").unwrap();
        c
    }

    #[test]
    fn a_setting_is_absent_until_set_and_set_replaces_it() {
        let c = conn();
        assert_eq!(get(&c, Setting::Llm).unwrap(), None);
        set(&c, Setting::Llm, "{}").unwrap();
        set(&c, Setting::Llm, "{\"model\":\"m\"}").unwrap();
        assert_eq!(get(&c, Setting::Llm).unwrap().as_deref(), Some("{\"model\":\"m\"}"));
        assert_eq!(get(&c, Setting::BookId).unwrap(), None, "each setting is its own row");
    }

    #[test]
    fn set_if_absent_keeps_the_first_value() {
        let c = conn();
        assert!(set_if_absent(&c, Setting::BookId, "first").unwrap());
        assert!(!set_if_absent(&c, Setting::BookId, "second").unwrap());
        assert_eq!(get(&c, Setting::BookId).unwrap().as_deref(), Some("first"));
    }

    #[test]
    fn every_setting_keeps_the_key_books_already_have() {
        // Existing databases hold these keys: renaming one would lose the setting.
        let keys: Vec<&str> = Setting::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys, ["current_workspace", "llm", "book_id"]);
        let c = conn();
        set(&c, Setting::CurrentWorkspace, "7").unwrap();
        assert_eq!(get_i64(&c, Setting::CurrentWorkspace).unwrap(), Some(7));
        let raw: String = c.query_row("SELECT value FROM app_settings WHERE key = 'current_workspace'", [], |r| r.get(0)).unwrap();
        assert_eq!(raw, "7");
    }
}
