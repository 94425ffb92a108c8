//! Enquiries: what a portal (Property Finder, Bayut, dubizzle) or a lead sender the agent
//! listed tells about someone who asked about a listing or called — from a notification email
//! ([`parse`], [`layouts`]) or from the portal's API — as one [`Enquiry`], and what Leadbook
//! keeps of each: the enquiries a lead made (`lead_enquiries`), the portals' own lead ids
//! (`portal_leads`, so an enquiry seen by API and by email is one), the senders whose mail is an
//! enquiry ([`senders`]) and the mails that could not be read ([`unparsed`]).
//!
//! Turning an enquiry into a lead (validation, de-duplication, enrolment) is
//! [`crate::workflows::take_enquiry`]'s part; taking a whole mail in is
//! `messaging::email_in::take_mail`'s.

pub mod layouts;
pub mod parse;
pub mod senders;
pub mod unparsed;

use crate::clock::fmt_time;
use crate::error::Result;
use crate::store::rows::{enum_col, opt_enum_col};
pub use crate::model::{EnquiryKind, EnquiryVia, Portal};
use crate::model::Source;
use crate::workspace::Workspace;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One enquiry, however it arrived. Every text is as the portal gave it (trimmed or not): the
/// lead's validation normalises it (phones in any digits to E.164, emails lower-cased).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Enquiry {
    /// The portal it came from; `None` for a lead sender that is no portal (a web form).
    pub portal: Option<Portal>,
    /// A written enquiry, or a call (a call summary, a missed call).
    pub kind: EnquiryKind,
    /// The portal's own id for the lead, when known (always by API; rarely in an email).
    pub portal_lead_id: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub message: Option<String>,
    /// The listing's reference as the agent or the portal numbers it.
    pub listing_reference: Option<String>,
    /// The listing's RERA permit (Trakheesi) number.
    pub permit: Option<String>,
    /// When the enquiry was made (the API's time, or the mail's date).
    pub at: DateTime<Utc>,
    pub via: EnquiryVia,
}

impl Enquiry {
    /// An enquiry with nothing known yet but where it came from and when.
    pub fn new(portal: Option<Portal>, kind: EnquiryKind, via: EnquiryVia, at: DateTime<Utc>) -> Enquiry {
        Enquiry {
            portal,
            kind,
            portal_lead_id: None,
            name: None,
            phone: None,
            email: None,
            message: None,
            listing_reference: None,
            permit: None,
            at,
            via,
        }
    }

    /// Whether it gives a way to reach the person: a phone or an email. One without is no lead.
    pub fn has_contact(&self) -> bool {
        let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        present(&self.phone) || present(&self.email)
    }

    /// The source of a lead made from it.
    pub fn source(&self) -> Source {
        self.portal.map(Portal::source).unwrap_or(Source::Email)
    }

    /// Where it came from, as the agent reads it ("Property Finder", "email").
    pub fn origin(&self) -> &'static str {
        self.portal.map(Portal::label).unwrap_or("email")
    }

    /// Its line on the lead's timeline: "Enquiry from Property Finder: <message>", "Call from
    /// Bayut", "Enquiry by email: <message>".
    pub fn headline(&self) -> String {
        let what = match (self.kind, self.portal) {
            (EnquiryKind::Message, Some(p)) => format!("Enquiry from {}", p.label()),
            (EnquiryKind::Message, None) => "Enquiry by email".to_string(),
            (EnquiryKind::Call, Some(p)) => format!("Call from {}", p.label()),
            (EnquiryKind::Call, None) => "Call".to_string(),
        };
        let mut line = what;
        if let Some(r) = self.listing_reference.as_deref().or(self.permit.as_deref()).filter(|r| !r.trim().is_empty()) {
            line.push_str(&format!(" (listing {})", r.trim()));
        }
        match self.message.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => format!("{line}: {m}"),
            None => line,
        }
    }
}

/// The lead a portal's lead id was taken into before, if any.
pub fn portal_lead(conn: &Connection, ws: &Workspace, portal: Portal, portal_lead_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT lead_id FROM portal_leads WHERE workspace_id = ?1 AND portal = ?2 AND portal_lead_id = ?3")?
        .query_row(params![ws.id, portal, portal_lead_id.trim()], |r| r.get(0))
        .optional()?)
}

/// Remembers that the portal's lead id `portal_lead_id` is lead `lead_id` (the first answer
/// stands).
pub fn remember_portal_lead(conn: &Connection, ws: &Workspace, portal: Portal, portal_lead_id: &str, lead_id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO portal_leads (workspace_id, portal, portal_lead_id, lead_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![ws.id, portal, portal_lead_id.trim(), lead_id, fmt_time(now)])?;
    Ok(())
}

