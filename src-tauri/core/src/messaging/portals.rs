//! The portals' lead APIs per workspace (SPEC §12 "Portal APIs"): their settings (table
//! `portals`, secrets in the [`SecretStore`]), "Test connection", and polling them — each page
//! of leads taken in as enquiries (through [`crate::workflows::take_enquiry`], which validates,
//! de-duplicates by phone, email and the portal's lead id, links the listing and writes the
//! timeline) in one transaction with the cursor that page moved.
//!
//! Property Finder's cursor is the last `createdAt` seen (RFC 3339, never more than three
//! months back); Bayut's and dubizzle's the Dubai wall-clock time of the last lead seen (v1
//! asks from its day, the older endpoint from the time). Asking from the last lead seen reads
//! it again: the portal's lead id makes that a repeat, not a second lead.

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::messaging::channels::config::{book_id, checked_base_url, secret_stays_with_host};
use crate::messaging::channels::portals::bayut::{self, Bayut};
use crate::messaging::channels::portals::propertyfinder::{self, PropertyFinder};
use crate::messaging::channels::portals::{Fetched, Portal, PortalLead};
use crate::messaging::channels::Identity;
use crate::secrets::SecretStore;
use crate::store::Store;
use crate::workspace::Workspace;
use crate::enquiries::Enquiry;
use crate::model::EnquiryVia;
use crate::workflows::EnquiryTaken;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Instant;
use ts_rs::TS;

/// How far back a portal is read the first time (Property Finder's bound permitting).
pub const FIRST_POLL_BACK: Duration = Duration::days(7);
/// A safety stop on one round's pages (50–100 leads each).
pub const MAX_PAGES: u32 = 200;

/// A portal's settings as typed (no secret).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    /// The API's address (tests, a proxy); the portal's own when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Bayut/dubizzle: read only the older `api-v7` endpoint.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(optional, as = "Option<bool>")]
    pub legacy: bool,
}

/// The secrets a portal needs, as given (each optional on a later save: the stored one stays).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
pub struct PortalSecrets {
    /// Property Finder's API key.
    #[serde(default)]
    pub api_key: Option<String>,
    /// Property Finder's API secret.
    #[serde(default)]
    pub api_secret: Option<String>,
    /// Bayut's or dubizzle's Profolio token.
    #[serde(default)]
    pub token: Option<String>,
}

/// A portal as Settings shows it: never its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PortalInfo {
    pub portal: Portal,
    /// `unconfigured`, `untested`, `ok` or `needs_attention`.
    #[ts(type = "\"unconfigured\" | \"untested\" | \"ok\" | \"needs_attention\"")]
    pub state: String,
    pub detail: Option<String>,
    pub settings: Option<PortalSettings>,
    pub has_secret: bool,
    pub checked_at: Option<String>,
    /// Where the next poll starts (the last lead seen), if any was.
    pub cursor: Option<String>,
}

struct Row {
    settings: PortalSettings,
    state: String,
    detail: Option<String>,
    cursor: Option<String>,
    checked_at: Option<String>,
}

