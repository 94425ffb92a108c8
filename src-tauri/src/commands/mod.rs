//! Tauri commands: one module per area, each command a few lines that call one `Book` method
//! and shape the answer. Arguments arrive typed (Tauri deserialises them; a payload that does not
//! fit is rejected before the command runs, and the UI reports it as `usage`). Errors are the
//! core's, and cross to the UI as `{code, message, field?}`.

pub mod channels;
pub mod compliance;
pub mod chosen;
pub mod dashboard;
pub mod enquiries;
pub mod day;
pub mod followups;
pub mod intelligence;
pub mod leads;
pub mod properties;
pub mod transfer;
pub mod perf;
pub mod portals;
pub mod window;
pub mod workspace;

#[cfg(test)]
mod command_tests;

use crate::background::Courier;
use leadbook_core::secrets::{MemoryStore, SecretStore};
use leadbook_core::{Book, Clock, Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

/// SQLite's page cache for the window's connection: the indexes the lead list, search and the
/// dashboard read (about 12 MiB at 100 000 leads) fit. An import runs on its own connection,
/// with the store's bigger default cache.
pub const WINDOW_CACHE_KIB: u32 = 16 * 1024;

/// What the window keeps between calls.
pub struct AppState {
    book: Mutex<Book>,
    /// The book's file and clock, for work on a connection of its own (an import); `None` for
    /// an in-memory book.
    path: Option<PathBuf>,
    clock: Arc<dyn Clock>,
    /// The imports running now, each with its own cancel flag, by the id the UI gave it.
    imports: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// The files the agent chose to import from or export to in this session (see `chosen`).
    chosen: Mutex<chosen::Chosen>,
    /// Where channel tokens are (the OS keychain, or an owner-only file).
    pub secrets: Arc<dyn SecretStore>,
    /// Delivery and inbound polling in the background.
    pub courier: Arc<Courier>,
}

impl AppState {
    /// State over `book`, with secrets in memory (tests); the window sets the real store.
    pub fn new(mut book: Book) -> Self {
        let path = book.path().map(PathBuf::from);
        let clock = book.store().clock().clone();
        let chosen = chosen::Chosen::new(crate::paths::default_db().parent().map(PathBuf::from), path.clone());
        AppState {
            book: Mutex::new(book),
            path,
            clock,
            imports: Mutex::new(HashMap::new()),
            chosen: Mutex::new(chosen),
            secrets: Arc::new(MemoryStore::default()),
            courier: Arc::new(Courier::default()),
        }
    }

    pub fn with_secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The book, even if an earlier call panicked while holding it (SQLite rolled that call back).
    pub fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Another connection to the same book file, for work that must not hold the window's.
    pub fn open_another(&self) -> Result<Book> {
        let path = self.path.as_deref().ok_or_else(|| Error::Usage("an in-memory book has no file to open again".into()))?;
        Book::open(path, self.clock.clone())
    }

    /// The running imports' cancel flags.
    fn imports(&self) -> MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        self.imports.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use leadbook_core::leads::validate::LeadInput;
    use leadbook_core::Error;

    #[test]
    fn command_failure_matches_the_frontend_wire_contract() {
        // Commands return the core's error; Tauri sends what it serialises to.
        let e = Error::validation("phone", "'12' is not a valid phone number");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "validation", "field": "phone", "message": "'12' is not a valid phone number"})
        );
        let e = Error::not_found(leadbook_core::Entity::Lead, 9);
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({"code": "not_found", "message": "lead 9 not found"}));
        let e: tauri::ipc::InvokeError = Error::Cancelled.into();
        assert_eq!(e.0, serde_json::json!({"code": "cancelled", "message": "cancelled; nothing was changed"}));
    }

    /// A payload that does not fit the command's argument type never reaches the command: Tauri
    /// rejects the call with the text below, which the UI (ipc.ts) turns into `usage`.
    #[test]
    fn a_malformed_payload_is_a_usage_error() {
        let bad = serde_json::from_value::<LeadInput>(serde_json::json!({"budget_max": "lots"})).unwrap_err();
        let rejected = tauri::ipc::InvokeError::from(tauri::Error::InvalidArgs("lead_add", "input", bad));
        let text = rejected.0.as_str().expect("Tauri rejects with a string, not an error object");
        assert!(text.starts_with("invalid args `input` for command `lead_add`: invalid type: string \"lots\""), "{text}");
    }
}
