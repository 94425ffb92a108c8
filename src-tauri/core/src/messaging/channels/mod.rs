//! The providers Leadbook sends through and hears from: Telegram Bot API, WhatsApp Business
//! Cloud API, Twilio and the agent's own mailbox (IMAP and SMTP). One module per provider, each an async `reqwest` client with a
//! configurable base URL that turns every answer into a [`SendOutcome`] or an [`Inbound`]
//! message. They never touch the database: delivery and the inbox do.
//!
//! No error text leaves this module with a request URL in it: Telegram puts the bot token in
//! the path, and error texts end up in the outbox and the logs.

pub mod config;
pub mod portals;
pub mod email;
pub mod telegram;
pub mod twilio;
pub mod whatsapp;

use crate::error::{Error, Result};
use crate::model::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

crate::model::text_enum!(
    /// A company Leadbook has an account with.
    Provider { Telegram = "telegram", Whatsapp = "whatsapp", Twilio = "twilio", Email = "email" }
);

/// How long one request to a provider may take. A message still `sending` after
/// [`SENDING_GRACE`] belonged to a process that died.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of one attempt to send a message.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The provider took it; its id for the message.
    Sent { provider_id: String },
    /// It will never go this way (blocked, invalid number, opted out, …).
    Failed { reason: String, effect: Option<Effect> },
    /// Not now: offline, the provider is busy or down. Try again later, no sooner than
    /// `retry_after` when the provider said.
    Deferred { reason: String, retry_after: Option<Duration>, offline: bool },
    /// The provider refused our credentials: the channel needs the agent; the message waits.
    NeedsAttention { reason: String },
    /// WhatsApp: more than 24 hours since the lead last wrote; only a template may go.
    OutsideWindow { reason: String },
    /// The request may have reached the provider but no answer came back: the agent decides.
    Unknown { reason: String },
}

/// What a failure says about the lead, beyond this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The lead asked not to be written to on this channel.
    OptOut,
    /// The channel cannot reach the lead (blocked the bot, not on WhatsApp).
    Unusable,
}

/// A message someone sent us.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    pub provider: Provider,
    pub channel: Channel,
    /// The provider's id for it (update id, message sid): each is taken in once.
    pub external_id: String,
    pub from: Sender,
    /// What they wrote, or the caption (or description) of what they sent.
    pub text: String,
    /// What they sent when it is not plain text: `voice note`, `photo`, `document`,
    /// `location`, `contact`, … (`None` for text). Still a reply.
    pub kind: Option<&'static str>,
    pub at: DateTime<Utc>,
}

/// Who wrote.
#[derive(Debug, Clone, PartialEq)]
pub enum Sender {
    Telegram { id: i64, username: Option<String>, name: String, language: Option<String> },
    /// An E.164 number (SMS or WhatsApp).
    Number(String),
}

/// The answer to "test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ChannelTestResult")]
pub struct Identity {
    pub ok: bool,
    pub identity: Option<String>,
    pub message: Option<String>,
}

/// One HTTP client for every provider: rustls, timeouts, no redirects to other hosts.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Leadbook/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            let e = e.without_url();
            Error::internal_from(format!("the HTTP client could not start: {e}"), e)
        })
}

/// A base URL as typed: trimmed, without a trailing slash, http or https only.
pub fn base_url(typed: Option<&str>, default: &str, field: &str) -> Result<String> {
    let url = typed.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(default).trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_string()),
        _ => Err(Error::validation(field, format!("'{url}' is not an http(s) address"))),
    }
}

/// A transport error on a send: refused before anything left is `Deferred` (offline); after
/// the request may have left, `Unknown`. Never with the URL.
pub(crate) fn transport_outcome(e: reqwest::Error) -> SendOutcome {
    let e = e.without_url();
    if e.is_connect() || e.is_builder() {
        SendOutcome::Deferred { reason: format!("offline: {}", error_chain(&e)), retry_after: None, offline: true }
    } else {
        SendOutcome::Unknown { reason: format!("no answer from the provider: {}", error_chain(&e)) }
    }
}