fn row(conn: &Connection, ws: &Workspace, portal: Portal) -> Result<Option<Row>> {
    conn.prepare_cached("SELECT settings, state, detail, cursor, checked_at FROM portals WHERE workspace_id = ?1 AND portal = ?2")?
        .query_row(params![ws.id, portal], |r| {
            let s: String = r.get(0)?;
            Ok(Row {
                settings: serde_json::from_str(&s).map_err(|e| crate::store::rows::bad_column(0, e))?,
                state: r.get(1)?,
                detail: r.get(2)?,
                cursor: r.get(3)?,
                checked_at: r.get(4)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// A portal's stored settings, if it has any.
pub fn settings(conn: &Connection, ws: &Workspace, portal: Portal) -> Result<Option<PortalSettings>> {
    Ok(row(conn, ws, portal)?.map(|r| r.settings))
}

/// The names of a portal's secrets in the store: Property Finder's key and secret, else the token.
fn secret_names(book: &str, ws: &Workspace, portal: Portal) -> Vec<(&'static str, String)> {
    let base = format!("{book}/{}/portal/{portal}", ws.id);
    match portal {
        Portal::PropertyFinder => vec![("api_key", format!("{base}/key")), ("api_secret", format!("{base}/secret"))],
        Portal::Bayut | Portal::Dubizzle => vec![("token", format!("{base}/token"))],
    }
}

fn given<'a>(secrets: &'a PortalSecrets, field: &str) -> Option<&'a str> {
    let v = match field {
        "api_key" => &secrets.api_key,
        "api_secret" => &secrets.api_secret,
        _ => &secrets.token,
    };
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn default_base(portal: Portal) -> &'static str {
    match portal {
        Portal::PropertyFinder => propertyfinder::DEFAULT_BASE,
        Portal::Bayut => bayut::BAYUT_BASE,
        Portal::Dubizzle => bayut::DUBIZZLE_BASE,
    }
}

fn words(field: &str) -> &'static str {
    match field {
        "api_key" => "the API key",
        "api_secret" => "the API secret",
        _ => "the Profolio token",
    }
}

/// Saves a portal's settings (checked) and the secrets given; a portal's first save needs all
/// of its secrets, and a stored secret is never sent to a new host until given again.
pub fn set(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, portal: Portal, settings: &PortalSettings, given_secrets: &PortalSecrets, now: DateTime<Utc>) -> Result<PortalInfo> {
    ws.refuse_if_sample()?;
    let mut clean = PortalSettings { base_url: None, legacy: settings.legacy };
    if let Some(url) = settings.base_url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        clean.base_url = Some(checked_base_url(Some(url), default_base(portal), "base_url")?);
    }
    if portal == Portal::PropertyFinder && clean.legacy {
        return Err(Error::validation("legacy", "Property Finder has no older endpoint; --legacy is for bayut and dubizzle"));
    }
    let book = book_id(conn)?;
    let names = secret_names(&book, ws, portal);
    let stored_before = row(conn, ws, portal)?;
    let before = stored_before.as_ref().map(|r| r.settings.base_url.clone().unwrap_or_else(|| default_base(portal).to_string()));
    let after = clean.base_url.clone().unwrap_or_else(|| default_base(portal).to_string());
    for (field, name) in &names {
        match given(given_secrets, field) {
            Some(v) if v.len() > 4096 || v.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                return Err(Error::validation(field, format!("{} is one line of printable characters without spaces", words(field))));
            }
            Some(_) => {}
            None if secrets.get(name)?.is_none() => return Err(Error::validation(field, format!("{} is required", words(field)))),
            None => secret_stays_with_host(before.as_deref(), &after, false, true, field, words(field))?,
        }
    }
    let json = serde_json::to_string(&clean).map_err(|e| Error::internal_from(e.to_string(), e))?;
    // New settings or keys are untested: "ok" only once the portal answered.
    conn.prepare_cached(
        "INSERT INTO portals (workspace_id, portal, settings, state, detail, updated_at) VALUES (?1, ?2, ?3, 'untested', NULL, ?4)
         ON CONFLICT (workspace_id, portal) DO UPDATE SET settings = excluded.settings, state = 'untested', detail = NULL,
            checked_at = NULL, updated_at = excluded.updated_at",
    )?
    .execute(params![ws.id, portal, json, fmt_time(now)])?;
    for (field, name) in &names {
        if let Some(v) = given(given_secrets, field) {
            secrets.set(name, v)?;
        }
    }
    info(conn, ws, secrets, portal)
}

/// Forgets a portal's settings, cursor and secrets.
pub fn remove(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, portal: Portal) -> Result<PortalInfo> {
    conn.execute("DELETE FROM portals WHERE workspace_id = ?1 AND portal = ?2", params![ws.id, portal])?;
    for (_, name) in secret_names(&book_id(conn)?, ws, portal) {
        secrets.delete(&name)?;
    }
    info(conn, ws, secrets, portal)
}

pub fn info(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, portal: Portal) -> Result<PortalInfo> {
    let book = book_id(conn)?;
    let mut has_secret = true;
    for (_, name) in secret_names(&book, ws, portal) {
        has_secret &= secrets.get(&name)?.is_some();
    }
    Ok(match row(conn, ws, portal)? {
        Some(r) => PortalInfo {
            portal,
            state: if has_secret { r.state } else { "unconfigured".into() },
            detail: r.detail,
            settings: Some(r.settings),
            has_secret,
            checked_at: r.checked_at,
            cursor: r.cursor,
        },
        None => PortalInfo { portal, state: "unconfigured".into(), detail: None, settings: None, has_secret: false, checked_at: None, cursor: None },
    })
}

/// Every portal of the workspace, configured or not.
pub fn list(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore) -> Result<Vec<PortalInfo>> {
    Portal::ALL.iter().map(|p| info(conn, ws, secrets, *p)).collect()
}

/// Records what the portal said of the key: `attention` is why it needs the agent, `None` that it works.
pub fn set_state(conn: &Connection, ws: &Workspace, portal: Portal, attention: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    let state = if attention.is_some() { "needs_attention" } else { "ok" };
    conn.prepare_cached("UPDATE portals SET state = ?3, detail = ?4, checked_at = ?5 WHERE workspace_id = ?1 AND portal = ?2")?
        .execute(params![ws.id, portal, state, attention, fmt_time(now)])?;
    Ok(())
}

