//! Telegram Bot API: `getMe` (test connection), `sendMessage`, `getUpdates` long polling.
//! `{base}/bot{token}/{method}`; every answer is `{"ok":…}` with `error_code`, `description`
//! and, on 429, `parameters.retry_after`.

use super::{json_body, send_request, transport_error, Effect, Identity, Inbound, Provider, Sender, SendOutcome};
use crate::error::{Error, Result};
use crate::model::Channel;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::time::Duration;

pub const DEFAULT_BASE: &str = "https://api.telegram.org";

#[derive(Clone)]
pub struct Telegram {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A batch of updates and the offset that confirms them.
#[derive(Debug, Default)]
pub struct Updates {
    pub messages: Vec<Inbound>,
    /// Ask with this offset next time (the last update id + 1); `None` if nothing came.
    pub next_offset: Option<i64>,
}

impl Telegram {
    pub fn new(http: reqwest::Client, base: &str, token: &str) -> Telegram {
        Telegram { http, base: base.trim_end_matches('/').to_string(), token: token.to_string() }
    }

    fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{}", self.base, self.token, method)
    }

    /// `getMe`: who the bot is.
    pub async fn identity(&self) -> Result<Identity> {
        let resp = self.http.get(self.url("getMe")).send().await.map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if body["ok"] == Value::Bool(true) {
            let username = body["result"]["username"].as_str().unwrap_or_default();
            return Ok(Identity { ok: true, identity: Some(format!("@{username}")), message: None });
        }
        Ok(Identity { ok: false, identity: None, message: Some(describe(status, &body)) })
    }

    /// `sendMessage` to a private chat (the lead's Telegram user id).
    pub async fn send(&self, chat_id: i64, text: &str) -> SendOutcome {
        let req = self.http.post(self.url("sendMessage")).json(&json!({"chat_id": chat_id, "text": text}));
        send_request(req, "Telegram", outcome).await
    }

    /// `getUpdates` from `offset`, waiting up to `wait` for the first one (0: answer at once).
    pub async fn updates(&self, offset: Option<i64>, wait: Duration) -> Result<Updates> {
        let mut params = json!({"timeout": wait.as_secs(), "limit": 100, "allowed_updates": ["message"]});
        if let Some(o) = offset {
            params["offset"] = json!(o);
        }
        let resp = self
            .http
            .post(self.url("getUpdates"))
            .timeout(wait + super::REQUEST_TIMEOUT)
            .json(&params)
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if body["ok"] != Value::Bool(true) {
            return Err(Error::Provider(format!("Telegram getUpdates: {}", describe(status, &body))));
        }
        let mut out = Updates::default();
        for u in body["result"].as_array().map(Vec::as_slice).unwrap_or_default() {
            // An id with no successor (i64::MAX) is no update Telegram makes: passed over, and
            // never made the offset, which would confirm every real update below it.
            let Some((id, after)) = u["update_id"].as_i64().and_then(|id| Some((id, id.checked_add(1)?))) else { continue };
            out.next_offset = Some(out.next_offset.map_or(after, |o: i64| o.max(after)));
            if let Some(m) = message(id, &u["message"]) {
                out.messages.push(m);
            }
        }
        Ok(out)
    }
}

/// A private text message of an update as an [`Inbound`]; anything else (a group, a sticker,
/// another bot) is not for Leadbook.
fn message(update_id: i64, m: &Value) -> Option<Inbound> {
    let text = m["text"].as_str()?;
    let from = &m["from"];
    if from["is_bot"].as_bool() == Some(true) || m["chat"]["type"].as_str().is_some_and(|t| t != "private") {
        return None;
    }
    let id = from["id"].as_i64()?;
    let name = [from["first_name"].as_str(), from["last_name"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let username = from["username"].as_str().map(String::from);
    let name = if name.trim().is_empty() { username.clone().unwrap_or_else(|| format!("Telegram {id}")) } else { name };
    let at = m["date"].as_i64().and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)).unwrap_or_else(Utc::now);
    Some(Inbound {
        provider: Provider::Telegram,
        channel: Channel::Telegram,
        external_id: update_id.to_string(),
        from: Sender::Telegram { id, username, name, language: from["language_code"].as_str().map(String::from) },
        text: text.to_string(),
        at,
    })
}

