//! Bayut's and dubizzle's Profolio leads API, one client for both (each with its own base):
//! `GET {base}/v1/leads` with the Profolio token as a bearer, `is_lead=1`, `created_from`
//! (`YYYY-MM-DD`, a Dubai date), `per_page` 100 and `page` until `meta.total` is passed. Its
//! `date_time` is Dubai time without a zone.
//!
//! The older `GET {legacy}/api-v7/stats/website-client-leads` (`is_trulead=1`, `timestamp`
//! `YYYY-MM-DD HH:MM:SS` Dubai time) answers a bare array with no paging; it is used when v1
//! answers 404 or 410, or when the agent's setting asks for it. An expired key may answer
//! either with the portal's HTML login page: that is a refused key, never data.

use super::{back_off, looks_like_html, retry_after, text, text_body, unreadable, Fetched, LeadKind, Portal, PortalLead};
use crate::error::{Error, Result};
use crate::messaging::channels::{transport_error, Identity};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Dubai;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub const BAYUT_BASE: &str = "https://api.bayut.com";
pub const BAYUT_LEGACY_BASE: &str = "https://www.bayut.com";
/// dubizzle's leads are in the same Profolio; its v1 is reached on Bayut's API host (a guess:
/// PROVIDERS.md documents only that host), its older endpoint on its own site.
pub const DUBIZZLE_BASE: &str = "https://api.bayut.com";
pub const DUBIZZLE_LEGACY_BASE: &str = "https://dubizzle.com/profolio";
/// The most leads a v1 page holds.
pub const PER_PAGE: u32 = 100;

#[derive(Clone)]
pub struct Bayut {
    http: reqwest::Client,
    portal: Portal,
    base: String,
    legacy_base: String,
    token: String,
    /// The older endpoint only: set by the agent, or once v1 answered 404/410.
    legacy: Arc<AtomicBool>,
}

/// The Dubai wall-clock time of an instant.
pub fn dubai_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&Dubai).naive_local()
}

