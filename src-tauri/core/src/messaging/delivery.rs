//! Outbox delivery: takes due messages oldest first, routes each, paces each provider, claims
//! each message just before its request (`queued|deferred → sending`, one conditional UPDATE:
//! two processes never send the same message), sends several at once, and records what the
//! provider said. A message is sent at most once: anything that may have reached the provider
//! without an answer becomes `unknown` for the agent, never a resend.

use crate::store::Store;
use crate::messaging::channels::config::{self, Channels};
use crate::messaging::channels::{Effect, Provider, SendOutcome};
use crate::clock::{fmt_time, parse_time};
use crate::error::Result;
use crate::followups::Step;
use crate::leads;
use crate::model::Channel;
use crate::messaging::routing::{self, Route, Target};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// A message still `sending` this long after it was claimed belonged to a process that died
/// (no request lives longer than the client's timeout).
pub const SENDING_GRACE: Duration = Duration::from_secs(120);
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
}

impl Pacer {
    /// When a message to `recipient` through `p` may go, at the earliest.
    fn slot(&self, p: Provider, recipient: &str) -> Instant {
        let now = Instant::now();
        let overall = self.next.get(&p).copied().unwrap_or(now);
        let personal = self.recipients.get(&(p, recipient.to_string())).map(|t| *t + rate(p).1).unwrap_or(now);
        overall.max(personal).max(now)
    }

    fn took(&mut self, p: Provider, recipient: &str, at: Instant) {
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

/// One due message, as read.
struct Due {
    id: i64,
    lead_id: i64,
    body: String,
    campaign_id: Option<i64>,
    step: Option<i64>,
    attempts: i64,
}

/// A send in flight and its answer.
struct Done {
    id: i64,
    lead_id: i64,
    route: Route,
    attempts: i64,
    outcome: SendOutcome,
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
        let page = due_page(store, ws, &after)?;
        let Some(last) = page.last() else { break };
        after = (last.1.clone(), last.0.id);
        for (due, _) in page {
            let Some((due, route)) = prepare(store, ws, ch, &mut report, due, &[])? else { continue };
            let provider = route.provider().unwrap_or(Provider::Telegram);
            let slot = pacer.slot(provider, &route.recipient());
            tokio::time::sleep_until(slot).await;
            // What came back while waiting may say the provider cannot be reached.
            while let Some(done) = flying.try_join_next() {
                record_done(store, ws, pacer, &mut report, &mut unreachable, &mut again, joined(done)?)?;
            }
            if !unreachable.contains(&provider) {
                launch(store, ws, ch, pacer, &mut flying, due, route, slot)?;
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
            let Some(due) = due_by_id(store, ws, id)? else { continue };
            let Some((due, route)) = prepare(store, ws, ch, &mut report, due, &avoid)? else { continue };
            let provider = route.provider().unwrap_or(Provider::Telegram);
            if unreachable.contains(&provider) {
                continue;
            }
            let slot = pacer.slot(provider, &route.recipient());
            tokio::time::sleep_until(slot).await;
            launch(store, ws, ch, pacer, &mut flying, due, route, slot)?;
        }
    }
    Ok(report)
}

fn joined(r: std::result::Result<Done, tokio::task::JoinError>) -> Result<Done> {
    r.map_err(|e| crate::Error::internal_from(format!("a send task failed: {e}"), e))
}

/// Routes a due message. A message no provider can carry becomes the agent's (manual) and one
/// whose provider needs attention waits: both `None`. Otherwise the message and its route.
fn prepare(store: &mut Store, ws: &Workspace, ch: &Channels, report: &mut Report, due: Due, avoid: &[Channel]) -> Result<Option<(Due, Route)>> {
    let now = store.now();
    let lead = leads::get(store.conn(), ws, due.lead_id)?;
    let step = match (due.campaign_id, due.step) {
        (Some(c), Some(p)) => step_of(store, c, p)?,
        _ => None,
    };
    let wa_inbound: Option<String> = store
        .conn()
        .prepare_cached("SELECT whatsapp_inbound_at FROM leads WHERE id = ?1")?
        .query_row([lead.id], |r| r.get(0))?;
    let target = Target { lead: &lead, workspace: ws, body: &due.body, step: step.as_ref(), whatsapp_inbound_at: wa_inbound.as_deref().and_then(parse_time) };
    let route = routing::route(&target, ch, avoid, now);
    match &route {
        Route::Wait { .. } => Ok(None),
        Route::Manual { link } => {
            let changed = store.write(|tx, _| {
                Ok(tx
                    .prepare_cached(
                        "UPDATE outbox SET channel = 'manual', manual_link = ?3, status = 'queued', next_attempt_at = NULL,
                            error = 'no channel can reach this lead: send it by hand'
                         WHERE workspace_id = ?1 AND id = ?2 AND status IN ('queued', 'deferred')",
                    )?
                    .execute(params![ws.id, due.id, link])?)
            })?;
            report.manual += changed;
            Ok(None)
        }
        _ => Ok(Some((due, route))),
    }
}

/// Claims the message and sends it on its own task; `slot` is when its turn came.
#[allow(clippy::too_many_arguments)]
fn launch(store: &mut Store, ws: &Workspace, ch: &Channels, pacer: &mut Pacer, flying: &mut JoinSet<Done>, due: Due, route: Route, slot: Instant) -> Result<()> {
    if !claim(store, ws, due.id, route.channel())? {
        return Ok(());
    }
    // The next slot counts from this one, not from when the claim finished: the pace is the
    // provider's rate, whatever the bookkeeping between two sends costs.
    pacer.took(route.provider().unwrap_or(Provider::Telegram), &route.recipient(), slot);
    let (id, lead_id, attempts) = (due.id, due.lead_id, due.attempts + 1);
    let fut = send_future(ch, &route, due.body);
    flying.spawn(async move {
        let outcome = match fut {
            Some(f) => f.await,
            None => SendOutcome::Failed { reason: "the provider is no longer set up".into(), effect: None },
        };
        Done { id, lead_id, route, attempts, outcome }
    });
    Ok(())
}

type SendFuture = std::pin::Pin<Box<dyn std::future::Future<Output = SendOutcome> + Send>>;

/// The request for `route`, ready to run on its own task (the clients are cheap to clone).
fn send_future(ch: &Channels, route: &Route, body: String) -> Option<SendFuture> {
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
        Route::Manual { .. } | Route::Wait { .. } => return None,
    })
}

