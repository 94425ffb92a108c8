//! The one error type of the core. Every boundary (CLI, Tauri commands) shows it to people as
//! `{code, message, field?}`; callers switch on [`Error::code`], never on message text.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Everything that can go wrong in `leadbook-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; names the offending field. Nothing was written.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The thing asked for does not exist in this workspace (or at all: the two look the same).
    #[error("{0} not found")]
    NotFound(String),
    /// A change would give a lead an identity key that another lead already owns.
    #[error("{message}")]
    Duplicate { field: String, message: String, existing_id: i64 },
    /// The request itself is malformed (bad option, bad time, …).
    #[error("{0}")]
    Usage(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Internal(String),
    /// A provider could not be reached (no network, the server is down).
    #[error("{0}")]
    Offline(String),
    /// A provider answered with an error (a refused token, a bad setting).
    #[error("{0}")]
    Provider(String),
    /// The person cancelled a long operation; nothing it did was kept.
    #[error("cancelled; nothing was changed")]
    Cancelled,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation { field: field.to_string(), message: message.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation",
            Error::NotFound(_) => "not_found",
            Error::Duplicate { .. } => "duplicate",
            Error::Usage(_) => "usage",
            Error::Db(e) if is_busy(e) => "busy",
            Error::Db(_) => "database",
            Error::Io(_) => "io",
            Error::Internal(_) => "internal",
            Error::Offline(_) => "offline",
            Error::Provider(_) => "provider",
            Error::Cancelled => "cancelled",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } | Error::Duplicate { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Validation and usage errors are the caller's to fix (exit code 2 on the command line).
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Validation { .. } | Error::Usage(_) | Error::Duplicate { .. })
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let extra = matches!(self, Error::Duplicate { .. }) as usize;
        let mut st = s.serialize_struct("Error", 3 + extra)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        if let Some(field) = self.field() {
            st.serialize_field("field", field)?;
        } else {
            st.skip_field("field")?;
        }
        if let Error::Duplicate { existing_id, .. } = self {
            st.serialize_field("existing_id", existing_id)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_error_serialises_to_the_wire_contract() {
        let e = Error::validation("email", "not a valid email address");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"code":"validation","field":"email","message":"not a valid email address"}));
    }

    #[test]
    fn not_found_has_no_field() {
        let v = serde_json::to_value(Error::not_found("lead 7")).unwrap();
        assert_eq!(v, serde_json::json!({"code":"not_found","message":"lead 7 not found"}));
    }
}
