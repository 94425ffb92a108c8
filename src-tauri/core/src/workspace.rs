//! Workspaces: separate books (one per agency) in one database. Every row of every other table
//! belongs to exactly one, and every query of the store takes a [`Workspace`].

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::Language;
use crate::model::normalize;
use crate::model::score::{Model, Weights};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const DEFAULT: &str = "Default";

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub timezone: String,
    pub phone_region: String,
    pub currency: String,
    pub agent_name: Option<String>,
    /// Automatic messages go out only between `quiet_start` and `quiet_end`, local time.
    pub quiet_start: String,
    pub quiet_end: String,
    pub language: Language,
    pub created_at: String,
    /// Deals' commission (SPEC §13), in basis points (1 % = 100): of a sale's price, of a
    /// rental's annual rent; the VAT on the commission; the agent's share of it before VAT.
    pub commission_sale_bp: i64,
    pub commission_rent_bp: i64,
    pub vat_bp: i64,
    pub agent_share_bp: i64,
    /// How long before a viewing its reminder goes to the lead, in minutes.
    pub viewing_reminder_min: i64,
    /// A listing added in the window tells its matching buyers at once; when false the window
    /// first shows who would be told and the agent confirms. The command line always tells.
    pub alerts_at_once: bool,
    /// Automatic marketing goes only to a lead who consented on its channel (SPEC §14); off by
    /// default.
    pub require_consent: bool,
    /// A listing alert goes only for a listing with its permit number (SPEC §14); on by default
    /// in Dubai's time zone.
    pub require_permits: bool,
    /// The sample book: made-up leads to try the app on; it never sends or reads messages and
    /// is removed in one step ([`crate::sample`]).
    pub sample: bool,
    #[serde(skip)]
    pub weights: Weights,
    /// The model learned from this workspace's own outcomes, once it has enough of them.
    #[serde(skip)]
    pub learned: Option<std::sync::Arc<Model>>,
}

impl Workspace {
    /// Dubai's defaults, for unit tests that need a workspace without a database.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Workspace {
        Workspace {
            id: 1,
            name: "Default".into(),
            timezone: "Asia/Dubai".into(),
            phone_region: "AE".into(),
            currency: "AED".into(),
            agent_name: None,
            quiet_start: "09:00".into(),
            quiet_end: "18:00".into(),
            language: Language::En,
            created_at: "2026-01-01T00:00:00Z".into(),
            commission_sale_bp: 200,
            commission_rent_bp: 500,
            vat_bp: 500,
            agent_share_bp: 5000,
            viewing_reminder_min: 120,
            alerts_at_once: false,
            require_consent: false,
            require_permits: true,
            sample: false,
            weights: Default::default(),
            learned: None,
        }
    }

    pub fn region(&self) -> phonenumber::country::Id {
        normalize::region(&self.phone_region).unwrap_or(phonenumber::country::Id::AE)
    }
    /// Refuses what would reach a real person from the sample book (a channel, the mailbox, a
    /// portal): its people are made up.
    pub fn refuse_if_sample(&self) -> Result<()> {
        if self.sample {
            return Err(Error::validation(
                "workspace",
                "the sample book's people are made up: it cannot connect channels, email or portals — switch to your own book first",
            ));
        }
        Ok(())
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Dubai)
    }

    /// The workspace's calendar day at `t`.
    pub fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz()).date_naive()
    }

    /// The first instant of the workspace's calendar day `day`. Where a clock change skips
    /// local midnight, the day is taken to start at midnight UTC.
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(NaiveTime::MIN);
        self.tz().from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    }
}

/// A change to a workspace's settings; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct WorkspacePatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub phone_region: Option<String>,
    pub currency: Option<String>,
    #[ts(as = "Option<String>")]
    pub agent_name: Option<Option<String>>,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub language: Option<String>,
    pub commission_sale_bp: Option<i64>,
    pub commission_rent_bp: Option<i64>,
    pub vat_bp: Option<i64>,
    pub agent_share_bp: Option<i64>,
    pub viewing_reminder_min: Option<i64>,
    pub alerts_at_once: Option<bool>,
    pub require_consent: Option<bool>,
    pub require_permits: Option<bool>,
}

const COLUMNS: &str =
    "id, name, timezone, phone_region, currency, agent_name, quiet_start, quiet_end, language, created_at, score_weights, learned_model, \
     commission_sale_bp, commission_rent_bp, vat_bp, agent_share_bp, viewing_reminder_min, alerts_at_once, \
     require_consent, require_permits, sample";

