//! STUB of engineer A's `email_in` (branch mail-in): what a mail means. Replaced whole by A's
//! module at merge; only the two signatures the reader and delivery call are here.

use crate::clock::fmt_time;
use crate::error::Result;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

/// What taking one mail did.
#[derive(Debug, Clone, PartialEq)]
pub enum MailTaken {
    AlreadySeen,
    Ignored,
    PortalLead { lead_id: i64 },
    Reply { lead_id: i64 },
    Unparsed,
}

pub fn take_mail(conn: &Connection, ws: &Workspace, raw: &[u8], now: DateTime<Utc>) -> Result<MailTaken> {
    let text = String::from_utf8_lossy(raw);
    let id = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Message-ID:").or_else(|| l.strip_prefix("Message-Id:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| format!("{:x}", raw.len()));
    let fresh = conn
        .prepare_cached("INSERT OR IGNORE INTO inbound_seen (workspace_id, provider, external_id, at) VALUES (?1, 'email', ?2, ?3)")?
        .execute(params![ws.id, id, fmt_time(now)])?;
    Ok(if fresh == 0 { MailTaken::AlreadySeen } else { MailTaken::Ignored })
}

pub fn message_id(ws: &Workspace, outbox_id: i64, domain: &str) -> String {
    format!("<lb.{}.{}@{}>", ws.id, outbox_id, domain)
}