/// A transport error on a call that changes nothing (identity, polling).
pub(crate) fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    Error::offline(format!("cannot reach the provider: {}", error_chain(&e)), Some(Box::new(e)))
}

/// The error and its causes in one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Reads an answer's body as JSON; `None` when it is not JSON (a proxy's HTML page).
pub(crate) async fn json_body(resp: reqwest::Response) -> std::result::Result<Option<serde_json::Value>, reqwest::Error> {
    let bytes = resp.bytes().await?;
    Ok(serde_json::from_slice(&bytes).ok())
}

/// Sends a message request and turns what happened into a [`SendOutcome`]: the provider's JSON
/// answer through `outcome`, an answer that is not JSON through [`unexpected`], a transport
/// error through [`transport_outcome`]. The one way every provider's send reads its answer.
pub(crate) async fn send_request(
    req: reqwest::RequestBuilder,
    provider: &str,
    outcome: impl FnOnce(reqwest::StatusCode, &serde_json::Value) -> SendOutcome,
) -> SendOutcome {
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return transport_outcome(e),
    };
    let status = resp.status();
    match json_body(resp).await {
        Ok(Some(body)) => outcome(status, &body),
        Ok(None) => unexpected(status, provider),
        Err(e) => transport_outcome(e),
    }
}

/// An answer to a send we cannot read (a proxy's HTML page, a success without the message's
/// id). A 429 is the provider's "not now": nothing was taken. A 5xx or an unreadable success
/// may come after the provider took the message (a gateway that gave up waiting for it): it
/// is `unknown`, for the agent to confirm, and never resent on its own. Anything else was
/// refused.
pub(crate) fn unexpected(status: reqwest::StatusCode, what: &str) -> SendOutcome {
    let reason = format!("{what} answered HTTP {status} with a body Leadbook does not understand");
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        SendOutcome::Deferred { reason, retry_after: None, offline: false }
    } else if status.is_server_error() || status.is_success() {
        server_trouble(reason)
    } else {
        SendOutcome::Failed { reason, effect: None }
    }
}

/// A send answered with a server error (5xx, read or not): the message may have been taken.
pub(crate) fn server_trouble(reason: String) -> SendOutcome {
    SendOutcome::Unknown { reason: format!("{reason} (the provider may have taken the message)") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_5xx_or_an_unreadable_answer_to_a_send_is_unknown_and_a_429_is_deferred() {
        use reqwest::StatusCode;
        assert!(matches!(unexpected(StatusCode::BAD_GATEWAY, "X"), SendOutcome::Unknown { .. }));
        assert!(matches!(unexpected(StatusCode::GATEWAY_TIMEOUT, "X"), SendOutcome::Unknown { .. }));
        assert!(matches!(unexpected(StatusCode::OK, "X"), SendOutcome::Unknown { .. }), "a success we cannot read");
        assert!(matches!(unexpected(StatusCode::TOO_MANY_REQUESTS, "X"), SendOutcome::Deferred { .. }));
        assert!(matches!(unexpected(StatusCode::NOT_FOUND, "X"), SendOutcome::Failed { .. }));
    }

    #[test]
    fn a_base_url_is_trimmed_and_must_be_http() {
        assert_eq!(base_url(Some(" http://127.0.0.1:8081/ "), "x", "base_url").unwrap(), "http://127.0.0.1:8081");
        assert_eq!(base_url(None, "https://api.telegram.org", "base_url").unwrap(), "https://api.telegram.org");
        assert_eq!(base_url(Some(""), "https://api.telegram.org", "base_url").unwrap(), "https://api.telegram.org");
        assert_eq!(base_url(Some("ftp://x"), "x", "base_url").unwrap_err().field(), Some("base_url"));
        assert_eq!(base_url(Some("http://"), "x", "base_url").unwrap_err().field(), Some("base_url"));
    }
}
