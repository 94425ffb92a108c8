//! The portals' lead APIs (PROVIDERS.md "Property Finder Enterprise API" and "Bayut / dubizzle
//! Profolio leads API"): async `reqwest` clients with a configurable base URL that read the
//! leads a portal received for the agent, one page at a time, into [`PortalLead`]s. Like the
//! messaging clients they never touch the database (`messaging::portals` does) and no error
//! text carries a key, a token or a request URL.

pub mod bayut;
pub mod propertyfinder;

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::time::Duration;

pub use crate::model::{EnquiryKind as LeadKind, Portal};

/// One lead as a portal's API gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalLead {
    pub portal: Portal,
    /// The portal's own id for the lead: an enquiry seen both here and by email is one lead.
    pub portal_lead_id: String,
    pub kind: LeadKind,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The WhatsApp number (or username) the lead wrote from, when the portal says.
    pub whatsapp: Option<String>,
    pub message: Option<String>,
    /// The agent's own reference of the listing asked about.
    pub listing_reference: Option<String>,
    /// When the portal received it.
    pub at: DateTime<Utc>,
}

/// What asking for one page of leads came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// The page's leads (oldest first) and whether another page follows.
    Page { leads: Vec<PortalLead>, more: bool },
    /// The portal said "not now" (429): stop this round, keep the cursor, ask again no sooner
    /// than `retry_after`.
    RateLimited { retry_after: Duration },
    /// The portal refused the key (401/403, an expired key's login page): the agent must act.
    /// `reason` is a plain sentence for Settings.
    Attention { reason: String },
}

/// How long to wait after a 429: the portal's `Retry-After` (seconds) if it sent one, else a
/// minute, plus up to a quarter more of jitter so several books do not come back together.
pub fn back_off(retry_after: Option<&str>) -> Duration {
    let base = retry_after.and_then(|v| v.trim().parse::<u64>().ok()).map(|s| s.clamp(1, 3600)).unwrap_or(60);
    let mut b = [0u8; 2];
    let jitter = match getrandom::fill(&mut b) {
        Ok(()) => u64::from(u16::from_le_bytes(b)) * base * 250 / u64::from(u16::MAX),
        Err(_) => 0,
    };
    Duration::from_millis(base * 1000 + jitter)
}

/// The `Retry-After` header's text, if any.
pub(crate) fn retry_after(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// A body read as text (never with the URL on failure).
pub(crate) async fn text_body(resp: reqwest::Response) -> Result<String> {
    let bytes = resp.bytes().await.map_err(super::transport_error)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether an answer that should be JSON is a web page (an expired key's login page).
pub(crate) fn looks_like_html(content_type: &str, body: &str) -> bool {
    let start = body.trim_start().get(..15).unwrap_or(body.trim_start()).to_ascii_lowercase();
    content_type.to_ascii_lowercase().contains("html") || start.starts_with("<!doctype") || start.starts_with("<html")
}

/// A text field of a JSON object, trimmed, `None` when absent or empty.
pub(crate) fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A portal answered something Leadbook cannot read as leads.
pub(crate) fn unreadable(portal: Portal, status: reqwest::StatusCode) -> Error {
    Error::Provider(format!("{} answered HTTP {status} with a body Leadbook does not understand", portal.label()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_back_off_honours_retry_after_with_at_most_a_quarter_of_jitter() {
        for _ in 0..20 {
            let d = back_off(Some("7"));
            assert!(d >= Duration::from_secs(7) && d <= Duration::from_millis(8750), "{d:?}");
        }
        assert!(back_off(None) >= Duration::from_secs(60));
        assert!(back_off(Some("soon")) >= Duration::from_secs(60));
    }

    #[test]
    fn a_login_page_is_told_from_json() {
        assert!(looks_like_html("text/html; charset=utf-8", "<html>"));
        assert!(looks_like_html("application/json", "  <!DOCTYPE html><html>"));
        assert!(!looks_like_html("application/json", "[]"));
    }
}
