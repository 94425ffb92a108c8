//! The secret store the window and the command line use: the OS keychain (macOS Keychain,
//! Windows Credential Manager, the Secret Service on Linux desktops) through the `keyring`
//! crate; where there is none (a headless Linux box), an owner-only file beside the database,
//! which Settings warns about. `LEADBOOK_SECRET_STORE=file` forces the file (tests, servers).

use leadbook_core::secrets::{FileStore, SecretStore};
use leadbook_core::{Error, Result};
use std::path::Path;

const SERVICE: &str = "com.leadbook.desktop";

/// Secrets in the OS keychain.
pub struct Keychain;

impl Keychain {
    fn entry(name: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, name).map_err(|e| Error::internal_from(format!("the keychain refused the entry: {e}"), e))
    }

    /// Whether a keychain answers here.
    fn available() -> bool {
        match Self::entry("leadbook-probe").and_then(|e| Ok(e.get_password())) {
            Ok(Ok(_)) | Ok(Err(keyring::Error::NoEntry)) => true,
            Ok(Err(e)) => {
                log::info!("no usable keychain ({e}); channel secrets go to an owner-only file");
                false
            }
            Err(_) => false,
        }
    }
}

impl SecretStore for Keychain {
    fn get(&self, name: &str) -> Result<Option<String>> {
        match Self::entry(name)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::internal_from(format!("the keychain could not be read: {e}"), e)),
        }
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        Self::entry(name)?.set_password(secret).map_err(|e| Error::internal_from(format!("the keychain could not be written: {e}"), e))
    }
    fn delete(&self, name: &str) -> Result<()> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::internal_from(format!("the keychain could not be written: {e}"), e)),
        }
    }
    fn kind(&self) -> &'static str {
        "keychain"
    }
}

/// Where the secrets of the book at `db` are kept when there is no keychain: beside it, as
/// `<db stem>.secrets.json`.
pub fn file_for(db: &Path) -> std::path::PathBuf {
    db.with_extension("secrets.json")
}

/// The store for the book at `db`: the keychain if there is one, else [`file_for`] it.
pub fn for_book(db: &Path) -> Box<dyn SecretStore> {
    let file = || Box::new(FileStore::new(file_for(db))) as Box<dyn SecretStore>;
    match std::env::var("LEADBOOK_SECRET_STORE").as_deref() {
        Ok("file") => file(),
        _ if Keychain::available() => Box::new(Keychain),
        _ => file(),
    }
}
