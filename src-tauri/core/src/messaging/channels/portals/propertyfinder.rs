//! Property Finder's Enterprise API ("Atlas"): `POST {base}/v1/auth/token` with the key and
//! secret gives a bearer token for 30 minutes (no refresh: ask again), kept here and asked for
//! again a minute before it runs out; `GET {base}/v1/leads` pages through the leads from a
//! `createdAt` on, oldest first, 50 a page, until `pagination.nextPage` is absent.
//!
//! Errors come in two bodies: the legacy `{detail, title, type}` and, because we ask with
//! `X-PF-Error-Format: problem-json-v2`, `application/problem+json` `{type, code, title,
//! detail, status, errors[]}`; both are read.

use super::{back_off, looks_like_html, retry_after, text, text_body, unreadable, Fetched, LeadKind, Portal, PortalLead};
use crate::error::{Error, Result};
use crate::messaging::channels::{transport_error, Identity};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const DEFAULT_BASE: &str = "https://atlas.propertyfinder.com";
/// The most leads a page holds (Property Finder allows 1–50).
pub const PER_PAGE: u32 = 50;
/// How far back `createdAtFrom` may go: Property Finder takes at most three months; 88 days
/// stays inside the shortest three months (89 days) with a day to spare for clocks apart.
pub const MAX_BACK: chrono::Duration = chrono::Duration::days(88);
/// A token is asked for again this long before Property Finder said it runs out.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

const ERROR_FORMAT: (&str, &str) = ("X-PF-Error-Format", "problem-json-v2");

#[derive(Clone)]
pub struct PropertyFinder {
    http: reqwest::Client,
    base: String,
    key: String,
    secret: String,
    /// The bearer token and when to stop using it; shared by the clones of one client.
    token: Arc<Mutex<Option<(String, Instant)>>>,
}

/// What asking for a token came to.
enum Token {
    Got(String),
    Refused(Fetched),
}

impl PropertyFinder {
    pub fn new(http: reqwest::Client, base: &str, api_key: &str, api_secret: &str) -> PropertyFinder {
        PropertyFinder {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: api_key.to_string(),
            secret: api_secret.to_string(),
            token: Arc::new(Mutex::new(None)),
        }
    }

    /// The earliest `createdAtFrom` Property Finder takes at `now`.
    pub fn earliest(now: DateTime<Utc>) -> DateTime<Utc> {
        now - MAX_BACK
    }

    fn cached(&self) -> Option<String> {
        let guard = self.token.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }

    fn forget_token(&self) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The cached token, or a new one from the token endpoint.
    async fn token(&self) -> Result<Token> {
        if let Some(t) = self.cached() {
            return Ok(Token::Got(t));
        }
        let resp = self
            .http
            .post(format!("{}/v1/auth/token", self.base))
            .header(ERROR_FORMAT.0, ERROR_FORMAT.1)
            .json(&json!({"apiKey": self.key, "apiSecret": self.secret}))
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Ok(Token::Refused(Fetched::RateLimited { retry_after: back_off(retry_after(&resp).as_deref()) }));
        }
        let body: Value = serde_json::from_str(&text_body(resp).await?).unwrap_or(Value::Null);
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN || status == StatusCode::BAD_REQUEST {
            return Ok(Token::Refused(Fetched::Attention {
                reason: format!("Property Finder did not accept the API key and secret ({}). Make a new key in PF Expert → Developer Resources and save it here.", describe(status, &body)),
            }));
        }
        if !status.is_success() {
            return Err(Error::Provider(format!("Property Finder: {}", describe(status, &body))));
        }
        let Some(token) = text(&body["accessToken"]) else { return Err(unreadable(Portal::PropertyFinder, status)) };
        let lifetime = Duration::from_secs(body["expiresIn"].as_u64().unwrap_or(1800));
        let until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN);
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some((token.clone(), until));
        Ok(Token::Got(token))
    }

    /// "Test connection": a token, then one lead, so a key without the scope `leads:read` shows.
    pub async fn identity(&self, now: DateTime<Utc>) -> Result<Identity> {
        self.forget_token();
        Ok(match self.fetch(Self::earliest(now), 1, 1).await? {
            Fetched::Page { .. } => Identity { ok: true, identity: Some("Property Finder: the key reads leads".into()), message: None },
            Fetched::Attention { reason } => Identity { ok: false, identity: None, message: Some(reason) },
            Fetched::RateLimited { .. } => {
                return Err(Error::Provider("Property Finder is limiting requests just now (HTTP 429); try again in a minute".into()))
            }
        })
    }

    /// Page `page` (from 1) of the leads created from `from` on, oldest first.
    pub async fn page(&self, from: DateTime<Utc>, page: u32) -> Result<Fetched> {
        self.fetch(from, page, PER_PAGE).await
    }

    async fn fetch(&self, from: DateTime<Utc>, page: u32, per_page: u32) -> Result<Fetched> {
        // A token Property Finder stopped taking early (revoked, rotated) is asked for once more.
        for attempt in 0..2 {
            let token = match self.token().await? {
                Token::Got(t) => t,
                Token::Refused(f) => return Ok(f),
            };
            let query = [
                ("page", page.max(1).to_string()),
                ("perPage", per_page.to_string()),
                ("orderBy", "createdAt".into()),
                ("orderDirection", "asc".into()),
                ("createdAtFrom", from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ];
            let resp = self
                .http
                .get(format!("{}/v1/leads", self.base))
                .bearer_auth(&token)
                .header(ERROR_FORMAT.0, ERROR_FORMAT.1)
                .query(&query)
                .send()
                .await
                .map_err(transport_error)?;
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Ok(Fetched::RateLimited { retry_after: back_off(retry_after(&resp).as_deref()) });
            }
            let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let raw = text_body(resp).await?;
            if looks_like_html(&content_type, &raw) {
                return Err(unreadable(Portal::PropertyFinder, status));
            }
            let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                self.forget_token();
                continue;
            }
            if status == StatusCode::UNAUTHORIZED {
                return Ok(Fetched::Attention {
                    reason: format!("Property Finder did not accept the key's token ({}). Save the key and secret again.", describe(status, &body)),
                });
            }
            if status == StatusCode::FORBIDDEN {
                return Ok(Fetched::Attention {
                    reason: "Property Finder's key may not read leads: give it the scope leads:read in PF Expert → Developer Resources, then test again.".into(),
                });
            }
            if !status.is_success() {
                return Err(Error::Provider(format!("Property Finder: {}", describe(status, &body))));
            }
            let Some(data) = body["data"].as_array() else { return Err(unreadable(Portal::PropertyFinder, status)) };
            let mut leads: Vec<PortalLead> = data.iter().filter_map(lead).collect();
            leads.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.portal_lead_id.cmp(&b.portal_lead_id)));
            let more = !body["pagination"]["nextPage"].is_null() && !data.is_empty();
            return Ok(Fetched::Page { leads, more });
        }
        unreachable!("the loop returns on its second attempt")
    }
}