fn describe(status: reqwest::StatusCode, body: &Value) -> String {
    match body["description"].as_str() {
        Some(d) => format!("{} {d}", body["error_code"].as_i64().unwrap_or(status.as_u16() as i64)),
        None => format!("HTTP {status}"),
    }
}

/// The answer to a `sendMessage` as an outcome (PROVIDERS.md: match on the code and the
/// description's prefix).
fn outcome(status: reqwest::StatusCode, body: &Value) -> SendOutcome {
    if body["ok"] == Value::Bool(true) {
        let id = body["result"]["message_id"].as_i64().map(|i| i.to_string()).unwrap_or_default();
        return SendOutcome::Sent { provider_id: id };
    }
    let code = body["error_code"].as_i64().unwrap_or(status.as_u16() as i64);
    let reason = format!("Telegram: {}", describe(status, body));
    match code {
        429 => {
            let after = body["parameters"]["retry_after"].as_u64().unwrap_or(1);
            SendOutcome::Deferred { reason, retry_after: Some(Duration::from_secs(after)), offline: false }
        }
        401 => SendOutcome::NeedsAttention { reason },
        // Blocked by the user, deactivated, or never pressed Start: this lead cannot be
        // reached on Telegram.
        403 => SendOutcome::Failed { reason, effect: Some(Effect::Unusable) },
        c if c >= 500 => SendOutcome::Deferred { reason, retry_after: None, offline: false },
        _ => SendOutcome::Failed { reason, effect: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn telegram_errors_map_to_the_states_of_the_spec() {
        let e = |code: u16, d: &str, extra: Value| {
            let mut b = json!({"ok": false, "error_code": code, "description": d});
            if !extra.is_null() {
                b["parameters"] = extra;
            }
            outcome(StatusCode::from_u16(code).unwrap(), &b)
        };
        assert!(matches!(e(403, "Forbidden: bot was blocked by the user", Value::Null), SendOutcome::Failed { effect: Some(Effect::Unusable), .. }));
        assert!(matches!(e(400, "Bad Request: chat not found", Value::Null), SendOutcome::Failed { effect: None, .. }));
        assert_eq!(
            e(429, "Too Many Requests: retry after 7", json!({"retry_after": 7})),
            SendOutcome::Deferred { reason: "Telegram: 429 Too Many Requests: retry after 7".into(), retry_after: Some(Duration::from_secs(7)), offline: false }
        );
        assert!(matches!(e(401, "Unauthorized", Value::Null), SendOutcome::NeedsAttention { .. }));
        assert!(matches!(e(502, "Bad Gateway", Value::Null), SendOutcome::Deferred { .. }));
        let ok = json!({"ok": true, "result": {"message_id": 42, "chat": {"id": 1}}});
        assert_eq!(outcome(StatusCode::OK, &ok), SendOutcome::Sent { provider_id: "42".into() });
    }

    #[test]
    fn only_private_text_messages_from_people_are_taken_in() {
        let u = json!({"message_id":19,"from":{"id":336435018,"is_bot":false,"first_name":"Ray","language_code":"en"},
            "chat":{"id":336435018,"first_name":"Ray","type":"private"},"date":1498049744,"text":"Thursday works"});
        let m = message(544181547, &u).unwrap();
        assert_eq!(m.external_id, "544181547");
        assert_eq!(m.from, Sender::Telegram { id: 336435018, username: None, name: "Ray".into(), language: Some("en".into()) });
        assert_eq!(m.at.timestamp(), 1498049744);
        let mut group = u.clone();
        group["chat"]["type"] = json!("group");
        assert_eq!(message(1, &group), None);
        let mut sticker = u.clone();
        sticker.as_object_mut().unwrap().remove("text");
        assert_eq!(message(1, &sticker), None);
        let mut bot = u;
        bot["from"]["is_bot"] = json!(true);
        assert_eq!(message(1, &bot), None);
    }
}
