//! Twilio Programmable Messaging: SMS and WhatsApp through Twilio. `POST
//! {base}/2010-04-01/Accounts/{sid}/Messages.json` (form, HTTP Basic); inbound by listing the
//! messages sent to our number. Errors are `{"code":N,"message":…,"status":H}`.

use super::{json_body, send_request, transport_error, unexpected, Effect, Identity, Inbound, Provider, Sender, SendOutcome};
use crate::error::{Error, Result};
use crate::model::Channel;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

pub const DEFAULT_BASE: &str = "https://api.twilio.com";
/// A safety stop on one poll's pages (100 messages each): far beyond any day's messages to one
/// number, so a busy day is never cut. Reaching it makes the poll [`Polled::complete`] false.
pub const MAX_PAGES: usize = 1000;

/// What one inbound poll read.
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    /// Oldest first.
    pub messages: Vec<Inbound>,
    /// Whether every page was read (`false`: the safety stop was reached; the oldest messages
    /// of the period may be missing, so the caller must not move its cursor on).
    pub complete: bool,
}

/// Where a sent message stands (`GET …/Messages/{Sid}.json`).
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    /// Not final yet (`queued`, `accepted`, `sending`, `sent`, …): ask again later.
    Pending,
    Delivered,
    Read,
    /// `undelivered` or `failed`: Twilio's error code (0 when none came) and its words.
    Failed { code: i64, reason: String },
    /// Twilio does not know the sid (404): nothing more to learn.
    Unknown,
}

#[derive(Clone)]
pub struct Twilio {
    http: reqwest::Client,
    base: String,
    sid: String,
    token: String,
}

impl Twilio {
    pub fn new(http: reqwest::Client, base: &str, account_sid: &str, auth_token: &str) -> Twilio {
        Twilio { http, base: base.trim_end_matches('/').to_string(), sid: account_sid.to_string(), token: auth_token.to_string() }
    }

    fn messages_url(&self) -> String {
        format!("{}/2010-04-01/Accounts/{}/Messages.json", self.base, self.sid)
    }

    /// The account's friendly name.
    pub async fn identity(&self) -> Result<Identity> {
        let url = format!("{}/2010-04-01/Accounts/{}.json", self.base, self.sid);
        let resp = self.http.get(url).basic_auth(&self.sid, Some(&self.token)).send().await.map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if status.is_success() {
            let name = body["friendly_name"].as_str().unwrap_or(&self.sid).to_string();
            return Ok(Identity { ok: true, identity: Some(name), message: None });
        }
        Ok(Identity { ok: false, identity: None, message: Some(describe(status, &body)) })
    }

    /// Sends `body` to `to` (E.164, or `whatsapp:+…`) from `from`.
    pub async fn send(&self, to: &str, from: &str, body: &str) -> SendOutcome {
        let form = [("To", to), ("From", from), ("Body", body)];
        let req = self.http.post(self.messages_url()).basic_auth(&self.sid, Some(&self.token)).form(&form);
        send_request(req, "Twilio", outcome).await
    }

