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
    /// Telegram will not hand updates to Leadbook until the agent acts: a webhook is set on
    /// the bot (409), or the token was refused (401). Why, in words for the channel card.
    pub attention: Option<String>,
}

/// What the channel shows while a webhook is set on the bot.
pub const WEBHOOK_SET: &str = "a webhook is set on this bot, so Telegram gives its messages to that address and not to \
    Leadbook: replies are not heard until it is removed (leadbook channel delete-webhook telegram)";

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
            let identity = Some(format!("@{username}"));
            // The token works, but while a webhook is set Leadbook hears nothing: say so.
            if let Ok(Some(_)) = self.webhook().await {
                return Ok(Identity { ok: false, identity, message: Some(WEBHOOK_SET.to_string()) });
            }
            return Ok(Identity { ok: true, identity, message: None });
        }
        Ok(Identity { ok: false, identity: None, message: Some(describe(status, &body)) })
    }

    /// `getWebhookInfo`: the webhook's URL when one is set.
    pub async fn webhook(&self) -> Result<Option<String>> {
        let resp = self.http.get(self.url("getWebhookInfo")).send().await.map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if body["ok"] != Value::Bool(true) {
            return Err(Error::Provider(format!("Telegram getWebhookInfo: {}", describe(status, &body))));
        }
        Ok(body["result"]["url"].as_str().filter(|u| !u.is_empty()).map(String::from))
    }

    /// `deleteWebhook`: Telegram hands the bot's updates to `getUpdates` again. The updates
    /// waiting are kept (`drop_pending_updates` false): they are the leads' messages.
    pub async fn delete_webhook(&self) -> Result<()> {
        let req = self.http.post(self.url("deleteWebhook")).json(&json!({"drop_pending_updates": false}));
        let resp = req.send().await.map_err(transport_error)?;
        let status = resp.status();
        let body = json_body(resp).await.map_err(transport_error)?.unwrap_or(Value::Null);
        if body["ok"] != Value::Bool(true) {
            return Err(Error::Provider(format!("Telegram deleteWebhook: {}", describe(status, &body))));
        }
        Ok(())
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
            let code = body["error_code"].as_i64().unwrap_or(status.as_u16() as i64);
            let webhook = code == 409 && body["description"].as_str().is_some_and(|d| d.contains("webhook is active"));
            if webhook {
                return Ok(Updates { attention: Some(WEBHOOK_SET.to_string()), ..Updates::default() });
            }
            if code == 401 {
                return Ok(Updates { attention: Some(format!("Telegram: {}", describe(status, &body))), ..Updates::default() });
            }
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

/// A private message of an update as an [`Inbound`] — text, or a voice note, a photo, a
/// document, a location, a contact… with its caption; anything else (a group, another bot, a
/// service message) is not for Leadbook.
fn message(update_id: i64, m: &Value) -> Option<Inbound> {
    let (kind, text) = content(m)?;
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
        text,
        kind,
        at,
    })
}

/// What a Message carries: its text, or its kind (Bot API field → words for the timeline) and
/// caption or description. `None` for a message with nothing a person sent (a service message).
fn content(m: &Value) -> Option<(Option<&'static str>, String)> {
    if let Some(t) = m["text"].as_str() {
        return Some((None, t.to_string()));
    }
    let caption = m["caption"].as_str().unwrap_or_default().to_string();
    const MEDIA: &[(&str, &str)] = &[
        ("voice", "voice note"), ("audio", "audio"), ("video_note", "video note"), ("video", "video"),
        ("animation", "animation"), ("photo", "photo"), ("document", "document"), ("sticker", "sticker"),
        ("dice", "dice"), ("poll", "poll"), ("story", "story"), ("paid_media", "media"),
    ];
    for (field, kind) in MEDIA {
        if m[*field].is_null() {
            continue;
        }
        let text = match *field {
            _ if !caption.is_empty() => caption,
            "document" => m["document"]["file_name"].as_str().unwrap_or_default().to_string(),
            "sticker" => m["sticker"]["emoji"].as_str().unwrap_or_default().to_string(),
            "poll" => m["poll"]["question"].as_str().unwrap_or_default().to_string(),
            _ => String::new(),
        };
        return Some((Some(kind), text));
    }
    if !m["venue"].is_null() {
        let v = &m["venue"];
        let text = [v["title"].as_str(), v["address"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(", ");
        return Some((Some("location"), text));
    }
    if let (Some(lat), Some(lon)) = (m["location"]["latitude"].as_f64(), m["location"]["longitude"].as_f64()) {
        return Some((Some("location"), format!("{lat:.6}, {lon:.6}")));
    }
    if !m["contact"].is_null() {
        let c = &m["contact"];
        let text = [c["first_name"].as_str(), c["last_name"].as_str(), c["phone_number"].as_str()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        return Some((Some("contact"), text));
    }
    None
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
        // A gateway error may come after Telegram took the message.
        c if c >= 500 => super::server_trouble(reason),
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
        assert!(matches!(e(502, "Bad Gateway", Value::Null), SendOutcome::Unknown { .. }), "it may have been taken");
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
        let mut service = u.clone();
        service.as_object_mut().unwrap().remove("text");
        service["pinned_message"] = json!({"message_id": 1});
        assert_eq!(message(1, &service), None, "a service message is nobody's reply");
        let mut bot = u;
        bot["from"]["is_bot"] = json!(true);
        assert_eq!(message(1, &bot), None);
    }

    #[test]
    fn a_voice_note_a_photo_a_document_a_location_or_a_contact_is_a_message_with_its_kind_and_caption() {
        let base = json!({"message_id":20,"from":{"id":5,"is_bot":false,"first_name":"Ray"},"chat":{"id":5,"first_name":"Ray","type":"private"},"date":1498049744});
        let with = |extra: Value| {
            let mut m = base.clone();
            m.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            let i = message(9, &m).expect("taken in");
            (i.kind, i.text)
        };
        assert_eq!(with(json!({"voice": {"file_id": "v", "file_unique_id": "u", "duration": 4}})), (Some("voice note"), String::new()));
        let photo = json!({"photo": [{"file_id": "p", "file_unique_id": "u", "width": 90, "height": 90}], "caption": "the view from 12B"});
        assert_eq!(with(photo), (Some("photo"), "the view from 12B".into()));
        assert_eq!(with(json!({"document": {"file_id": "d", "file_unique_id": "u", "file_name": "passport.pdf"}})), (Some("document"), "passport.pdf".into()));
        assert_eq!(with(json!({"location": {"latitude": 25.0805, "longitude": 55.1403}})), (Some("location"), "25.080500, 55.140300".into()));
        assert_eq!(with(json!({"contact": {"phone_number": "+971501234567", "first_name": "Omar"}})), (Some("contact"), "Omar +971501234567".into()));
        assert_eq!(with(json!({"sticker": {"file_id": "s", "file_unique_id": "u", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false, "emoji": "👍"}})), (Some("sticker"), "👍".into()));
    }
}
