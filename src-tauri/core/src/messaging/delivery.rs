//! Outbox delivery: takes due messages oldest first, routes each, paces each provider, claims
//! each message just before its request (`queued|deferred → sending`, one conditional UPDATE:
//! two processes never send the same message), sends several at once, and records what the
//! provider said. A message is sent at most once: anything that may have reached the provider
//! without an answer becomes `unknown` for the agent, never a resend.

use crate::store::Store;
use crate::messaging::channels::config::{self, Channels};
use crate::messaging::channels::{Effect, Provider, SendOutcome};
use crate::clock::parse_time;
use crate::compliance::{self, Gate, Verdict};
use crate::error::Result;
use crate::followups::Step;
use crate::leads;
use crate::model::{Channel, MessageStatus};
use crate::outbox::{self, Due};
use crate::messaging::routing::{self, Route, Target};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// A message still `sending` this long after it was claimed belonged to a process that died
/// (no request lives longer than the client's timeout). The start-up sweep uses the same.
pub use crate::outbox::SENDING_GRACE;
/// Requests in flight at once.
const IN_FLIGHT: usize = 16;
/// Backoff of transient failures: doubles from this…
const BACKOFF_BASE: Duration = Duration::from_secs(15);
/// …up to this.
const BACKOFF_CAP: Duration = Duration::from_secs(15 * 60);
/// Due messages read per query.
const PAGE: usize = 500;

/// The pace of each provider: its overall rate, and the gap between two messages to one
/// recipient.
pub fn rate(p: Provider) -> (Duration, Duration) {
    match p {
        // ≤ 30 messages/s overall (paced just under) and ≤ 1/s per chat.
        Provider::Telegram => (Duration::from_micros(34_000), Duration::from_secs(1)),
        Provider::Whatsapp => (Duration::from_millis(50), Duration::from_secs(1)),
        Provider::Twilio => (Duration::from_millis(100), Duration::from_secs(1)),
        // A mailbox is a person's: a mail every 2 s at most (a big provider's daily allowance,
        // 500–2 000, is not gone in minutes, and a run of mails does not look like a blast);
        // follow-ups to one lead are already a day apart (the tick's pacing).
        Provider::Email => (Duration::from_secs(2), Duration::from_secs(1)),
    }
}

/// What a delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub sent: usize,
    pub failed: usize,
    pub deferred: usize,
    pub unknown: usize,
    /// Routed to the agent (no provider can reach the lead).
    pub manual: usize,
    /// Held back by a compliance rule (SPEC §14).
    pub held: usize,
    /// Left for later: outside the sending window, or pacing spent.
    pub waiting: usize,
    /// No longer to go: overtaken by the lead's reply, or to a channel the lead left.
    pub dropped: usize,
    /// Whether a provider could not be reached at all.
    #[serde(skip)]
    pub offline: bool,
    #[serde(skip)]
    pub last_error: Option<String>,
}

/// The pace kept across rounds: when each provider may send next, when each recipient last got
/// a message, and providers paused by a 429.
#[derive(Debug, Default)]
pub struct Pacer {
    next: HashMap<Provider, Instant>,
    recipients: HashMap<(Provider, String), Instant>,
    /// No provider rate at all: for a simulation against local servers, where a year of
    /// messages runs in minutes (the compliance rules are the clock's, not the pacer's).
    unlimited: bool,
}

impl Pacer {
    /// A pacer that never waits (see [`Pacer::unlimited`]'s field): only for local servers.
    pub fn unlimited() -> Pacer {
        Pacer { unlimited: true, ..Pacer::default() }
    }

    /// When a message to `recipient` through `p` may go, at the earliest.
    fn slot(&self, p: Provider, recipient: &str) -> Instant {
        let now = Instant::now();
        if self.unlimited {
            return now;
        }
        let overall = self.next.get(&p).copied().unwrap_or(now);
        let personal = self.recipients.get(&(p, recipient.to_string())).map(|t| *t + rate(p).1).unwrap_or(now);
        overall.max(personal).max(now)
    }

    fn took(&mut self, p: Provider, recipient: &str, at: Instant) {
        if self.unlimited {
            return;
        }
        self.next.insert(p, at + rate(p).0);
        self.recipients.insert((p, recipient.to_string()), at);
        if self.recipients.len() > 50_000 {
            let cutoff = Instant::now() - Duration::from_secs(2);
            self.recipients.retain(|_, t| *t > cutoff);
        }
    }

