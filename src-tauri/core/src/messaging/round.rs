//! One delivery round for one workspace, the same for the window's background delivery and
//! `leadbook outbox send`: load the channels, load the language model, draft what is queued
//! (the model's text, or the template), deliver what is due, follow what was sent.
//!
//! The two callers differ only in what a failure before delivery means, which [`Policy`] says:
//! the command line stops at the first one; the window, which must keep delivering whatever
//! happens to the model, goes on and reports it.

use super::channels::config::Channels;
use super::delivery::{self, Pacer};
use super::drafting::{self, DraftReport, Llm};
use super::receipts;
use crate::error::{Error, Result};
use crate::secrets::SecretStore;
use crate::store::Store;
use crate::workspace::Workspace;
use serde::Serialize;

/// What a failure in a round's later steps does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Any failure ends the round with that error; nothing after it runs (`outbox send`).
    Strict,
    /// The model's settings unreadable: draft with templates. Drafting failed: deliver anyway.
    /// Delivery failed: say so. Each failure lands in [`RoundReport::problems`] (the window).
    KeepGoing,
}

/// The step of a round that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading the language model's settings and key.
    Model,
    Drafting,
    Delivery,
    /// Following sent messages to their final status.
    Receipts,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Model => "reading the language model's settings",
            Step::Drafting => "drafting",
            Step::Delivery => "delivery",
            Step::Receipts => "following sent messages",
        })
    }
}

/// A step that failed in a [`Policy::KeepGoing`] round.
#[derive(Debug)]
pub struct Problem {
    pub step: Step,
    pub error: Error,
}

/// What one round did: the delivery report's fields, with what drafting did as `drafted`.
#[derive(Debug, Default, Serialize)]
pub struct RoundReport {
    #[serde(flatten)]
    pub delivered: delivery::Report,
    pub drafted: DraftReport,
    /// What following sent messages learned (not in the command line's JSON).
    #[serde(skip)]
    pub receipts: receipts::Report,
    /// Failures the round went on after (only with [`Policy::KeepGoing`]).
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

impl RoundReport {
    /// Whether the round changed the outbox: a message drafted, tried or handed to the agent.
    pub fn changed_outbox(&self) -> bool {
        let d = &self.delivered;
        self.drafted_any() || self.tried_any() || d.manual + d.held + d.waiting + d.dropped > 0 || self.receipts.changed_outbox()
    }

    /// Whether a message was drafted (rewritten or its template kept).
    pub fn drafted_any(&self) -> bool {
        self.drafted.rewritten + self.drafted.templates > 0
    }

    /// Whether a provider was asked to take a message.
    pub fn tried_any(&self) -> bool {
        let r = &self.delivered;
        r.sent + r.failed + r.deferred + r.unknown > 0
    }
}

/// Runs one round for `ws`: channels, model, drafts, delivery, receipts, in that order. The channels not
/// loading ends the round with the error under either policy (there is nothing to deliver
/// through); the rest is as `policy` says.
pub async fn run(
    store: &mut Store,
    ws: &Workspace,
    secrets: &dyn SecretStore,
    http: &reqwest::Client,
    pacer: &mut Pacer,
    policy: Policy,
) -> Result<RoundReport> {
    let mut report = RoundReport::default();
    let ch = Channels::load(store.conn(), ws, secrets, http)?;
    let llm: Option<Llm> = match Llm::load(store.conn(), secrets, http) {
        Ok(llm) => llm,
        Err(error) => {
            report.went_on(policy, Step::Model, error)?;
            None
        }
    };
    // Each message written for its lead (or its template) before it goes.
    match drafting::draft(store, ws, llm.as_ref()).await {
        Ok(d) => report.drafted = d,
        Err(error) => report.went_on(policy, Step::Drafting, error)?,
    }
    match delivery::deliver(store, ws, &ch, pacer).await {
        Ok(r) => report.delivered = r,
        Err(error) => report.went_on(policy, Step::Delivery, error)?,
    }
    // What became of messages sent on earlier rounds (and this one's, first asked now).
    match receipts::follow(store, ws, &ch).await {
        Ok(r) => report.receipts = r,
        Err(error) => report.went_on(policy, Step::Receipts, error)?,
    }
    Ok(report)
}

impl RoundReport {
    /// A step failed: the round's error under [`Policy::Strict`], a noted problem otherwise.
    fn went_on(&mut self, policy: Policy, step: Step, error: Error) -> Result<()> {
        match policy {
            Policy::Strict => Err(error),
            Policy::KeepGoing => {
                self.problems.push(Problem { step, error });
                Ok(())
            }
        }
    }
}
