//! Whose mail is an enquiry: the portals' known notification senders (PROVIDERS.md), and the
//! *lead senders* each workspace lists (`email senders add ADDRESS|@DOMAIN [--portal NAME]`):
//! a web-form plugin, a developer's campaign, a portal address Leadbook does not know yet.

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::Portal;
use crate::store::rows::opt_enum_col;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

/// The portals' notification senders (PROVIDERS.md "Portal lead emails").
pub const KNOWN: &[(&str, Portal)] = &[
    ("no-reply@propertyfinder.ae", Portal::PropertyFinder),
    ("noreply@propertyfinder.ae", Portal::PropertyFinder),
    ("noreply@bayut.com", Portal::Bayut),
    ("no-reply@bayut.com", Portal::Bayut),
    ("no-reply@email.dubizzle.com", Portal::Dubizzle),
    ("no-reply23@email.dubizzle.com", Portal::Dubizzle),
];

/// A sender whose mail is read as an enquiry.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "EmailSender")]
pub struct Sender {
    /// An address (`leads@agency.ae`) or a whole domain (`@agency.ae`).
    pub pattern: String,
    /// The portal its enquiries come from; `None` for a lead sender that is no portal.
    pub portal: Option<Portal>,
    /// One of the portals' own senders, always known (it cannot be removed).
    pub builtin: bool,
    pub created_at: Option<String>,
}

/// A pattern as the agent typed it, canonical: a lower-cased address, or `@` and a domain.
pub fn canonical(raw: &str) -> Result<String> {
    let t = raw.trim();
    if let Some(domain) = t.strip_prefix('@') {
        let d = domain.trim().trim_end_matches('.').to_lowercase();
        let label_ok = |l: &str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if d.len() > 253 || !d.contains('.') || !d.split('.').all(label_ok) {
            return Err(Error::validation("pattern", format!("'{t}' is not an address or @domain")));
        }
        return Ok(format!("@{d}"));
    }
    crate::model::normalize::email(t).map_err(|_| Error::validation("pattern", format!("'{t}' is not an address or @domain")))
}

/// Lists `pattern` as a lead sender of `ws` (of `portal`, when given); listing it again changes
/// its portal.
pub fn add(conn: &Connection, ws: &Workspace, pattern: &str, portal: Option<Portal>, now: DateTime<Utc>) -> Result<Sender> {
    let pattern = canonical(pattern)?;
    conn.prepare_cached(
        "INSERT INTO email_senders (workspace_id, pattern, portal, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (workspace_id, pattern) DO UPDATE SET portal = excluded.portal",
    )?
    .execute(params![ws.id, pattern, portal, fmt_time(now)])?;
    get(conn, ws, &pattern)?.ok_or_else(|| Error::internal("a sender just listed is missing"))
}

fn get(conn: &Connection, ws: &Workspace, pattern: &str) -> Result<Option<Sender>> {
    Ok(conn
        .prepare_cached("SELECT pattern, portal, created_at FROM email_senders WHERE workspace_id = ?1 AND pattern = ?2")?
        .query_row(params![ws.id, pattern], row)
        .optional()?)
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Sender> {
    Ok(Sender { pattern: r.get(0)?, portal: opt_enum_col(r, 1, Portal::parse)?, builtin: false, created_at: r.get(2)? })
}

/// The workspace's lead senders, then the portals' own, each once.
pub fn list(conn: &Connection, ws: &Workspace) -> Result<Vec<Sender>> {
    let mut out: Vec<Sender> = conn
        .prepare_cached("SELECT pattern, portal, created_at FROM email_senders WHERE workspace_id = ?1 ORDER BY pattern")?
        .query_map([ws.id], row)?
        .collect::<rusqlite::Result<_>>()?;
    for (pattern, portal) in KNOWN {
        if !out.iter().any(|s| s.pattern == *pattern) {
            out.push(Sender { pattern: pattern.to_string(), portal: Some(*portal), builtin: true, created_at: None });
        }
    }
    Ok(out)
}

/// Stops reading `pattern`'s mail as enquiries. A portal's own sender cannot be removed; one
/// never listed is `not_found`.
pub fn remove(conn: &Connection, ws: &Workspace, pattern: &str) -> Result<()> {
    let pattern = canonical(pattern)?;
    let n = conn
        .prepare_cached("DELETE FROM email_senders WHERE workspace_id = ?1 AND pattern = ?2")?
        .execute(params![ws.id, pattern])?;
    if n == 0 {
        if KNOWN.iter().any(|(p, _)| *p == pattern) {
            return Err(Error::validation("pattern", format!("{pattern} is a portal's own sender and is always read")));
        }
        return Err(Error::not_found(crate::Entity::Sender, &pattern));
    }
    Ok(())
}

/// Who a mail from `address` is, as an enquiry sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The portal its enquiries come from (`None`: a lead sender that is no portal).
    pub portal: Option<Portal>,
}

/// Whether mail from `address` is an enquiry: the workspace's listed address, else its listed
/// domain, else a portal's known sender. `None` for any other sender.
pub fn lookup(conn: &Connection, ws: &Workspace, address: &str) -> Result<Option<Known>> {
    let mut stmt = conn.prepare_cached("SELECT portal FROM email_senders WHERE workspace_id = ?1 AND pattern = ?2")?;
    find(address, |pattern| Ok(stmt.query_row(params![ws.id, pattern], |r| r.get(0)).optional()?))
}

/// The workspace's lead senders as they were when read, for telling on another thread what
/// [`lookup`] will most likely answer (the book's answer is still the one that counts).
#[derive(Debug, Clone, Default)]
pub struct Listed(std::collections::HashMap<String, Option<String>>);

impl Listed {
    pub fn read(conn: &Connection, ws: &Workspace) -> Result<Listed> {
        let rows = conn
            .prepare_cached("SELECT pattern, portal FROM email_senders WHERE workspace_id = ?1")?
            .query_map([ws.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Listed(rows))
    }

    /// [`lookup`] in this list.
    pub fn lookup(&self, address: &str) -> Option<Known> {
        find(address, |pattern| Ok(self.0.get(pattern).cloned())).ok().flatten()
    }
}

/// [`lookup`]'s rule, with `listed` telling the portal column of a listed pattern (`None`:
/// not listed).
fn find(address: &str, mut listed: impl FnMut(&str) -> Result<Option<Option<String>>>) -> Result<Option<Known>> {
    let address = address.trim().to_lowercase();
    let Some((_, domain)) = address.rsplit_once('@') else { return Ok(None) };
    let mut candidates = vec![address.clone()];
    // The domain and each parent domain: `@agency.ae` covers `forms.agency.ae` too.
    let mut d = domain;
    loop {
        candidates.push(format!("@{d}"));
        match d.split_once('.') {
            Some((_, rest)) if rest.contains('.') => d = rest,
            _ => break,
        }
    }
    for c in &candidates {
        if let Some(portal) = listed(c)? {
            return Ok(Some(Known { portal: portal.and_then(|p| Portal::parse("portal", &p).ok()) }));
        }
    }
    Ok(KNOWN.iter().find(|(p, _)| *p == address).map(|(_, portal)| Known { portal: Some(*portal) }))
}