    /// Where the message `message_sid` stands. A transport error, a refused token or an answer
    /// we cannot read is an error (ask again on a later round); a 404 is [`Receipt::Unknown`].
    pub async fn receipt(&self, message_sid: &str) -> Result<Receipt> {
        // The sid goes into the path: only Twilio's own shape (letters and digits) is asked for.
        if message_sid.is_empty() || !message_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(Receipt::Unknown);
        }
        let url = format!("{}/2010-04-01/Accounts/{}/Messages/{message_sid}.json", self.base, self.sid);
        let resp = self.http.get(url).basic_auth(&self.sid, Some(&self.token)).send().await.map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if status == reqwest::StatusCode::NOT_FOUND && body["code"].as_i64() == Some(20404) {
            return Ok(Receipt::Unknown);
        }
        if !status.is_success() {
            return Err(Error::Provider(format!("Twilio: {}", describe(status, &body))));
        }
        receipt(&body).ok_or_else(|| Error::Provider(format!("Twilio answered HTTP {status} without a message status")))
    }

    /// Messages sent to `to` (our number, `whatsapp:+…` for WhatsApp) since the start of `since`,
    /// oldest first, following `next_page_uri` to the end (up to [`MAX_PAGES`]).
    pub async fn inbound(&self, to: &str, since: NaiveDate) -> Result<Polled> {
        self.inbound_pages(to, since, MAX_PAGES).await
    }

    async fn inbound_pages(&self, to: &str, since: NaiveDate, max_pages: usize) -> Result<Polled> {
        let mut out = Vec::new();
        let date = since.format("%Y-%m-%d").to_string();
        let mut next: Option<String> = None;
        let mut complete = false;
        for _ in 0..max_pages {
            let req = match &next {
                // Twilio's next_page_uri is a path with its query; it stays on our base URL.
                Some(uri) => self.http.get(format!("{}{}", self.base, uri)),
                None => self.http.get(self.messages_url()).query(&[("To", to), ("DateSent>", &date), ("PageSize", "100")]),
            };
            let resp = req.basic_auth(&self.sid, Some(&self.token)).send().await.map_err(transport_error)?;
            let status = resp.status();
            let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
            if !status.is_success() {
                return Err(Error::Provider(format!("Twilio: {}", describe(status, &body))));
            }
            for m in body["messages"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if let Some(i) = inbound(m) {
                    out.push(i);
                }
            }
            match body["next_page_uri"].as_str() {
                Some(uri) if uri.starts_with('/') => next = Some(uri.to_string()),
                _ => {
                    complete = true;
                    break;
                }
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.external_id.cmp(&b.external_id)));
        Ok(Polled { messages: out, complete })
    }
}

/// A Message resource's status as a [`Receipt`]; `None` without a status.
fn receipt(m: &Value) -> Option<Receipt> {
    Some(match m["status"].as_str()? {
        "delivered" => Receipt::Delivered,
        "read" => Receipt::Read,
        "undelivered" | "failed" => {
            // Twilio sends the code as a number (sometimes as a string) and often no message.
            let code = m["error_code"].as_i64().or_else(|| m["error_code"].as_str().and_then(|c| c.parse().ok())).unwrap_or(0);
            let words = m["error_message"].as_str().filter(|w| !w.is_empty()).unwrap_or_else(|| known_error(code));
            Receipt::Failed { code, reason: format!("Twilio: {code} {words}") }
        }
        _ => Receipt::Pending,
    })
}

/// Twilio's titles of the late failures Leadbook acts on.
fn known_error(code: i64) -> &'static str {
    match code {
        30003 => "Unreachable destination handset",
        30004 => "Message blocked",
        30005 => "Unknown destination handset",
        30006 => "Landline or unreachable carrier",
        30007 => "Message filtered",
        30008 => "Unknown error",
        21610 => "Attempt to send to unsubscribed recipient",
        63016 => "Outside the WhatsApp 24-hour window",
        _ => "message not delivered",
    }
}

fn inbound(m: &Value) -> Option<Inbound> {
    if m["direction"].as_str() != Some("inbound") {
        return None;
    }
    let from = m["from"].as_str()?;
    let (channel, number) = match from.strip_prefix("whatsapp:") {
        Some(n) => (Channel::Whatsapp, n),
        None => (Channel::Sms, from),
    };
    let at = m["date_sent"].as_str().or(m["date_created"].as_str()).and_then(|d| DateTime::parse_from_rfc2822(d).ok())?;
    Some(Inbound {
        provider: Provider::Twilio,
        channel,
        external_id: m["sid"].as_str()?.to_string(),
        from: Sender::Number(number.to_string()),
        text: m["body"].as_str().unwrap_or_default().to_string(),
        // A picture or a voice note on WhatsApp arrives with `num_media` > 0.
        kind: m["num_media"].as_str().and_then(|n| n.parse::<u32>().ok()).filter(|n| *n > 0).map(|_| "media"),
        at: at.with_timezone(&Utc),
    })
}

fn describe(status: reqwest::StatusCode, body: &Value) -> String {
    match (body["code"].as_i64(), body["message"].as_str()) {
        (Some(c), Some(m)) => format!("{c} {m}"),
        _ => format!("HTTP {status}"),
    }
}

