//! The files the window may read (import) or write (export): only ones the agent chose in this
//! session — in the file dialog Rust opens, or typed in the path field and confirmed with
//! Preview/Export (the UI sends them through `import_confirm`/`export_confirm`) — and never one
//! in the app's data directory (the book, its journal, its backups, its secrets file). Paths are
//! compared resolved (symlinks followed), so a link into the data directory is refused too.
//! See docs/DECISIONS.md ("Import and export paths").

use super::AppState;
use leadbook_core::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The session's allow-list and what is never allowed.
pub struct Chosen {
    /// The app's data directory (where the book lives by default), refused as a whole.
    data_dir: Option<PathBuf>,
    /// The book's file, when it has one: it, its `-wal`/`-shm`/`-journal`, its secrets file and
    /// its `backups/` directory are refused wherever the book is.
    book: Option<PathBuf>,
    read: HashSet<PathBuf>,
    write: HashSet<PathBuf>,
}

fn usage_hint() -> &'static str {
    "choose the file with the Choose button (or type its full path and confirm it)"
}

/// `path` with symlinks resolved, or as it is when it does not exist (yet).
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Chosen {
    pub fn new(data_dir: Option<PathBuf>, book: Option<PathBuf>) -> Self {
        Chosen { data_dir, book, read: HashSet::new(), write: HashSet::new() }
    }

    pub fn set_data_dir(&mut self, dir: PathBuf) {
        self.data_dir = Some(dir);
    }

    /// Whether the resolved `path` is in the app's data directory or is one of the book's files.
    fn guarded(&self, path: &Path) -> bool {
        if let Some(dir) = &self.data_dir {
            if path.starts_with(resolved(dir)) || path.starts_with(dir) {
                return true;
            }
        }
        let Some(book) = &self.book else { return false };
        let book = resolved(book);
        if path.starts_with(leadbook_core::store::disk::backups_dir(&book)) {
            return true;
        }
        let mut own = vec![book.clone(), crate::secrets::file_for(&book)];
        for tail in ["-wal", "-shm", "-journal"] {
            let mut name = book.clone().into_os_string();
            name.push(tail);
            own.push(PathBuf::from(name));
        }
        own.iter().any(|f| f == path)
    }

    fn refuse_guarded(&self, path: &Path) -> Result<()> {
        if self.guarded(path) {
            return Err(Error::validation(
                "path",
                format!("'{}' is in Leadbook's own data (the book, its backups or its secrets): choose another file", path.display()),
            ));
        }
        Ok(())
    }

    /// A file the agent chose to import from: an absolute path to a regular file they can read,
    /// outside the data directory. Remembered for this session; returns it resolved.
    pub fn choose_to_read(&mut self, path: &Path) -> Result<PathBuf> {
        if !path.is_absolute() {
            return Err(Error::validation("path", format!("type the file's full path, or {}", usage_hint())));
        }
        let real = std::fs::canonicalize(path)
            .map_err(|e| Error::validation("path", format!("'{}' cannot be opened: {e}", path.display())))?;
        self.refuse_guarded(&real)?;
        if !std::fs::metadata(&real).map(|m| m.is_file()).unwrap_or(false) {
            return Err(Error::validation("path", format!("'{}' is not a file", path.display())));
        }
        std::fs::File::open(&real).map_err(|e| Error::validation("path", format!("'{}' cannot be read: {e}", path.display())))?;
        self.read.insert(real.clone());
        Ok(real)
    }

    /// A file the agent chose to export to: an absolute path in an existing directory, not a
    /// directory or anything but a regular file if it exists, outside the data directory.
    /// Remembered for this session; returns it resolved.
    pub fn choose_to_write(&mut self, path: &Path) -> Result<PathBuf> {
        let real = self.write_target(path)?;
        self.write.insert(real.clone());
        Ok(real)
    }

    fn write_target(&self, path: &Path) -> Result<PathBuf> {
        if !path.is_absolute() {
            return Err(Error::validation("path", format!("type the file's full path, or {}", usage_hint())));
        }
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(Error::validation("path", format!("'{}' names no file", path.display())));
        };
        let dir = std::fs::canonicalize(dir)
            .map_err(|e| Error::validation("path", format!("the folder '{}' cannot be opened: {e}", dir.display())))?;
        let mut real = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&real) {
            if meta.file_type().is_symlink() {
                real = resolved(&real);
            }
            if real.exists() && !std::fs::metadata(&real).map(|m| m.is_file()).unwrap_or(false) {
                return Err(Error::validation("path", format!("'{}' is not a file", path.display())));
            }
        }
        self.refuse_guarded(&real)?;
        Ok(real)
    }

    /// `path` resolved, when the agent chose it to read in this session; else a validation
    /// error on `path`. The data directory is refused even if it somehow got on the list.
    pub fn chosen_to_read(&self, path: &Path) -> Result<PathBuf> {
        let real = resolved(path);
        self.refuse_guarded(&real)?;
        if !self.read.contains(&real) {
            return Err(Error::validation("path", format!("'{}' was not chosen in Leadbook: {}", path.display(), usage_hint())));
        }
        Ok(real)
    }

    /// `path` resolved, when the agent chose it to write in this session.
    pub fn chosen_to_write(&self, path: &Path) -> Result<PathBuf> {
        let real = self.write_target(path)?;
        if !self.write.contains(&real) {
            return Err(Error::validation("path", format!("'{}' was not chosen in Leadbook: {}", path.display(), usage_hint())));
        }
        Ok(real)
    }
}

impl AppState {
    /// The session's chosen files.
    pub fn chosen(&self) -> std::sync::MutexGuard<'_, Chosen> {
        self.chosen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The app's data directory is `dir` (tests; the window's is `paths::default_db`'s folder).
    pub fn with_data_dir(self, dir: PathBuf) -> Self {
        self.chosen().set_data_dir(dir);
        self
    }
}