/// A Dubai wall-clock time (`2025-09-02 13:02:23`) as an instant.
pub fn from_dubai(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    // Dubai keeps no summer time: every wall-clock time is one instant.
    Dubai.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

impl Bayut {
    pub fn new(http: reqwest::Client, portal: Portal, base: &str, legacy_base: &str, token: &str, legacy: bool) -> Bayut {
        Bayut {
            http,
            portal,
            base: base.trim_end_matches('/').to_string(),
            legacy_base: legacy_base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            legacy: Arc::new(AtomicBool::new(legacy)),
        }
    }

    /// Whether it reads the older endpoint (set, or fallen back to).
    pub fn uses_legacy(&self) -> bool {
        self.legacy.load(Ordering::Relaxed)
    }

    /// "Test connection": one page of today's leads.
    pub async fn identity(&self, now: DateTime<Utc>) -> Result<Identity> {
        let day_start = dubai_time(now).date().and_hms_opt(0, 0, 0).unwrap_or_default();
        Ok(match self.page(day_start, 1).await? {
            Fetched::Page { .. } => {
                let which = if self.uses_legacy() { "the older api-v7 endpoint" } else { "the leads API" };
                Identity { ok: true, identity: Some(format!("{}: the token reads leads ({which})", self.portal.label())), message: None }
            }
            Fetched::Attention { reason } => Identity { ok: false, identity: None, message: Some(reason) },
            Fetched::RateLimited { .. } => return Err(Error::Provider(format!("{} is limiting requests just now (HTTP 429); try again in a minute", self.portal.label()))),
        })
    }

    /// Page `page` (from 1) of the leads from `from` (Dubai time) on: v1 by its day, the older
    /// endpoint by the time itself, all in one page.
    pub async fn page(&self, from: NaiveDateTime, page: u32) -> Result<Fetched> {
        if !self.uses_legacy() {
            match self.v1(from, page).await? {
                V1::Fetched(f) => return Ok(f),
                V1::Gone => self.legacy.store(true, Ordering::Relaxed),
            }
        }
        self.older(from).await
    }

    async fn get(&self, url: String, query: &[(&str, String)]) -> Result<Answer> {
        let resp = self.http.get(url).bearer_auth(&self.token).query(query).send().await.map_err(transport_error)?;
        let status = resp.status();
        let retry = retry_after(&resp);
        let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let raw = text_body(resp).await?;
        Ok(Answer { status, retry, html: looks_like_html(&content_type, &raw), body: serde_json::from_str(&raw).unwrap_or(Value::Null) })
    }

    /// What every answer can mean beyond leads: a login page or 401/403 (a refused key), 429.
    fn refused(&self, a: &Answer) -> Option<Fetched> {
        let title = self.portal.label();
        if a.html || a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::FORBIDDEN {
            let why = if a.html { "answered with its login page".to_string() } else { format!("refused it (HTTP {})", a.status.as_u16()) };
            return Some(Fetched::Attention {
                reason: format!("{title} did not accept the Profolio token: it has expired or was revoked ({title} {why}). Make a new one in Profolio and save it here."),
            });
        }
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            return Some(Fetched::RateLimited { retry_after: back_off(a.retry.as_deref()) });
        }
        None
    }

    async fn v1(&self, from: NaiveDateTime, page: u32) -> Result<V1> {
        let query = [
            ("is_lead", "1".to_string()),
            ("created_from", from.format("%Y-%m-%d").to_string()),
            ("per_page", PER_PAGE.to_string()),
            ("page", page.max(1).to_string()),
        ];
        let a = self.get(format!("{}/v1/leads", self.base), &query).await?;
        if let Some(f) = self.refused(&a) {
            return Ok(V1::Fetched(f));
        }
        if a.status == StatusCode::NOT_FOUND || a.status == StatusCode::GONE {
            return Ok(V1::Gone);
        }
        if a.status == StatusCode::UNPROCESSABLE_ENTITY {
            return Err(Error::Provider(format!("{} refused the dates asked for: {}", self.portal.label(), message(&a.body))));
        }
        if !a.status.is_success() {
            return Err(Error::Provider(format!("{}: HTTP {} {}", self.portal.label(), a.status.as_u16(), message(&a.body))));
        }
        let Some(data) = a.body["data"].as_array() else { return Err(unreadable(self.portal, a.status)) };
        let mut leads: Vec<PortalLead> = data.iter().filter_map(|v| self.v1_lead(v)).collect();
        leads.sort_by(|x, y| x.at.cmp(&y.at).then_with(|| x.portal_lead_id.cmp(&y.portal_lead_id)));
        let meta = &a.body["meta"];
        let total = meta["total"].as_u64().unwrap_or(0);
        let current = meta["current_page"].as_u64().unwrap_or(u64::from(page.max(1)));
        let to = meta["to"].as_u64().unwrap_or(current * u64::from(PER_PAGE));
        Ok(V1::Fetched(Fetched::Page { leads, more: !data.is_empty() && to < total }))
    }

    fn v1_lead(&self, v: &Value) -> Option<PortalLead> {
        let lead = &v["lead"];
        let who = &v["inquirer_details"];
        let listing = &v["listing_details"];
        let channel = lead["channel"].as_str().unwrap_or("");
        Some(PortalLead {
            portal: self.portal,
            portal_lead_id: text(&lead["id"])?,
            kind: if matches!(channel, "call" | "phone" | "call_logs") { LeadKind::Call } else { LeadKind::Message },
            name: text(&who["name"]),
            phone: text(&who["phone"]).or_else(|| text(&who["cell"])).or_else(|| text(&who["mobile"])),
            email: text(&who["email"]),
            whatsapp: if channel == "whatsapp" { text(&who["phone"]).or_else(|| text(&who["cell"])) } else { None },
            message: text(&who["message"]).or_else(|| text(&v["message"])),
            listing_reference: text(&listing["reference"]).or_else(|| text(&listing["listing_reference"])),
            at: from_dubai(lead["date_time"].as_str()?)?,
        })
    }

    async fn older(&self, from: NaiveDateTime) -> Result<Fetched> {
        let query = [("is_trulead", "1".to_string()), ("timestamp", from.format("%Y-%m-%d %H:%M:%S").to_string())];
        let a = self.get(format!("{}/api-v7/stats/website-client-leads", self.legacy_base), &query).await?;
        if let Some(f) = self.refused(&a) {
            return Ok(f);
        }
        if !a.status.is_success() {
            return Err(Error::Provider(format!("{} (api-v7): HTTP {} {}", self.portal.label(), a.status.as_u16(), message(&a.body))));
        }
        let Some(rows) = a.body.as_array() else { return Err(unreadable(self.portal, a.status)) };
        let mut seen = HashSet::new();
        let mut leads: Vec<PortalLead> = rows
            .iter()
            .filter_map(|v| {
                let who = &v["inquirer_details"];
                Some(PortalLead {
                    portal: self.portal,
                    portal_lead_id: text(&v["lead_id"])?,
                    kind: LeadKind::Message,
                    name: text(&who["name"]),
                    phone: text(&who["cell"]).or_else(|| text(&who["phone"])),
                    email: text(&who["email"]),
                    whatsapp: None,
                    message: text(&who["message"]),
                    listing_reference: text(&v["listing_details"]["listing_reference"]),
                    at: from_dubai(v["date_time"].as_str()?)?,
                })
            })
            // No paging here, and the same lead may come twice: once each.
            .filter(|l| seen.insert(l.portal_lead_id.clone()))
            .collect();
        leads.sort_by(|x, y| x.at.cmp(&y.at).then_with(|| x.portal_lead_id.cmp(&y.portal_lead_id)));
        Ok(Fetched::Page { leads, more: false })
    }
}