fn from_row(r: &Row) -> rusqlite::Result<Workspace> {
    let language: String = r.get(8)?;
    let weights: Option<String> = r.get(10)?;
    Ok(Workspace {
        id: r.get(0)?,
        name: r.get(1)?,
        timezone: r.get(2)?,
        phone_region: r.get(3)?,
        currency: r.get(4)?,
        agent_name: r.get(5)?,
        quiet_start: r.get(6)?,
        quiet_end: r.get(7)?,
        language: Language::parse("language", &language).unwrap_or(Language::En),
        created_at: r.get(9)?,
        commission_sale_bp: r.get(12)?,
        commission_rent_bp: r.get(13)?,
        vat_bp: r.get(14)?,
        agent_share_bp: r.get(15)?,
        viewing_reminder_min: r.get(16)?,
        alerts_at_once: r.get(17)?,
        require_consent: r.get(18)?,
        // Unset: on where the workspace keeps Dubai's time (RERA's rule), off elsewhere.
        require_permits: r.get::<_, Option<bool>>(19)?.unwrap_or_else(|| r.get::<_, String>(2).is_ok_and(|tz| tz == "Asia/Dubai")),
        sample: r.get(20)?,
        weights: weights.and_then(|w| serde_json::from_str(&w).ok()).unwrap_or_default(),
        learned: r.get::<_, Option<String>>(11)?.and_then(|m| serde_json::from_str(&m).ok()).map(std::sync::Arc::new),
    })
}

/// Stores the model the workspace learned (None: not enough outcomes yet).
pub fn set_learned_model(conn: &Connection, id: i64, json: Option<&str>) -> Result<()> {
    conn.execute("UPDATE workspaces SET learned_model = ?2 WHERE id = ?1", params![id, json])?;
    Ok(())
}

/// Every workspace's id.
pub fn ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM workspaces ORDER BY id")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Creates the `Default` workspace in a book that has none; its id, or None if there was one.
pub fn create_first(conn: &Connection, now: DateTime<Utc>) -> Result<Option<i64>> {
    let created = conn.execute(
        "INSERT INTO workspaces (name, created_at) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM workspaces)",
        params![DEFAULT, fmt_time(now)],
    )?;
    Ok((created > 0).then(|| conn.last_insert_rowid()))
}

pub fn list(conn: &Connection) -> Result<Vec<Workspace>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workspaces ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn by_name(conn: &Connection, name: &str) -> Result<Workspace> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workspaces WHERE name = ?1"))?
        .query_row([name.trim()], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Workspace, format!("'{}'", name.trim())))
}

pub fn by_id(conn: &Connection, id: i64) -> Result<Workspace> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Workspace, id))
}

fn check_name(conn: &Connection, name: &str, except: Option<i64>) -> Result<String> {
    let name = normalize::text(Some(name)).ok_or_else(|| Error::validation("name", "a workspace needs a name"))?;
    if name.chars().count() > 100 {
        return Err(Error::validation("name", "a workspace name is at most 100 characters"));
    }
    let taken: Option<i64> = conn
        .query_row("SELECT id FROM workspaces WHERE name = ?1", [&name], |r| r.get(0))
        .optional()?;
    if taken.is_some_and(|id| Some(id) != except) {
        return Err(Error::validation("name", format!("a workspace named '{name}' already exists")));
    }
    Ok(name)
}

fn check_timezone(tz: &str) -> Result<String> {
    let tz = tz.trim();
    tz.parse::<chrono_tz::Tz>()
        .map(|_| tz.to_string())
        .map_err(|_| Error::validation("timezone", format!("unknown time zone '{tz}' (use a name such as Asia/Dubai)")))
}

/// The most a rate may be: 100 %, in basis points.
const WHOLE_BP: i64 = 10_000;
/// The longest a viewing reminder may go ahead of it: a week.
const MAX_REMINDER_MIN: i64 = 7 * 24 * 60;

fn check_range(field: &str, v: i64, max: i64, what: &str) -> Result<i64> {
    if (0..=max).contains(&v) {
        Ok(v)
    } else {
        Err(Error::validation(field, format!("{what} is between 0 and {max}, not {v}")))
    }
}

fn check_clock_time(field: &str, t: &str) -> Result<String> {
    NaiveTime::parse_from_str(t.trim(), "%H:%M")
        .map(|v| v.format("%H:%M").to_string())
        .map_err(|_| Error::validation(field, format!("'{}' is not a time of day like 09:00", t.trim())))
}

