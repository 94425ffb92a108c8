//! Tauri commands: one module per area, each command a few lines that parse, call one
//! `Book` method and shape the answer. Errors cross to the UI as `{code, message, field?}`.

pub mod channels;
pub mod dashboard;
pub mod followups;
pub mod intelligence;
pub mod leads;
pub mod properties;
pub mod transfer;
pub mod perf;
pub mod workspace;

#[cfg(test)]
mod command_tests;

use crate::courier::Courier;
use leadbook_core::secrets::{MemoryStore, SecretStore};
use leadbook_core::{Book, Error};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use std::sync::{Arc, Mutex, MutexGuard};

/// SQLite's page cache for the window's connection: the indexes the lead list, search and the
/// dashboard read (about 12 MiB at 100 000 leads) fit; an import raises it for its own
/// transaction.
pub const WINDOW_CACHE_KIB: u32 = 16 * 1024;

/// What the window keeps between calls.
pub struct AppState {
    book: Mutex<Book>,
    /// Where channel tokens are (the OS keychain, or an owner-only file).
    pub secrets: Arc<dyn SecretStore>,
    /// Delivery and inbound polling in the background.
    pub courier: Arc<Courier>,
}

impl AppState {
    /// State over `book`, with secrets in memory (tests); the window sets the real store.
    pub fn new(book: Book) -> Self {
        AppState { book: Mutex::new(book), secrets: Arc::new(MemoryStore::default()), courier: Arc::new(Courier::default()) }
    }

    pub fn with_secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The book, even if an earlier call panicked while holding it (SQLite rolled that call back).
    pub fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The one error type of every command; serialises exactly like the core's error.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct CommandError(#[from] pub Error);

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

pub type CmdResult<T> = Result<T, CommandError>;

/// Reads a JSON payload from the UI into `T`; a malformed one is a `usage` error, not a crash.
pub fn payload<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T, CommandError> {
    serde_json::from_value(value).map_err(|e| CommandError(Error::Usage(format!("malformed {what}: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_failure_matches_the_frontend_wire_contract() {
        let e = CommandError(Error::validation("phone", "'12' is not a valid phone number"));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "validation", "field": "phone", "message": "'12' is not a valid phone number"})
        );
        let e = CommandError(Error::not_found(leadbook_core::Entity::Lead, 9));
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({"code": "not_found", "message": "lead 9 not found"}));
    }

    #[test]
    fn a_malformed_payload_is_a_usage_error() {
        let e = payload::<leadbook_core::leads::validate::LeadInput>("lead", serde_json::json!({"budget_max": "lots"})).unwrap_err();
        assert_eq!(e.0.code(), "usage");
    }
}
