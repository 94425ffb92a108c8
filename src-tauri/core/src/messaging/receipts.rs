//! After the send (SPEC §6a): a provider's "accepted" is not "delivered". Each message Twilio
//! took is followed (`GET …/Messages/{Sid}.json`) on later delivery rounds until its status is
//! final, and what Twilio says is recorded: `delivered` or `read`, or a late failure — the
//! message becomes `failed` with Twilio's error code, and the code is acted on:
//!
//! - 63016: the lead's WhatsApp window was closed;
//! - 21610: the lead unsubscribed from that channel (opt-out);
//! - 30003–30008: the channel cannot reach the lead (unusable).
//!
//! A message is followed for [`FOLLOW_FOR`] after it was sent, asked about at most once each
//! [`RECHECK`]; after that it stays `sent`. Following only reads: nothing is ever sent again
//! from here (a late failure waits for the agent's retry).

use super::channels::config::Channels;
use super::channels::twilio::Receipt;
use super::channels::Provider;
use crate::error::Result;
use crate::leads;
use crate::model::{Channel, MessageStatus};
use crate::outbox;
use crate::store::Store;
use crate::workspace::Workspace;

/// How long after the send a message is followed. Twilio settles nearly every message within
/// minutes; a handset that is off may take a day or so.
pub const FOLLOW_FOR: chrono::Duration = chrono::Duration::hours(48);
/// How often one message's status is asked at most.
pub const RECHECK: chrono::Duration = chrono::Duration::minutes(1);
/// Messages asked about in one round, the least recently asked first.
const PER_ROUND: usize = 100;

/// What one round of following learned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Messages asked about.
    pub checked: usize,
    pub delivered: usize,
    pub read: usize,
    /// Late failures recorded.
    pub failed: usize,
    /// Why asking failed (the round goes on; the message is asked again later).
    pub errors: Vec<String>,
}

impl Report {
    /// Whether an outbox message changed state.
    pub fn changed_outbox(&self) -> bool {
        self.delivered + self.read + self.failed > 0
    }
}

/// What a late failure's code says about the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateEffect {
    /// 63016: outside the WhatsApp window.
    WindowClosed,
    /// 21610: the lead replied STOP.
    OptOut,
    /// 30003–30008: the handset, carrier or number cannot be reached.
    Unusable,
}

/// The effect of Twilio's late error `code`, if Leadbook acts on it.
pub fn late_effect(code: i64) -> Option<LateEffect> {
    match code {
        63016 => Some(LateEffect::WindowClosed),
        21610 => Some(LateEffect::OptOut),
        30003..=30008 => Some(LateEffect::Unusable),
        _ => None,
    }
}

/// Asks Twilio where each message of `ws` it took (and not yet final) stands, and records it.
/// A channel needing attention is not asked. Provider errors are noted and the round goes on
/// (after the first one, no more is asked this round: the provider is likely down).
pub async fn follow(store: &mut Store, ws: &Workspace, ch: &Channels) -> Result<Report> {
    let mut report = Report::default();
    let Some(tw) = ch.twilio.as_ref().filter(|t| !t.attention) else { return Ok(report) };
    let now = store.now();
    let due = outbox::following(store.conn(), ws, Provider::Twilio.as_str(), now - FOLLOW_FOR, now - RECHECK, PER_ROUND)?;
    for f in due {
        let answer = tw.client.receipt(&f.provider_message_id).await;
        report.checked += 1;
        let channel = f.channel.as_deref().and_then(|c| Channel::parse("channel", c).ok());
        let stop = store.write(|tx, now| {
            match &answer {
                Ok(Receipt::Pending | Receipt::Unknown) => outbox::status_checked(tx, ws, f.id, now)?,
                Ok(Receipt::Delivered) => {
                    if outbox::settle_receipt(tx, ws, f.id, MessageStatus::Delivered, None, now)? {
                        report.delivered += 1;
                    }
                }
                Ok(Receipt::Read) => {
                    if outbox::settle_receipt(tx, ws, f.id, MessageStatus::Read, None, now)? {
                        report.read += 1;
                    }
                }
                Ok(Receipt::Failed { code, reason }) => {
                    let reason = format!("{reason} (reported after the send)");
                    if outbox::settle_receipt(tx, ws, f.id, MessageStatus::Failed, Some(&reason), now)? {
                        report.failed += 1;
                        act_on(tx, ws, f.lead_id, channel, *code, &reason, now)?;
                    }
                }
                Err(e) => {
                    outbox::status_checked(tx, ws, f.id, now)?;
                    report.errors.push(format!("Twilio: {e}"));
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        if stop {
            break;
        }
    }
    Ok(report)
}

/// What a late failure says of the lead, on the message's channel.
fn act_on(tx: &rusqlite::Connection, ws: &Workspace, lead_id: i64, channel: Option<Channel>, code: i64, reason: &str, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    match (late_effect(code), channel) {
        (Some(LateEffect::WindowClosed), _) => leads::close_whatsapp_window(tx, ws, lead_id),
        (Some(LateEffect::OptOut), Some(c)) => leads::set_opt_out(tx, ws, lead_id, c, true, "the provider says the lead unsubscribed", now).map(drop),
        (Some(LateEffect::Unusable), Some(c)) => leads::set_channel_usable(tx, ws, lead_id, c, false, reason, now).map(drop),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_error_codes_map_to_what_is_done_about_the_lead() {
        assert_eq!(late_effect(63016), Some(LateEffect::WindowClosed));
        assert_eq!(late_effect(21610), Some(LateEffect::OptOut));
        for code in 30003..=30008 {
            assert_eq!(late_effect(code), Some(LateEffect::Unusable), "{code}");
        }
        assert_eq!(late_effect(30002), None);
        assert_eq!(late_effect(30009), None);
        assert_eq!(late_effect(0), None);
    }
}
