//! The one error type of the core. Every boundary (CLI, Tauri commands) shows it to people as
//! `{code, message, field?}`; callers switch on [`Error::code`], never on message text.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;

/// A failure underneath one of ours, kept as the source of the error it caused.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The kinds of thing a lookup can fail to find (in this workspace, or at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Workspace,
    Lead,
    Property,
    Message,
    Campaign,
    Step,
    /// A lead sender the agent listed (`email senders`).
    Sender,
    /// A mail kept in the unparsed list.
    Mail,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Workspace => "workspace",
            Entity::Lead => "lead",
            Entity::Property => "property",
            Entity::Message => "message",
            Entity::Campaign => "campaign",
            Entity::Step => "step",
            Entity::Sender => "sender",
            Entity::Mail => "mail",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in `leadbook-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that breaks a rule; names the offending field. Nothing was written.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The thing asked for does not exist in this workspace (or at all: the two look the same).
    /// `id` is how it was asked for (`7`, `'Agency'`), when it was.
    #[error("{entity}{} not found", id.as_ref().map(|i| format!(" {i}")).unwrap_or_default())]
    NotFound { entity: Entity, id: Option<String> },
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
    /// Something that should not happen did; `source` is what failed underneath, if anything.
    #[error("{message}")]
    Internal {
        message: String,
        #[source]
        source: Option<Source>,
    },
    /// A provider could not be reached (no network, the server is down); `source` is the
    /// transport's error (never with a request URL in it: Telegram's has the token).
    #[error("{message}")]
    Offline {
        message: String,
        #[source]
        source: Option<Source>,
    },
    /// A provider answered with an error (a refused token, a bad setting).
    #[error("{0}")]
    Provider(String),
    /// The person cancelled a long operation; nothing it did was kept.
    #[error("cancelled; nothing was changed")]
    Cancelled,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every code an error carries (`Error::code`): what the UI switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ErrorCode")]
pub enum Code {
    Validation,
    NotFound,
    Duplicate,
    Usage,
    Busy,
    Database,
    Io,
    Internal,
    Offline,
    Provider,
    Cancelled,
}

/// The JSON an error crosses to the UI as (what `Error`'s `Serialize` writes); only its
/// TypeScript (`WireError`) is used, and a test reads every kind of error back into it.
#[derive(Debug, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(rename = "WireError")]
pub struct Wire {
    pub code: Code,
    pub message: String,
    /// The offending field, for `validation` and `duplicate`.
    #[ts(optional)]
    pub field: Option<String>,
    /// The lead that already has the key, for `duplicate`.
    #[ts(optional)]
    pub existing_id: Option<i64>,
}

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation { field: field.to_string(), message: message.into() }
    }

    /// `entity` `id` does not exist (in this workspace).
    pub fn not_found(entity: Entity, id: impl std::fmt::Display) -> Self {
        Error::NotFound { entity, id: Some(id.to_string()) }
    }

    /// No `entity` at all (there is none to pick).
    pub fn none_found(entity: Entity) -> Self {
        Error::NotFound { entity, id: None }
    }

    /// An internal failure with nothing underneath.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal { message: message.into(), source: None }
    }

    /// An internal failure caused by `source`; the message says what we were doing.
    pub fn internal_from(message: impl Into<String>, source: impl Into<Source>) -> Self {
        Error::Internal { message: message.into(), source: Some(source.into()) }
    }

    /// A provider could not be reached.
    pub fn offline(message: impl Into<String>, source: Option<Source>) -> Self {
        Error::Offline { message: message.into(), source }
    }

    /// What was not found, for a `not_found` error.
    pub fn entity(&self) -> Option<Entity> {
        match self {
            Error::NotFound { entity, .. } => Some(*entity),
            _ => None,
        }
    }

    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation",
            Error::NotFound { .. } => "not_found",
            Error::Duplicate { .. } => "duplicate",
            Error::Usage(_) => "usage",
            Error::Db(e) if is_busy(e) => "busy",
            Error::Db(_) => "database",
            Error::Io(_) => "io",
            Error::Internal { .. } => "internal",
            Error::Offline { .. } => "offline",
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
    fn every_error_reads_back_as_its_wire_type() {
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
        let all = [
            Error::validation("email", "bad"),
            Error::not_found(Entity::Lead, 1),
            Error::Duplicate { field: "phone".into(), message: "taken".into(), existing_id: 4 },
            Error::Usage("bad option".into()),
            Error::Db(busy),
            Error::Db(rusqlite::Error::QueryReturnedNoRows),
            Error::Io(std::io::Error::other("disk")),
            Error::internal("bug"),
            Error::offline("no network", None),
            Error::Provider("refused".into()),
            Error::Cancelled,
        ];
        let mut codes = std::collections::HashSet::new();
        for e in all {
            let wire: Wire = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
            assert_eq!((wire.message, wire.field.as_deref()), (e.to_string(), e.field()));
            assert_eq!(wire.existing_id.is_some(), matches!(e, Error::Duplicate { .. }));
            codes.insert(wire.code);
        }
        assert_eq!(codes.len(), 11, "one error of each code, and `Code` has no other");
    }

    #[test]
    fn not_found_has_no_field() {
        let v = serde_json::to_value(Error::not_found(Entity::Lead, 7)).unwrap();
        assert_eq!(v, serde_json::json!({"code":"not_found","message":"lead 7 not found"}));
    }

    #[test]
    fn not_found_names_its_entity_as_data() {
        let e = Error::not_found(Entity::Workspace, "'Agency'");
        assert_eq!(e.entity(), Some(Entity::Workspace));
        assert_eq!(e.to_string(), "workspace 'Agency' not found");
        assert_eq!(Error::none_found(Entity::Workspace).to_string(), "workspace not found");
        assert_eq!(Error::validation("x", "y").entity(), None);
    }

    #[test]
    fn an_internal_error_keeps_what_failed_underneath() {
        let cause = serde_json::from_str::<i64>("x").unwrap_err();
        let e = Error::internal_from("reading the settings failed", cause);
        assert_eq!(e.code(), "internal");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.to_string(), "reading the settings failed");
    }
}