/// One lead of `GET /v1/leads`; `None` without an id or a creation time.
fn lead(v: &Value) -> Option<PortalLead> {
    let id = text(&v["id"])?;
    let at = DateTime::parse_from_rfc3339(v["createdAt"].as_str()?).ok()?.with_timezone(&Utc);
    let mut out = PortalLead {
        portal: Portal::PropertyFinder,
        portal_lead_id: id,
        kind: if v["channel"].as_str() == Some("call") { LeadKind::Call } else { LeadKind::Message },
        name: text(&v["sender"]["name"]),
        phone: None,
        email: None,
        whatsapp: None,
        message: text(&v["message"]),
        listing_reference: text(&v["listing"]["reference"]),
        at,
    };
    for c in v["sender"]["contacts"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let value = text(&c["value"]);
        match c["type"].as_str() {
            Some("phone") if out.phone.is_none() => out.phone = value,
            Some("email") if out.email.is_none() => out.email = value,
            Some("whatsappUsername") if out.whatsapp.is_none() => out.whatsapp = value,
            _ => {}
        }
    }
    Some(out)
}

/// An error body in words: the problem+json v2 `{title, detail, errors[]}` or the legacy
/// `{detail, title, type}`; the status alone when neither.
fn describe(status: StatusCode, body: &Value) -> String {
    let title = text(&body["title"]);
    let detail = text(&body["detail"]);
    let mut out = match (title, detail) {
        (Some(t), Some(d)) if t != d => format!("{t}: {d}"),
        (Some(t), _) => t,
        (None, Some(d)) => d,
        (None, None) => format!("HTTP {}", status.as_u16()),
    };
    let errors: Vec<String> = body["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let what = text(&e["detail"]).or_else(|| text(&e["message"]))?;
            Some(match text(&e["field"]).or_else(|| text(&e["pointer"])) {
                Some(f) => format!("{f}: {what}"),
                None => what,
            })
        })
        .collect();
    if !errors.is_empty() {
        out.push_str(&format!(" ({})", errors.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_reads_its_sender_contacts_listing_and_channel() {
        let v = json!({"id": "l-1", "createdAt": "2026-03-02T08:15:00+04:00", "channel": "call", "status": "delivered",
            "listing": {"id": "9", "reference": "AP-101"},
            "sender": {"name": "Sara Al Marri", "contacts": [
                {"type": "phone", "value": "+971501234567"}, {"type": "email", "value": "sara@example.ae"},
                {"type": "whatsappUsername", "value": "+971501234567"}]}});
        let l = lead(&v).unwrap();
        assert_eq!((l.portal_lead_id.as_str(), l.kind, l.name.as_deref()), ("l-1", LeadKind::Call, Some("Sara Al Marri")));
        assert_eq!((l.phone.as_deref(), l.email.as_deref(), l.listing_reference.as_deref()), (Some("+971501234567"), Some("sara@example.ae"), Some("AP-101")));
        assert_eq!(crate::clock::fmt_time(l.at), "2026-03-02T04:15:00Z");
        assert_eq!(lead(&json!({"id": 5, "channel": "email"})), None, "no creation time");
    }

    #[test]
    fn both_error_formats_read_as_words() {
        let legacy = json!({"detail": "Invalid credentials", "title": "Unauthorized", "type": "AUTHENTICATION"});
        assert_eq!(describe(StatusCode::UNAUTHORIZED, &legacy), "Unauthorized: Invalid credentials");
        let v2 = json!({"type": "https://atlas.propertyfinder.com/errors/validation", "code": "VALIDATION_ERROR", "title": "Validation failed",
            "detail": "The request is invalid", "status": 422, "errors": [{"field": "perPage", "message": "must be between 1 and 50"}]});
        assert_eq!(describe(StatusCode::UNPROCESSABLE_ENTITY, &v2), "Validation failed: The request is invalid (perPage: must be between 1 and 50)");
        assert_eq!(describe(StatusCode::BAD_GATEWAY, &Value::Null), "HTTP 502");
    }
}