/// Claims a due message for sending; `false` if another process took it first or it is no
/// longer due.
fn claim(store: &mut Store, ws: &Workspace, id: i64, channel: &str) -> Result<bool> {
    store.write(|tx, now| {
        let n = tx
            .prepare_cached(
                "UPDATE outbox SET status = 'sending', sending_since = ?3, channel = ?4, attempts = attempts + 1, manual_link = NULL
                 WHERE workspace_id = ?1 AND id = ?2 AND status IN ('queued', 'deferred')
                   AND (next_attempt_at IS NULL OR next_attempt_at <= ?3)",
            )?
            .execute(params![ws.id, id, fmt_time(now), channel])?;
        Ok(n == 1)
    })
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
        let set = |status: &str, error: Option<&str>, next: Option<String>| -> Result<()> {
            tx.prepare_cached(
                "UPDATE outbox SET status = ?3, error = ?4, next_attempt_at = ?5, sending_since = NULL WHERE workspace_id = ?1 AND id = ?2",
            )?
            .execute(params![ws.id, d.id, status, error, next])?;
            Ok(())
        };
        match &d.outcome {
            SendOutcome::Sent { provider_id } => {
                tx.prepare_cached(
                    "UPDATE outbox SET status = 'sent', sent_at = ?3, provider_message_id = ?4, error = NULL, next_attempt_at = NULL,
                        sending_since = NULL WHERE workspace_id = ?1 AND id = ?2",
                )?
                .execute(params![ws.id, d.id, fmt_time(now), provider_id])?;
                leads::mark_contacted(tx, ws, d.lead_id, d.route.channel(), now)?;
                report.sent += 1;
            }
            SendOutcome::Failed { reason, effect } => {
                set("failed", Some(reason), None)?;
                match (effect, channel) {
                    (Some(Effect::OptOut), Some(c)) => {
                        leads::set_opt_out(tx, ws, d.lead_id, c, true, "the provider says the lead unsubscribed", now)?;
                    }
                    (Some(Effect::Unusable), Some(c)) => {
                        leads::set_channel_usable(tx, ws, d.lead_id, c, false, reason, now)?;
                    }
                    _ => {}
                }
                report.failed += 1;
            }
            SendOutcome::Deferred { reason, retry_after, .. } => {
                let wait = backoff(d.id, d.attempts, *retry_after);
                let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
                set("deferred", Some(reason), Some(fmt_time(next)))?;
                report.deferred += 1;
            }
            SendOutcome::NeedsAttention { reason } => {
                // Nothing is lost: the message goes back to the queue and waits for the agent
                // to fix the channel; this attempt does not count.
                tx.prepare_cached(
                    "UPDATE outbox SET status = 'queued', error = ?3, attempts = max(attempts - 1, 0), sending_since = NULL
                     WHERE workspace_id = ?1 AND id = ?2",
                )?
                .execute(params![ws.id, d.id, reason])?;
                config::set_state(tx, ws, provider, Some(reason), now)?;
            }
            SendOutcome::OutsideWindow { reason } => {
                // Our idea of the window was stale: it is closed. Go again now, another way.
                tx.prepare_cached(
                    "UPDATE outbox SET status = 'queued', error = ?3, attempts = max(attempts - 1, 0), sending_since = NULL
                     WHERE workspace_id = ?1 AND id = ?2",
                )?
                .execute(params![ws.id, d.id, reason])?;
                tx.prepare_cached("UPDATE leads SET whatsapp_inbound_at = NULL WHERE workspace_id = ?1 AND id = ?2")?
                    .execute(params![ws.id, d.lead_id])?;
                let avoid = match d.route {
                    // After free text the template goes next; a Twilio sender has no template,
                    // and a template refused for the window leaves WhatsApp out: route on.
                    Route::TwilioWhatsapp { .. } | Route::WhatsappTemplate { .. } => vec![Channel::Whatsapp],
                    _ => vec![],
                };
                again.push((d.id, avoid));
            }
            SendOutcome::Unknown { reason } => {
                set("unknown", Some(&format!("{reason}; confirm whether it arrived")), None)?;
                report.unknown += 1;
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

/// Due messages after `after` (queued time, id), oldest first, with their queued time.
fn due_page(store: &Store, ws: &Workspace, after: &(String, i64)) -> Result<Vec<(Due, String)>> {
    let now = fmt_time(store.now());
    let rows = store
        .conn()
        .prepare_cached(
            "SELECT id, lead_id, body, campaign_id, campaign_step, attempts, queued_at FROM outbox
             WHERE workspace_id = ?1 AND status IN ('queued', 'deferred') AND coalesce(channel, '') != 'manual'
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
               -- Held for the agent's review; or, with a language model set up, not drafted yet.
               AND coalesce(review, '') != 'pending'
               AND (draft IS NOT NULL OR kind NOT IN ('followup', 'property')
                    OR NOT EXISTS (SELECT 1 FROM app_settings WHERE key = 'llm'))
               AND (queued_at > ?3 OR (queued_at = ?3 AND id > ?4))
             ORDER BY queued_at, id LIMIT ?5",
        )?
        .query_map(params![ws.id, now, after.0, after.1, PAGE as i64], |r| {
            Ok((Due { id: r.get(0)?, lead_id: r.get(1)?, body: r.get(2)?, campaign_id: r.get(3)?, step: r.get(4)?, attempts: r.get(5)? }, r.get(6)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

fn due_by_id(store: &Store, ws: &Workspace, id: i64) -> Result<Option<Due>> {
    Ok(store
        .conn()
        .prepare_cached(
            "SELECT id, lead_id, body, campaign_id, campaign_step, attempts FROM outbox
             WHERE workspace_id = ?1 AND id = ?2 AND status IN ('queued', 'deferred')",
        )?
        .query_row(params![ws.id, id], |r| {
            Ok(Due { id: r.get(0)?, lead_id: r.get(1)?, body: r.get(2)?, campaign_id: r.get(3)?, step: r.get(4)?, attempts: r.get(5)? })
        })
        .optional()?)
}

fn step_of(store: &Store, campaign_id: i64, position: i64) -> Result<Option<Step>> {
    Ok(crate::followups::steps_of(store.conn(), campaign_id)?.into_iter().find(|s| s.position == position))
}

/// Messages left `sending` longer than [`SENDING_GRACE`] (or with no claim time: written
/// before claims had one) become `unknown`. Returns how many.
/// `ws` limits it to one workspace; `None` is every workspace (start-up).
pub fn sweep_stale(conn: &rusqlite::Connection, ws: Option<&Workspace>, now: DateTime<Utc>) -> Result<usize> {
    let cutoff = now - chrono::Duration::from_std(SENDING_GRACE).unwrap_or_default();
    Ok(conn.execute(
        "UPDATE outbox SET status = 'unknown', sending_since = NULL,
            error = 'Leadbook stopped while sending this message; confirm whether it arrived'
         WHERE status = 'sending' AND (sending_since IS NULL OR sending_since <= ?1) AND (?2 IS NULL OR workspace_id = ?2)",
        params![fmt_time(cutoff), ws.map(|w| w.id)],
    )?)
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
    pub failed: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

/// Counts for the status line (`online` and `last_error` are the caller's to fill).
pub fn status(conn: &rusqlite::Connection, ws: &Workspace) -> Result<Status> {
    let mut st = Status::default();
    let mut stmt = conn.prepare_cached(
        "SELECT CASE WHEN status = 'queued' AND review = 'pending' THEN 'review' ELSE status END,
                coalesce(channel, '') = 'manual', count(*), min(next_attempt_at) FROM outbox
         WHERE workspace_id = ?1 AND status IN ('queued', 'deferred', 'sending', 'unknown', 'failed') GROUP BY 1, 2",
    )?;
    let rows = stmt.query_map([ws.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<String>>(3)?)))?;
    for row in rows {
        let (status, manual, n, next) = row?;
        match (status.as_str(), manual) {
            ("review", _) => st.review += n,
            ("queued", true) => st.manual += n,
            ("queued" | "sending", false) => st.waiting += n,
            ("deferred", _) => {
                st.waiting += n;
                st.deferred += n;
                st.next_attempt_at = match (st.next_attempt_at.take(), next) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            ("unknown", _) => st.unknown += n,
            ("failed", _) => st.failed += n,
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
