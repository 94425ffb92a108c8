//! WhatsApp Business Cloud API (Meta Graph), outbound only: text inside the 24-hour window,
//! an approved template outside it. `POST {base}/{version}/{phone-number-id}/messages` with a
//! bearer token. Errors are `{"error":{"code":N,"message":…}}`; branch on the code.
//!
//! Replies and delivery statuses arrive only as webhooks, which a laptop cannot receive: with
//! the Cloud API alone Leadbook does not hear WhatsApp replies (Settings says so; Twilio's
//! WhatsApp sender can be polled).

use super::{json_body, send_request, transport_error, unexpected, Effect, Identity, SendOutcome};
use crate::error::Result;
use serde_json::{json, Value};
use std::time::Duration;

pub const DEFAULT_BASE: &str = "https://graph.facebook.com";
pub const DEFAULT_VERSION: &str = "v21.0";

#[derive(Clone)]
pub struct WhatsApp {
    http: reqwest::Client,
    base: String,
    version: String,
    phone_number_id: String,
    token: String,
}

/// An approved template and the values of its body parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

impl WhatsApp {
    pub fn new(http: reqwest::Client, base: &str, version: &str, phone_number_id: &str, token: &str) -> WhatsApp {
        WhatsApp {
            http,
            base: base.trim_end_matches('/').to_string(),
            version: version.trim_matches('/').to_string(),
            phone_number_id: phone_number_id.to_string(),
            token: token.to_string(),
        }
    }

    /// The phone number's display number and verified name.
    pub async fn identity(&self) -> Result<Identity> {
        let url = format!("{}/{}/{}", self.base, self.version, self.phone_number_id);
        let resp = self
            .http
            .get(url)
            .query(&[("fields", "display_phone_number,verified_name")])
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if status.is_success() {
            let who = [body["verified_name"].as_str(), body["display_phone_number"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
            return Ok(Identity { ok: true, identity: Some(who), message: None });
        }
        Ok(Identity { ok: false, identity: None, message: Some(describe(status, &body)) })
    }

    pub async fn send_text(&self, to: &str, body: &str) -> SendOutcome {
        self.post(json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": false, "body": body},
        }))
        .await
    }

    pub async fn send_template(&self, to: &str, t: &Template) -> SendOutcome {
        let params: Vec<Value> = t.params.iter().map(|p| json!({"type": "text", "text": p})).collect();
        let mut template = json!({"name": t.name, "language": {"code": t.language}});
        if !params.is_empty() {
            template["components"] = json!([{"type": "body", "parameters": params}]);
        }
        self.post(json!({"messaging_product": "whatsapp", "to": to.trim_start_matches('+'), "type": "template", "template": template})).await
    }

    async fn post(&self, payload: Value) -> SendOutcome {
        let url = format!("{}/{}/{}/messages", self.base, self.version, self.phone_number_id);
        let req = self.http.post(url).bearer_auth(&self.token).json(&payload);
        send_request(req, "WhatsApp", outcome).await
    }
}

fn describe(status: reqwest::StatusCode, body: &Value) -> String {
    match (body["error"]["code"].as_i64(), body["error"]["message"].as_str()) {
        (Some(c), Some(m)) => format!("{c} {m}"),
        _ => format!("HTTP {status}"),
    }
}

fn outcome(status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    if status.is_success() {
        if let Some(id) = body["messages"][0]["id"].as_str() {
            return SendOutcome::Sent { provider_id: id.to_string() };
        }
        return unexpected(status, "WhatsApp");
    }
    let code = body["error"]["code"].as_i64().unwrap_or(0);
    let reason = format!("WhatsApp: {}", describe(status, body));
    match code {
        131047 => SendOutcome::OutsideWindow { reason },
        131026 => SendOutcome::Failed { reason, effect: Some(Effect::Unusable) },
        // The lead stopped *marketing* messages from us: this one (an alert or a follow-up)
        // fails, but WhatsApp is not closed to them — the agent's own messages and free text
        // inside the window still go.
        131050 => SendOutcome::Failed { reason, effect: None },
        // The account itself: permissions (10, 200–299), the phone number or the business
        // account blocked. The channel needs the agent; every message waits, none fails.
        10 | 200..=299 | 131031 => SendOutcome::NeedsAttention { reason },
        // Throughput, pair rate limit, too many calls, spam rate: later.
        130429 | 131056 | 80007 | 4 | 131048 => SendOutcome::Deferred { reason, retry_after: None, offline: false },
        190 => SendOutcome::NeedsAttention { reason },
        _ if status == reqwest::StatusCode::UNAUTHORIZED => SendOutcome::NeedsAttention { reason },
        _ if status == reqwest::StatusCode::TOO_MANY_REQUESTS => SendOutcome::Deferred { reason, retry_after: None, offline: false },
        // A server error may come after the provider took the message.
        _ if status.is_server_error() => super::server_trouble(reason),
        _ => SendOutcome::Failed { reason, effect: None },
    }
}

/// Whether free text may go to a lead who last wrote on WhatsApp at `last_inbound`.
pub fn in_window(last_inbound: Option<chrono::DateTime<chrono::Utc>>, now: chrono::DateTime<chrono::Utc>) -> bool {
    last_inbound.is_some_and(|t| now - t < chrono::Duration::from_std(WINDOW).unwrap_or_default())
}

/// The customer service window: free text for 24 hours after the customer's last message.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn err(status: u16, code: i64) -> SendOutcome {
        outcome(StatusCode::from_u16(status).unwrap(), &json!({"error": {"message": "(#x) y", "type": "OAuthException", "code": code}}))
    }

    #[test]
    fn whatsapp_error_codes_map_to_the_states_of_the_spec() {
        assert!(matches!(err(400, 131047), SendOutcome::OutsideWindow { .. }));
        assert!(matches!(err(400, 131026), SendOutcome::Failed { effect: Some(Effect::Unusable), .. }));
        assert!(matches!(err(400, 131050), SendOutcome::Failed { effect: None, .. }), "marketing only: no opt-out of WhatsApp");
        assert!(matches!(err(403, 10), SendOutcome::NeedsAttention { .. }), "permission");
        assert!(matches!(err(403, 200), SendOutcome::NeedsAttention { .. }));
        assert!(matches!(err(403, 299), SendOutcome::NeedsAttention { .. }));
        assert!(matches!(err(400, 132000), SendOutcome::Failed { effect: None, .. }), "wrong parameter count");
        assert!(matches!(err(429, 130429), SendOutcome::Deferred { .. }));
        assert!(matches!(err(401, 190), SendOutcome::NeedsAttention { .. }));
        assert!(matches!(err(404, 132001), SendOutcome::Failed { effect: None, .. }));
        let ok = json!({"messaging_product":"whatsapp","contacts":[{"input":"+971501234567","wa_id":"971501234567"}],"messages":[{"id":"wamid.X"}]});
        assert_eq!(outcome(StatusCode::OK, &ok), SendOutcome::Sent { provider_id: "wamid.X".into() });
    }

    #[test]
    fn the_window_is_open_for_24_hours_after_the_leads_last_message() {
        let t = |s: &str| crate::clock::parse_time(s).unwrap();
        assert!(in_window(Some(t("2026-03-01T10:00:00Z")), t("2026-03-02T09:59:59Z")));
        assert!(!in_window(Some(t("2026-03-01T10:00:00Z")), t("2026-03-02T10:00:00Z")));
        assert!(!in_window(None, t("2026-03-02T10:00:00Z")));
    }
}
