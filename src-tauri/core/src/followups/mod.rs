//! Follow-ups (SPEC §5): campaigns of timed steps, enrolments, and the tick that queues what
//! is due.
//!
//! Exactly once, by construction: a tick is one `BEGIN IMMEDIATE` transaction (so two
//! processes on one file take turns, and each reads what the other committed), and every
//! step an enrolment passes is a row of `enrolment_steps` keyed by (enrolment, step) — the
//! second attempt at a step fails on that key instead of queuing a second message.
//!
//! The tick, for each active enrolment that is due: stops it if the lead replied after
//! enrolling, is qualified/viewing/negotiating/won/lost, or opted out of every channel; waits
//! (`deferred`) outside the workspace's sending window and when pacing (one automatic message
//! a day, two in any 7 days) would be broken; after a gap, queues only the most recent due
//! step and marks the earlier ones skipped; queues the message and advances.

pub mod abtest;
mod campaigns;
mod enrolments;
mod stats;
pub mod templates;
mod tick;

pub use campaigns::*;
pub use enrolments::*;
pub use stats::*;
pub use tick::*;

use crate::clock::{fmt_time, parse_time};
use crate::error::{Error, Result};
use crate::leads::{self, Lead};
use crate::model::{Channel, Language};
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