struct Answer {
    status: StatusCode,
    retry: Option<String>,
    html: bool,
    body: Value,
}

enum V1 {
    Fetched(Fetched),
    /// 404/410: this account has no v1; the older endpoint is asked instead.
    Gone,
}

/// An error body's words (`message`, or Laravel's `errors` of a 422).
fn message(body: &Value) -> String {
    let mut out = text(&body["message"]).unwrap_or_default();
    if let Some(errors) = body["errors"].as_object() {
        let all: Vec<String> = errors
            .iter()
            .map(|(field, v)| format!("{field}: {}", v.as_array().and_then(|a| a.first()).and_then(|m| m.as_str()).unwrap_or("invalid")))
            .collect();
        if !all.is_empty() {
            out = format!("{out} ({})", all.join("; ")).trim().to_string();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dubai_time_without_a_zone_is_four_hours_ahead_of_utc() {
        assert_eq!(crate::clock::fmt_time(from_dubai("2025-09-02 13:02:23").unwrap()), "2025-09-02T09:02:23Z");
        assert_eq!(from_dubai("02/09/2025"), None);
        let at = DateTime::parse_from_rfc3339("2025-09-02T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(dubai_time(at).format("%Y-%m-%d").to_string(), "2025-09-03", "after 20:00 UTC it is tomorrow in Dubai");
    }

    #[test]
    fn a_v1_lead_reads_the_inquirer_and_the_listing() {
        let b = Bayut::new(reqwest::Client::new(), Portal::Dubizzle, "http://x", "http://x", "t", false);
        let v = json!({"lead": {"id": "sms|7c9e", "source": "bayut", "target": "listing", "channel": "call", "date_time": "2025-09-02 13:02:23"},
            "inquirer_details": {"name": "Omid", "phone": "+971501112233", "email": null},
            "listing_details": {"reference": "BY-7"}});
        let l = b.v1_lead(&v).unwrap();
        assert_eq!((l.portal, l.kind, l.portal_lead_id.as_str()), (Portal::Dubizzle, LeadKind::Call, "sms|7c9e"));
        assert_eq!((l.name.as_deref(), l.phone.as_deref(), l.email, l.listing_reference.as_deref()), (Some("Omid"), Some("+971501112233"), None, Some("BY-7")));
        assert_eq!(message(&json!({"message": "The given data was invalid.", "errors": {"created_from": ["The created from is not a valid date."]}})),
            "The given data was invalid. (created_from: The created from is not a valid date.)");
    }
}