/// A test's answer on the portal: a refusal needs the agent, a success clears that.
pub fn record_test(conn: &Connection, ws: &Workspace, portal: Portal, id: &Identity, now: DateTime<Utc>) -> Result<()> {
    set_state(conn, ws, portal, if id.ok { None } else { id.message.as_deref() }, now)
}

fn set_cursor(conn: &Connection, ws: &Workspace, portal: Portal, cursor: &str) -> Result<()> {
    conn.prepare_cached("UPDATE portals SET cursor = ?3 WHERE workspace_id = ?1 AND portal = ?2")?.execute(params![ws.id, portal, cursor])?;
    Ok(())
}

/// A portal's client, ready to poll.
pub enum Client {
    PropertyFinder(PropertyFinder),
    Profolio(Bayut),
}

pub struct Loaded {
    pub portal: Portal,
    pub client: Client,
    pub attention: bool,
    /// No sooner than this (a 429's back-off).
    not_before: Mutex<Option<Instant>>,
}

/// The workspace's configured portals.
#[derive(Default)]
pub struct Portals {
    pub portals: Vec<Loaded>,
}

impl Portals {
    /// Builds the client of every portal with settings and secrets.
    pub fn load(conn: &Connection, ws: &Workspace, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<Portals> {
        let book = book_id(conn)?;
        let mut out = Portals::default();
        for portal in Portal::ALL.iter().copied() {
            let Some(r) = row(conn, ws, portal)? else { continue };
            let mut values = vec![];
            for (_, name) in secret_names(&book, ws, portal) {
                match secrets.get(&name)? {
                    Some(v) => values.push(v),
                    None => break,
                }
            }
            if values.len() != secret_names(&book, ws, portal).len() {
                continue;
            }
            let base = r.settings.base_url.clone().unwrap_or_else(|| default_base(portal).to_string());
            let client = match portal {
                Portal::PropertyFinder => Client::PropertyFinder(PropertyFinder::new(http.clone(), &base, &values[0], &values[1])),
                Portal::Bayut | Portal::Dubizzle => {
                    // A base of one's own (a test server, a proxy) serves both endpoints.
                    let legacy = match (&r.settings.base_url, portal) {
                        (Some(b), _) => b.clone(),
                        (None, Portal::Bayut) => bayut::BAYUT_LEGACY_BASE.to_string(),
                        (None, _) => bayut::DUBIZZLE_LEGACY_BASE.to_string(),
                    };
                    Client::Profolio(Bayut::new(http.clone(), portal, &base, &legacy, &values[0], r.settings.legacy))
                }
            };
            out.portals.push(Loaded { portal, client, attention: r.state == "needs_attention", not_before: Mutex::new(None) });
        }
        Ok(out)
    }

    pub fn any(&self) -> bool {
        !self.portals.is_empty()
    }

    fn get(&self, portal: Portal) -> Result<&Loaded> {
        self.portals.iter().find(|l| l.portal == portal).ok_or_else(|| Error::validation("portal", format!("{portal} is not set up")))
    }

    /// "Test connection" (nothing held meanwhile): Property Finder's token exchange and one
    /// lead, Bayut's one page.
    pub async fn test(&self, portal: Portal, now: DateTime<Utc>) -> Result<Identity> {
        match &self.get(portal)?.client {
            Client::PropertyFinder(pf) => pf.identity(now).await,
            Client::Profolio(b) => b.identity(now).await,
        }
    }
}

/// "Test connection", recorded on the portal.
pub async fn test(store: &mut Store, ws: &Workspace, portals: &Portals, portal: Portal) -> Result<Identity> {
    let id = portals.test(portal, store.now()).await?;
    store.write(|tx, now| record_test(tx, ws, portal, &id, now))?;
    Ok(id)
}

/// What one round of polling did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct PollReport {
    /// Enquiries taken in for the first time (new leads and repeats of known ones).
    pub portal_leads: usize,
    /// Of them, those that made a new lead.
    pub new_leads: usize,
    /// Portals that could not be read this round, and why.
    pub errors: Vec<String>,
}

/// Where a portal's next poll starts.
enum Cursor {
    Created(DateTime<Utc>),
    Dubai(NaiveDateTime),
}