    fn pause(&mut self, p: Provider, for_: Duration) {
        let until = Instant::now() + for_;
        let t = self.next.entry(p).or_insert(until);
        *t = (*t).max(until);
    }
}

/// A send in flight and its answer.
struct Done {
    id: i64,
    lead_id: i64,
    route: Route,
    attempts: i64,
    outcome: SendOutcome,
    /// The checks it passed before it went: the contact log's entry when it is sent.
    gate: Gate,
}

/// Delivers every due message of `ws` once through `ch`; returns when none is left to try now
/// (deferred ones wait for their time; a provider that cannot be reached is left for later).
pub async fn deliver(store: &mut Store, ws: &Workspace, ch: &Channels, pacer: &mut Pacer) -> Result<Report> {
    let mut report = Report::default();
    store.write(|tx, now| sweep_stale(tx, Some(ws), now))?;
    let mut flying: JoinSet<Done> = JoinSet::new();
    // Providers found unreachable this round: their messages stay queued, untouched.
    let mut unreachable: Vec<Provider> = vec![];
    // Messages to retry at once through another way (WhatsApp outside the window).
    let mut again: Vec<(i64, Vec<Channel>)> = vec![];
    let mut after: (String, i64) = (String::new(), 0);
    loop {
        let page = outbox::due_page(store.conn(), ws, store.now(), (&after.0, after.1), PAGE)?;
        let Some(last) = page.last() else { break };
        after = (last.queued_at.clone(), last.id);
        for due in page {
            let Some((due, route, gate)) = prepare(store, ws, ch, &mut report, due, &[])? else { continue };
            let provider = route.provider().unwrap_or(Provider::Telegram);
            let slot = pacer.slot(provider, &route.recipient());
            tokio::time::sleep_until(slot).await;
            // What came back while waiting may say the provider cannot be reached.
            while let Some(done) = flying.try_join_next() {
                record_done(store, ws, pacer, &mut report, &mut unreachable, &mut again, joined(done)?)?;
            }
            if !unreachable.contains(&provider) {
                launch(store, ws, ch, pacer, &mut flying, due, route, gate, slot)?;
            }
            while flying.len() >= IN_FLIGHT {
                if let Some(done) = flying.join_next().await {
                    record_done(store, ws, pacer, &mut report, &mut unreachable, &mut again, joined(done)?)?;
                }
            }
        }
    }
    loop {
        while let Some(done) = flying.join_next().await {
            record_done(store, ws, pacer, &mut report, &mut unreachable, &mut again, joined(done)?)?;
        }
        if again.is_empty() {
            break;
        }
        for (id, avoid) in std::mem::take(&mut again) {
            let Some(due) = outbox::due_by_id(store.conn(), ws, id)? else { continue };
            let Some((due, route, gate)) = prepare(store, ws, ch, &mut report, due, &avoid)? else { continue };
            let provider = route.provider().unwrap_or(Provider::Telegram);
            if unreachable.contains(&provider) {
                continue;
            }
            let slot = pacer.slot(provider, &route.recipient());
            tokio::time::sleep_until(slot).await;
            launch(store, ws, ch, pacer, &mut flying, due, route, gate, slot)?;
        }
    }
    Ok(report)
}

fn joined(r: std::result::Result<Done, tokio::task::JoinError>) -> Result<Done> {
    r.map_err(|e| crate::Error::internal_from(format!("a send task failed: {e}"), e))
}