fn outcome(status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    if status.is_success() {
        return match body["sid"].as_str() {
            Some(sid) => SendOutcome::Sent { provider_id: sid.to_string() },
            None => unexpected(status, "Twilio"),
        };
    }
    let reason = format!("Twilio: {}", describe(status, body));
    match body["code"].as_i64().unwrap_or(0) {
        21610 => SendOutcome::Failed { reason, effect: Some(Effect::OptOut) },
        21211 | 21614 => SendOutcome::Failed { reason, effect: None },
        20429 => SendOutcome::Deferred { reason, retry_after: None, offline: false },
        20003 => SendOutcome::NeedsAttention { reason },
        63016 => SendOutcome::OutsideWindow { reason },
        _ if status == reqwest::StatusCode::UNAUTHORIZED => SendOutcome::NeedsAttention { reason },
        _ if status == reqwest::StatusCode::TOO_MANY_REQUESTS => SendOutcome::Deferred { reason, retry_after: None, offline: false },
        // A server error may come after the provider took the message.
        _ if status.is_server_error() => super::server_trouble(reason),
        _ => SendOutcome::Failed { reason, effect: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use serde_json::json;

    #[test]
    fn twilio_error_codes_map_to_the_states_of_the_spec() {
        let e = |s: u16, c: i64| outcome(StatusCode::from_u16(s).unwrap(), &json!({"code": c, "message": "m", "status": s}));
        assert!(matches!(e(400, 21610), SendOutcome::Failed { effect: Some(Effect::OptOut), .. }));
        assert!(matches!(e(400, 21211), SendOutcome::Failed { effect: None, .. }));
        assert!(matches!(e(429, 20429), SendOutcome::Deferred { .. }));
        assert!(matches!(e(401, 20003), SendOutcome::NeedsAttention { .. }));
        assert!(matches!(e(400, 63016), SendOutcome::OutsideWindow { .. }));
        assert_eq!(outcome(StatusCode::CREATED, &json!({"sid": "SM1", "status": "queued"})), SendOutcome::Sent { provider_id: "SM1".into() });
    }

    #[test]
    fn a_message_status_reads_as_pending_delivered_read_or_failed_with_its_code() {
        assert_eq!(receipt(&json!({"status": "sent"})), Some(Receipt::Pending));
        assert_eq!(receipt(&json!({"status": "queued"})), Some(Receipt::Pending));
        assert_eq!(receipt(&json!({"status": "delivered", "error_code": null})), Some(Receipt::Delivered));
        assert_eq!(receipt(&json!({"status": "read"})), Some(Receipt::Read));
        assert_eq!(
            receipt(&json!({"status": "undelivered", "error_code": 30005, "error_message": null})),
            Some(Receipt::Failed { code: 30005, reason: "Twilio: 30005 Unknown destination handset".into() })
        );
        assert!(matches!(receipt(&json!({"status": "failed", "error_code": "63016"})), Some(Receipt::Failed { code: 63016, .. })));
        assert_eq!(receipt(&json!({"sid": "SM1"})), None);
    }

    #[test]
    fn inbound_whatsapp_and_sms_are_told_apart_and_outbound_is_ignored() {
        let m = json!({"sid":"SM9","direction":"inbound","from":"whatsapp:+971501234567","to":"whatsapp:+14155238886",
            "body":"STOP","date_sent":"Tue, 26 Jul 2016 12:50:07 +0000"});
        let i = inbound(&m).unwrap();
        assert_eq!((i.channel, i.from.clone(), i.text.as_str()), (Channel::Whatsapp, Sender::Number("+971501234567".into()), "STOP"));
        assert_eq!(crate::clock::fmt_time(i.at), "2016-07-26T12:50:07Z");
        let mut sms = m.clone();
        sms["from"] = json!("+971501234567");
        assert_eq!(inbound(&sms).unwrap().channel, Channel::Sms);
        let mut out = m;
        out["direction"] = json!("outbound-api");
        assert_eq!(inbound(&out), None);
    }
}
