//! `leadbook-core`: everything Leadbook knows, without a window.
//!
//! The SQLite store and its migrations ([`db`]), the vocabulary ([`model`]), validation and
//! normalisation ([`normalize`], [`validate`]), workspaces, leads with their de-duplication,
//! scoring and timeline, the dashboard, backups, and the synthetic book used by benchmarks.
//! The desktop app and the command line are thin shells over [`Book`]; nothing here depends on
//! Tauri, so it builds and tests on a machine with no display.

pub mod abtest;
pub mod areas;
pub mod backup;
pub mod book;
pub mod channels;
pub mod clock;
pub mod dashboard;
pub mod db;
pub mod delivery;
pub mod error;
pub mod export;
pub mod followup;
pub mod import;
pub mod inbox;
pub mod leads;
pub mod learned;
pub mod llm;
pub mod matching;
pub mod model;
pub mod normalize;
pub mod outbox;
pub mod properties;
pub mod replies;
pub mod routing;
pub mod scoring;
pub mod secrets;
pub mod synth;
pub mod templates;
pub mod timeline;
pub mod validate;
pub mod workspace;

pub use book::Book;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, Result};