pub fn add(conn: &Connection, name: &str, timezone: Option<&str>, now: DateTime<Utc>) -> Result<Workspace> {
    let name = check_name(conn, name, None)?;
    let tz = check_timezone(timezone.unwrap_or("Asia/Dubai"))?;
    conn.execute(
        "INSERT INTO workspaces (name, timezone, created_at) VALUES (?1, ?2, ?3)",
        params![name, tz, fmt_time(now)],
    )?;
    by_id(conn, conn.last_insert_rowid())
}

/// Makes workspace `id` the sample book, signed and worded as the agent's own (`template`).
pub fn make_sample(conn: &Connection, id: i64, template: &Workspace) -> Result<Workspace> {
    conn.execute(
        "UPDATE workspaces SET sample = 1, agent_name = ?2, language = ?3 WHERE id = ?1",
        params![id, template.agent_name, template.language.as_str()],
    )?;
    by_id(conn, id)
}

/// Deletes the sample book `id` and, through the schema's cascades, every row of it; a
/// workspace that is not the sample book is never deleted. Whether one was.
pub fn delete_sample(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute("DELETE FROM workspaces WHERE id = ?1 AND sample = 1", [id])? > 0)
}

pub fn update(conn: &Connection, id: i64, patch: &WorkspacePatch) -> Result<Workspace> {
    let mut ws = by_id(conn, id)?;
    if let Some(n) = &patch.name {
        ws.name = check_name(conn, n, Some(id))?;
    }
    if let Some(tz) = &patch.timezone {
        ws.timezone = check_timezone(tz)?;
    }
    if let Some(r) = &patch.phone_region {
        normalize::region(r)?;
        ws.phone_region = r.trim().to_ascii_uppercase();
    }
    if let Some(c) = &patch.currency {
        let c = c.trim().to_ascii_uppercase();
        if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            return Err(Error::validation("currency", "a currency is a three-letter code such as AED"));
        }
        ws.currency = c;
    }
    if let Some(a) = &patch.agent_name {
        ws.agent_name = normalize::text(a.as_deref());
    }
    if let Some(t) = &patch.quiet_start {
        ws.quiet_start = check_clock_time("quiet_start", t)?;
    }
    if let Some(t) = &patch.quiet_end {
        ws.quiet_end = check_clock_time("quiet_end", t)?;
    }
    if ws.quiet_start == ws.quiet_end {
        return Err(Error::validation("quiet_end", "the sending window must not be empty"));
    }
    if let Some(l) = &patch.language {
        ws.language = Language::parse("language", l)?;
    }
    let rate = |field: &str, v: Option<i64>, now: i64| v.map_or(Ok(now), |v| check_range(field, v, WHOLE_BP, "a rate in basis points (100 = 1 %)"));
    ws.commission_sale_bp = rate("commission_sale_bp", patch.commission_sale_bp, ws.commission_sale_bp)?;
    ws.commission_rent_bp = rate("commission_rent_bp", patch.commission_rent_bp, ws.commission_rent_bp)?;
    ws.vat_bp = rate("vat_bp", patch.vat_bp, ws.vat_bp)?;
    ws.agent_share_bp = rate("agent_share_bp", patch.agent_share_bp, ws.agent_share_bp)?;
    if let Some(m) = patch.viewing_reminder_min {
        ws.viewing_reminder_min = check_range("viewing_reminder_min", m, MAX_REMINDER_MIN, "a reminder's lead time in minutes")?;
    }
    if let Some(b) = patch.alerts_at_once {
        ws.alerts_at_once = b;
    }
    if let Some(b) = patch.require_consent {
        ws.require_consent = b;
    }
    let permits = patch.require_permits;
    if let Some(b) = permits {
        ws.require_permits = b;
    }
    conn.execute(
        "UPDATE workspaces SET name = ?2, timezone = ?3, phone_region = ?4, currency = ?5, agent_name = ?6,
                quiet_start = ?7, quiet_end = ?8, language = ?9, commission_sale_bp = ?10, commission_rent_bp = ?11,
                vat_bp = ?12, agent_share_bp = ?13, viewing_reminder_min = ?14, alerts_at_once = ?15, require_consent = ?16,
                require_permits = coalesce(?17, require_permits) WHERE id = ?1",
        params![
            id, ws.name, ws.timezone, ws.phone_region, ws.currency, ws.agent_name, ws.quiet_start, ws.quiet_end, ws.language.as_str(),
            ws.commission_sale_bp, ws.commission_rent_bp, ws.vat_bp, ws.agent_share_bp, ws.viewing_reminder_min, ws.alerts_at_once,
            ws.require_consent, permits
        ],
    )?;
    // Read back: a rule left unset follows the (maybe new) time zone.
    by_id(conn, id)
}