impl Cursor {
    fn read(portal: Portal, stored: Option<&str>, now: DateTime<Utc>) -> Cursor {
        let first = now - FIRST_POLL_BACK;
        match portal {
            Portal::PropertyFinder => {
                let at = stored.and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc)).unwrap_or(first);
                Cursor::Created(at.max(PropertyFinder::earliest(now)))
            }
            Portal::Bayut | Portal::Dubizzle => Cursor::Dubai(
                stored.and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()).unwrap_or_else(|| bayut::dubai_time(first)),
            ),
        }
    }

    fn moved(&self, leads: &[PortalLead]) -> Option<String> {
        let last = leads.iter().map(|l| l.at).max()?;
        Some(match self {
            Cursor::Created(from) => fmt_time(last.max(*from)),
            Cursor::Dubai(from) => bayut::dubai_time(last).max(*from).format("%Y-%m-%d %H:%M:%S").to_string(),
        })
    }
}

/// Polls every configured portal that does not need the agent, taking each page's leads in
/// with the cursor they move in one transaction.
pub async fn poll(store: &mut Store, ws: &Workspace, portals: &Portals) -> Result<PollReport> {
    let mut report = PollReport::default();
    for loaded in portals.portals.iter().filter(|l| !l.attention) {
        let portal = loaded.portal;
        let wait = *loaded.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if wait.is_some_and(|w| Instant::now() < w) {
            report.errors.push(format!("{}: waiting out the portal's rate limit", portal.label()));
            continue;
        }
        // Read the cursor afresh: another process may have moved it.
        let now = store.now();
        let stored = row(store.conn(), ws, portal)?.and_then(|r| r.cursor);
        let cursor = Cursor::read(portal, stored.as_deref(), now);
        for page in 1..=MAX_PAGES {
            let fetched = match (&loaded.client, &cursor) {
                (Client::PropertyFinder(pf), Cursor::Created(from)) => pf.page(*from, page).await,
                (Client::Profolio(b), Cursor::Dubai(from)) => b.page(*from, page).await,
                _ => Err(Error::internal("a portal's cursor does not fit its client")),
            };
            match fetched {
                Err(e) => {
                    report.errors.push(format!("{}: {e}", portal.label()));
                    break;
                }
                Ok(Fetched::RateLimited { retry_after }) => {
                    *loaded.not_before.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + retry_after);
                    report.errors.push(format!("{}: the portal is limiting requests; the next round goes on from here", portal.label()));
                    break;
                }
                Ok(Fetched::Attention { reason }) => {
                    store.write(|tx, now| set_state(tx, ws, portal, Some(&reason), now))?;
                    report.errors.push(format!("{}: {reason}", portal.label()));
                    break;
                }
                Ok(Fetched::Page { leads, more }) => {
                    store.write(|tx, now| {
                        for lead in &leads {
                            match take(tx, ws, lead, now)? {
                                Some(t) if !t.repeat => {
                                    report.portal_leads += 1;
                                    report.new_leads += usize::from(t.new_lead);
                                }
                                Some(_) => {}
                                None => report.errors.push(format!(
                                    "{}: lead {} gives no phone or email Leadbook can use; it is in the portal, not here",
                                    portal.label(),
                                    lead.portal_lead_id
                                )),
                            }
                        }
                        // In the same transaction: a crash never moves the cursor past a lead
                        // not taken in.
                        if let Some(c) = cursor.moved(&leads) {
                            set_cursor(tx, ws, portal, &c)?;
                        }
                        Ok(())
                    })?;
                    if !more {
                        break;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// The enquiry a portal's lead is, for the intake every way in shares.
pub fn enquiry(lead: &PortalLead) -> Enquiry {
    let mut e = Enquiry::new(Some(lead.portal), lead.kind, EnquiryVia::Api, lead.at);
    e.portal_lead_id = Some(lead.portal_lead_id.clone());
    e.name = lead.name.clone();
    // A WhatsApp lead may give its number only as its WhatsApp contact.
    e.phone = lead.phone.clone().or_else(|| lead.whatsapp.clone().filter(|w| w.trim_start().starts_with('+')));
    e.email = lead.email.clone();
    e.message = lead.message.clone();
    e.listing_reference = lead.listing_reference.clone();
    e
}

/// Takes one portal lead in (inside the page's transaction), through the shared intake:
/// validation, de-duplication by phone, email and the portal's lead id, the listing linked,
/// the timeline, the arrival time. One that gives no way to reach the person is no lead: `None`.
fn take(conn: &Connection, ws: &Workspace, lead: &PortalLead, now: DateTime<Utc>) -> Result<Option<EnquiryTaken>> {
    match crate::workflows::take_enquiry(conn, ws, &enquiry(lead), now) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.is_user_error() => Ok(None),
        Err(e) => Err(e),
    }
}