/// How close in time the same enquiry seen by API and by email can be (the mail may be late).
pub const SAME_ENQUIRY_WITHIN: Duration = Duration::hours(2);

/// Whether lead `lead_id` already has this enquiry by the other way (the same portal and kind,
/// one by API and one by email, within [`SAME_ENQUIRY_WITHIN`], and the same message when both
/// have one): the email of an enquiry the API gave already, or the other way round.
pub fn seen_other_way(conn: &Connection, ws: &Workspace, lead_id: i64, e: &Enquiry) -> Result<bool> {
    let Some(portal) = e.portal else { return Ok(false) };
    let rows: Vec<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT at, message FROM lead_enquiries WHERE workspace_id = ?1 AND lead_id = ?2 AND portal = ?3 AND kind = ?4 AND via <> ?5",
        )?
        .query_map(params![ws.id, lead_id, portal, e.kind, e.via], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    Ok(rows.iter().any(|(at, message)| {
        let close = crate::clock::parse_time(at).is_some_and(|t| (t - e.at).abs() <= SAME_ENQUIRY_WITHIN);
        let same_words = match (message.as_deref(), e.message.as_deref()) {
            (Some(a), Some(b)) => squash(a) == squash(b),
            _ => true,
        };
        close && same_words
    }))
}

/// Records that lead `lead_id` made enquiry `e` (about listing `property_id`, when it names
/// one of the workspace's), received `now`.
pub fn record(conn: &Connection, ws: &Workspace, lead_id: i64, e: &Enquiry, property_id: Option<i64>, now: DateTime<Utc>) -> Result<()> {
    let t = |s: &Option<String>| crate::model::normalize::text(s.as_deref());
    conn.prepare_cached(
        "INSERT INTO lead_enquiries (workspace_id, lead_id, portal, kind, via, portal_lead_id, message, listing_reference, permit,
             property_id, at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        ws.id, lead_id, e.portal, e.kind, e.via, t(&e.portal_lead_id),
        crate::model::normalize::multiline(e.message.as_deref()), t(&e.listing_reference), t(&e.permit),
        property_id, fmt_time(e.at), fmt_time(now),
    ])?;
    if let (Some(p), Some(id)) = (e.portal, t(&e.portal_lead_id)) {
        remember_portal_lead(conn, ws, p, &id, lead_id, now)?;
    }
    Ok(())
}

/// An enquiry as kept on a lead.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "LeadEnquiry")]
pub struct Recorded {
    pub id: i64,
    pub lead_id: i64,
    pub portal: Option<Portal>,
    pub kind: EnquiryKind,
    pub via: EnquiryVia,
    pub portal_lead_id: Option<String>,
    pub message: Option<String>,
    pub listing_reference: Option<String>,
    pub permit: Option<String>,
    /// The workspace's listing it named, if one matched.
    pub property_id: Option<i64>,
    pub at: String,
    pub received_at: String,
}

/// The enquiries lead `lead_id` made, oldest first.
pub fn of_lead(conn: &Connection, ws: &Workspace, lead_id: i64) -> Result<Vec<Recorded>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, lead_id, portal, kind, via, portal_lead_id, message, listing_reference, permit, property_id, at, received_at
             FROM lead_enquiries WHERE workspace_id = ?1 AND lead_id = ?2 ORDER BY at, id",
        )?
        .query_map(params![ws.id, lead_id], |r| {
            Ok(Recorded {
                id: r.get(0)?,
                lead_id: r.get(1)?,
                portal: opt_enum_col(r, 2, Portal::parse)?,
                kind: enum_col(r, 3, EnquiryKind::parse)?,
                via: enum_col(r, 4, EnquiryVia::parse)?,
                portal_lead_id: r.get(5)?,
                message: r.get(6)?,
                listing_reference: r.get(7)?,
                permit: r.get(8)?,
                property_id: r.get(9)?,
                at: r.get(10)?,
                received_at: r.get(11)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Moves lead `from`'s enquiries and portal ids to lead `to` (a merge, before `from` is gone).
pub fn move_to_lead(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    conn.prepare_cached("UPDATE lead_enquiries SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, from, to])?;
    conn.prepare_cached("UPDATE portal_leads SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, from, to])?;
    conn.prepare_cached("UPDATE unparsed_mail SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, from, to])?;
    Ok(())
}