/// Routes a due message. A message no provider can carry becomes the agent's (manual) and one
/// whose provider needs attention waits: both `None`. Otherwise the message and its route.
fn prepare(store: &mut Store, ws: &Workspace, ch: &Channels, report: &mut Report, due: Due, avoid: &[Channel]) -> Result<Option<(Due, Route, Gate)>> {
    let now = store.now();
    let lead = leads::get(store.conn(), ws, due.lead_id)?;
    let step = match (due.campaign_id, due.campaign_step) {
        (Some(c), Some(p)) => step_of(store, c, p)?,
        _ => None,
    };
    let (wa_inbound, wa_via): (Option<String>, Option<String>) = store
        .conn()
        .prepare_cached("SELECT whatsapp_inbound_at, whatsapp_inbound_via FROM leads WHERE id = ?1")?
        .query_row([lead.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let target = Target {
        lead: &lead,
        workspace: ws,
        body: &due.body,
        step: step.as_ref(),
        whatsapp_inbound_at: wa_inbound.as_deref().and_then(parse_time),
        whatsapp_inbound_via: wa_via.as_deref().and_then(|v| Provider::parse("provider", v).ok()),
    };
    let route = routing::route(&target, ch, avoid, now);
    match &route {
        Route::Wait { .. } => return Ok(None),
        Route::TooLong { reason } => {
            // Sent nowhere: the agent reads why on the message and shortens it.
            report.failed += store.write(|tx, _| outbox::fail_unsent(tx, ws, due.id, reason))?;
            return Ok(None);
        }
        _ => {}
    }
    // "May I contact?" (SPEC §14), on the channel it would go by — asked before a message
    // becomes the agent's to send by hand too.
    let channel = match &route {
        Route::Manual { .. } => None,
        r => Channel::parse("channel", r.channel()).ok(),
    };
    let ask = compliance::Ask {
        outbox_id: due.id, lead: &lead, kind: due.kind, property_id: due.property_id, channel, queued_at: parse_time(&due.queued_at),
    };
    let gate = compliance::assess(store.conn(), ws, &ask, now)?;
    match gate.verdict {
        Verdict::Go => {}
        Verdict::Hold(reason) => {
            report.held += store.write(|tx, now| {
                let n = outbox::hold(tx, ws, due.id, reason)?;
                if n == 1 {
                    let entry = compliance::Entry {
                        lead_id: due.lead_id, channel: route.channel(), purpose: gate.purpose, outcome: compliance::ContactOutcome::Held,
                        outbox_id: Some(due.id), call_id: None, passed: &gate.passed, held_by: Some(reason), broke: &[], detail: None,
                    };
                    compliance::log(tx, ws, &entry, now)?;
                }
                Ok(n)
            })?;
            return Ok(None);
        }
        Verdict::Wait { until, check } => {
            let why = match check {
                compliance::Check::Pacing => "pacing: one marketing message a day and two a week to a lead who has not answered".to_string(),
                _ => format!("outside the sending window ({}–{}): goes when it opens", ws.quiet_start, ws.quiet_end),
            };
            report.waiting += store.write(|tx, _| outbox::wait_until(tx, ws, due.id, until, &why))?;
            return Ok(None);
        }
        Verdict::Drop(why) => {
            report.dropped += store.write(|tx, _| outbox::fail_unsent(tx, ws, due.id, why))?;
            return Ok(None);
        }
    }
    if let Route::Manual { link } = &route {
        let changed = store.write(|tx, _| outbox::to_manual(tx, ws, due.id, link.as_deref()))?;
        report.manual += changed;
        return Ok(None);
    }
    Ok(Some((due, route, gate)))
}

/// Claims the message and sends it on its own task; `slot` is when its turn came.
#[allow(clippy::too_many_arguments)]
fn launch(store: &mut Store, ws: &Workspace, ch: &Channels, pacer: &mut Pacer, flying: &mut JoinSet<Done>, due: Due, route: Route, gate: Gate, slot: Instant) -> Result<()> {
    if !claim(store, ws, due.id, route.channel())? {
        return Ok(());
    }
    // The next slot counts from this one, not from when the claim finished: the pace is the
    // provider's rate, whatever the bookkeeping between two sends costs.
    pacer.took(route.provider().unwrap_or(Provider::Telegram), &route.recipient(), slot);
    let (id, lead_id, attempts) = (due.id, due.lead_id, due.attempts + 1);
    let mail = match &route {
        Route::Email { to } => Some(crate::messaging::mailbox::out_mail(store.conn(), ws, ch, &due, to)?),
        _ => None,
    };
    let fut = send_future(ch, &route, due.body, mail);
    flying.spawn(async move {
        let outcome = match fut {
            Some(f) => f.await,
            None => SendOutcome::Failed { reason: "the provider is no longer set up".into(), effect: None },
        };
        Done { id, lead_id, route, attempts, outcome, gate }
    });
    Ok(())
}

type SendFuture = std::pin::Pin<Box<dyn std::future::Future<Output = SendOutcome> + Send>>;

/// The request for `route`, ready to run on its own task (the clients are cheap to clone).
fn send_future(ch: &Channels, route: &Route, body: String, mail: Option<crate::messaging::channels::email::OutMail>) -> Option<SendFuture> {
    Some(match route.clone() {
        Route::Telegram { chat_id } => {
            let c = ch.telegram.as_ref()?.client.clone();
            Box::pin(async move { c.send(chat_id, &body).await })
        }
        Route::WhatsappText { to } => {
            let c = ch.whatsapp.as_ref()?.client.clone();
            Box::pin(async move { c.send_text(&to, &body).await })
        }
        Route::WhatsappTemplate { to, template } => {
            let c = ch.whatsapp.as_ref()?.client.clone();
            Box::pin(async move { c.send_template(&to, &template).await })
        }
        Route::TwilioWhatsapp { to, from } | Route::Sms { to, from } => {
            let c = ch.twilio.as_ref()?.client.clone();
            Box::pin(async move { c.send(&to, &from, &body).await })
        }
        Route::Email { .. } => {
            let c = ch.email.as_ref()?.client.clone();
            let m = mail?;
            Box::pin(async move { c.send(&m).await })
        }
        Route::Manual { .. } | Route::Wait { .. } | Route::TooLong { .. } => return None,
    })
}

/// Claims a due message for sending; `false` if another process took it first or it is no
/// longer due.
fn claim(store: &mut Store, ws: &Workspace, id: i64, channel: &str) -> Result<bool> {
    store.write(|tx, now| outbox::claim(tx, ws, id, channel, now))
}

#[allow(clippy::too_many_arguments)]
fn record_done(
    store: &mut Store,
    ws: &Workspace,
    pacer: &mut Pacer,
    report: &mut Report,
    unreachable: &mut Vec<Provider>,
    again: &mut Vec<(i64, Vec<Channel>)>,
    d: Done,
) -> Result<()> {
    let provider = d.route.provider().unwrap_or(Provider::Telegram);
    let channel = Channel::parse("channel", d.route.channel()).ok();
    match &d.outcome {
        SendOutcome::Deferred { reason, retry_after, offline } => {
            if let Some(after) = retry_after {
                pacer.pause(provider, *after);
            }
            if *offline {
                report.offline = true;
                if !unreachable.contains(&provider) {
                    unreachable.push(provider);
                }
            }
            report.last_error = Some(reason.clone());
        }
        SendOutcome::Failed { reason, .. } | SendOutcome::Unknown { reason } | SendOutcome::NeedsAttention { reason } => {
            report.last_error = Some(reason.clone());
        }
        _ => {}
    }
    store.write(|tx, now| {
        // Only a message still `sending` takes this answer: a sweep may have handed it to the
        // agent as `unknown` meanwhile, and the agent's question stands.
        let set = |status: MessageStatus, error: Option<&str>, next: Option<DateTime<Utc>>| outbox::settle(tx, ws, d.id, status, error, next);
        match &d.outcome {
            SendOutcome::Sent { provider_id } => {
                if outbox::settle_sent_by(tx, ws, d.id, Some(provider.as_str()), provider_id, now)? {
                    leads::mark_contacted(tx, ws, d.lead_id, d.route.channel(), now)?;
                    let entry = compliance::Entry {
                        lead_id: d.lead_id, channel: d.route.channel(), purpose: d.gate.purpose, outcome: compliance::ContactOutcome::Sent,
                        outbox_id: Some(d.id), call_id: None, passed: &d.gate.passed, held_by: None, broke: &[], detail: None,
                    };
                    compliance::log(tx, ws, &entry, now)?;
                    report.sent += 1;
                }
                // A mailbox saved but never tried is connected once a mail went through it.
                config::confirm_working(tx, ws, provider, now)?;
            }
            SendOutcome::Failed { reason, effect } => {
                // What the provider says of the lead holds whatever became of the row.
                match (effect, channel) {
                    (Some(Effect::OptOut), Some(c)) => {
                        leads::set_opt_out(tx, ws, d.lead_id, c, true, "the provider says the lead unsubscribed", now)?;
                    }
                    (Some(Effect::Unusable), Some(c)) => {
                        leads::set_channel_usable(tx, ws, d.lead_id, c, false, reason, now)?;
                    }
                    _ => {}
                }
                if set(MessageStatus::Failed, Some(reason), None)? {
                    report.failed += 1;
                }
            }
            SendOutcome::Deferred { reason, retry_after, offline } => {
                if *offline {
                    // Not "connected" while it cannot be reached; the next send that goes through says so again.
                    config::record_unreachable(tx, ws, provider, reason, now)?;
                }
                let wait = backoff(d.id, d.attempts, *retry_after);
                let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
                if set(MessageStatus::Deferred, Some(reason), Some(next))? {
                    report.deferred += 1;
                }
            }
            SendOutcome::NeedsAttention { reason } => {
                // Nothing is lost: the message goes back to the queue and waits for the agent
                // to fix the channel; this attempt does not count.
                outbox::requeue(tx, ws, d.id, reason)?;
                config::set_state(tx, ws, provider, Some(reason), now)?;
            }
            SendOutcome::OutsideWindow { reason } => {
                // Our idea of the window was stale: it is closed. Go again now, another way.
                leads::close_whatsapp_window(tx, ws, d.lead_id)?;
                if outbox::requeue(tx, ws, d.id, reason)? {
                    let avoid = match d.route {
                        // After free text (from either number) the Cloud API's template goes next,
                        // the window now being closed; a template refused for the window leaves
                        // WhatsApp out: route on.
                        Route::WhatsappTemplate { .. } => vec![Channel::Whatsapp],
                        _ => vec![],
                    };
                    again.push((d.id, avoid));
                }
            }
            SendOutcome::Unknown { reason } => {
                if set(MessageStatus::Unknown, Some(&format!("{reason}; confirm whether it arrived")), None)? {
                    report.unknown += 1;
                }
            }
        }
        Ok(())
    })
}

/// How long a message waits after its `attempts`-th transient failure: doubling from 15 s to
/// 15 min, less up to a half at random (spread per message), never sooner than `retry_after`.
pub fn backoff(id: i64, attempts: i64, retry_after: Option<Duration>) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << (attempts.clamp(1, 12) - 1) as u32).min(BACKOFF_CAP);
    // A fixed spread per (message, attempt): deterministic, and no two messages in step.
    let mut x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (attempts as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    let jitter = 0.5 + (x % 1000) as f64 / 2000.0;
    exp.mul_f64(jitter).max(retry_after.unwrap_or_default())
}

fn step_of(store: &Store, campaign_id: i64, position: i64) -> Result<Option<Step>> {
    Ok(crate::followups::steps_of(store.conn(), campaign_id)?.into_iter().find(|s| s.position == position))
}

/// Messages left `sending` longer than [`SENDING_GRACE`] (or with no claim time: written
/// before claims had one) become `unknown`. Returns how many.
/// `ws` limits it to one workspace; `None` is every workspace (start-up).
pub fn sweep_stale(conn: &rusqlite::Connection, ws: Option<&Workspace>, now: DateTime<Utc>) -> Result<usize> {
    let cutoff = now - chrono::Duration::from_std(SENDING_GRACE).unwrap_or_default();
    outbox::sweep_stale_sending(conn, ws, cutoff)
}

/// What the window's status line shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "DeliveryStatus")]
pub struct Status {
    /// `None` until something was tried.
    pub online: Option<bool>,
    pub waiting: i64,
    pub deferred: i64,
    pub unknown: i64,
    pub manual: i64,
    /// Drafts held for the agent's review (not counted as waiting).
    pub review: i64,
    /// Held back by a compliance rule (not counted as waiting).
    pub held: i64,
    pub failed: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

/// Counts for the status line (`online` and `last_error` are the caller's to fill).
pub fn status(conn: &rusqlite::Connection, ws: &Workspace) -> Result<Status> {
    use MessageStatus::*;
    let mut st = Status::default();
    for t in outbox::tally(conn, ws)? {
        let (n, next) = (t.count, t.next_attempt_at);
        match (t.status, t.held_for_review, t.manual) {
            (_, true, _) => st.review += n,
            (Queued, false, true) => st.manual += n,
            (Queued | Sending, false, false) => st.waiting += n,
            (Deferred, ..) => {
                st.waiting += n;
                st.deferred += n;
                st.next_attempt_at = match (st.next_attempt_at.take(), next) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            (Unknown, ..) => st.unknown += n,
            (Failed, ..) => st.failed += n,
            (Held, ..) => st.held += n,
            _ => {}
        }
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_with_jitter_and_honours_retry_after() {
        let b = |a| backoff(7, a, None);
        assert!(b(1) >= Duration::from_millis(7_500) && b(1) <= Duration::from_secs(15));
        assert!(b(3) >= Duration::from_secs(30) && b(3) <= Duration::from_secs(60));
        assert!(b(40) <= BACKOFF_CAP && b(40) >= BACKOFF_CAP / 2);
        assert_eq!(backoff(7, 1, Some(Duration::from_secs(3600))), Duration::from_secs(3600));
        assert_ne!(backoff(7, 2, None), backoff(8, 2, None), "two messages do not retry in step");
    }
}
