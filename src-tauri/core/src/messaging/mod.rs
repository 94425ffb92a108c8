//! Messaging (SPEC §6, §6a): getting each outbox message to the lead and hearing back.
//!
//! - [`routing`] picks the channel for a lead, down to a manual click-to-chat task.
//! - [`delivery`] claims queued messages and sends them through [`channels`], pacing each
//!   provider and recording what the provider said.
//! - [`inbox`] takes what leads sent, links it to leads (or makes new ones) and records replies (through
//!   [`crate::workflows`]).
//! - [`email_in`] takes each mail of the agent's mailbox: an enquiry, a reply, an opt-out, a
//!   bounce, or nothing.
//! - [`drafting`] has a language model rewrite queued messages for each lead, or says why not.
//! - [`receipts`] follows each message Twilio took to its final status and acts on late
//!   failures.
//! - [`round`] is one workspace's delivery round (model, drafts, delivery, receipts), for both
//!   shells.
//! - [`mailbox`] reads the agent's mailbox once per message (by UID) into [`email_in`].
//! - [`channels`] are the provider clients; they never touch the database.

pub mod channels;
pub mod delivery;
pub mod drafting;
pub mod email_in;
pub mod inbox;
pub mod portals;
pub mod mailbox;
pub mod receipts;
/// The channels' length limits (kept in `model`, below `followups`, which checks them at save).
pub use crate::model::lengths;
pub mod round;
pub mod routing;
