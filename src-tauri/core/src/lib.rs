//! `leadbook-core`: everything Leadbook knows, without a window.
//!
//! The crate is laid out by capability, lowest first; a module uses only the ones above it in
//! this list (a test, `tests/architecture.rs`, fails on a cycle):
//!
//! - [`error`], [`clock`] — the one error type; "now" from a clock tests control.
//! - [`model`] — the vocabulary (sources, statuses, channels…), area names, the normalisers.
//! - [`store`] — opening the SQLite file, migrations, the write transaction, row helpers.
//! - [`secrets`] — where provider secrets live (keychain or owner-only file).
//! - [`workspace`] — the separate books in one database and their settings.
//! - [`leads`] — the lead: validation, identity keys and merging, scoring, the learned score,
//!   the timeline, the list and search.
//! - [`listings`] — properties and matching them to leads.
//! - [`outbox`] — every message Leadbook will send, has sent or holds, and its states.
//! - [`enquiries`] — portal and lead-sender enquiries: reading them out of mail, the senders,
//!   the unparsed list, the portals' lead ids.
//! - [`tasks`] — the agent's day: tasks (what only the agent can do), logged calls, viewings,
//!   deals and their commission.
//! - [`followups`] — campaigns, templates, A/B variants, enrolments and the tick.
//! - [`messaging`] — routing, delivery, the inbox, understanding replies, drafting with a
//!   language model, and the provider clients (`channels`).
//! - [`workflows`] — what spans several areas: a new lead joins the default campaign, a status
//!   that ends nurturing stops it, a new listing alerts its buyers.
//! - [`dashboard`], [`today`], [`transfer`] — the manager's figures; the agent's Today; import,
//!   export and backups.
//! - [`book`] — the facade the shells use: each method one transaction calling one operation.
//! - [`synth`] — the deterministic synthetic book of the benchmarks.
//!
//! The desktop app and the command line are thin shells over [`Book`]; nothing here depends on
//! Tauri, so it builds and tests on a machine with no display.

pub mod error;
pub mod clock;
pub mod model;
pub mod store;
pub mod secrets;
pub mod workspace;
pub mod leads;
pub mod listings;
pub mod outbox;
pub mod compliance;
pub mod tasks;
pub mod enquiries;
pub mod followups;
pub mod messaging;
pub mod workflows;
pub mod dashboard;
pub mod today;
pub mod transfer;
pub mod sample;
pub mod book;
pub mod synth;

pub use book::Book;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Entity, Error, Result};
