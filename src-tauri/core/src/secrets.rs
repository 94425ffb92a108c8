//! Where channel secrets (bot token, access tokens) live: behind [`SecretStore`], never in the
//! SQLite file, the logs or an IPC answer. The desktop app and the command line use the OS
//! keychain (the `keyring` crate, in the app crate); on a machine without one they use
//! [`FileStore`], a file only its owner can read, and Settings says so. [`MemoryStore`] is for
//! tests.
//!
//! A secret's name is `<book id>/<workspace id>/<provider>`: the book id (random, made once per
//! database file) keeps two databases on one machine from sharing tokens.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A place for secrets.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<String>>;
    fn set(&self, name: &str, secret: &str) -> Result<()>;
    fn delete(&self, name: &str) -> Result<()>;
    /// `keychain`, `file` or `memory`.
    fn kind(&self) -> &'static str;
    /// The file the secrets are in, for a store that is a file.
    fn path(&self) -> Option<&Path> {
        None
    }
}

/// Secrets in a JSON file readable only by its owner (0600), replaced atomically on each change.
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into(), lock: Mutex::new(()) }
    }

    fn read(&self) -> Result<BTreeMap<String, String>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::internal(format!("the secrets file {} is damaged: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e.into()),
        }
    }

    fn write(&self, all: &BTreeMap<String, String>) -> Result<()> {
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = self.path.with_extension("tmp");
        let bytes = serde_json::to_vec_pretty(all).map_err(|e| Error::internal_from(e.to_string(), e))?;
        write_private(&tmp, &bytes)?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }

    fn change(&self, f: impl FnOnce(&mut BTreeMap<String, String>)) -> Result<()> {
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.read()?;
        f(&mut all);
        self.write(&all)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(std::fs::write(path, bytes)?)
}

impl SecretStore for FileStore {
    fn get(&self, name: &str) -> Result<Option<String>> {
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.read()?.remove(name))
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        self.change(|all| {
            all.insert(name.to_string(), secret.to_string());
        })
    }
    fn delete(&self, name: &str) -> Result<()> {
        self.change(|all| {
            all.remove(name);
        })
    }
    fn kind(&self) -> &'static str {
        "file"
    }
    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }
}

/// Secrets in memory, for tests.
#[derive(Default)]
pub struct MemoryStore(Mutex<BTreeMap<String, String>>);

impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<String>> {
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned())
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(name.into(), secret.into());
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        Ok(())
    }
    fn kind(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secrets_file_is_readable_only_by_its_owner_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        let store = FileStore::new(&path);
        assert_eq!(store.get("b/1/telegram").unwrap(), None);
        store.set("b/1/telegram", "123:ABC").unwrap();
        store.set("b/1/twilio", "tw").unwrap();
        store.delete("b/1/twilio").unwrap();
        assert_eq!(FileStore::new(&path).get("b/1/telegram").unwrap().as_deref(), Some("123:ABC"));
        assert_eq!(FileStore::new(&path).get("b/1/twilio").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_secrets_file_is_an_error_not_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, b"not json").unwrap();
        assert_eq!(FileStore::new(&path).get("x").unwrap_err().code(), "internal");
    }
}
