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
            weights: Default::default(),
            learned: None,
        }
    }

    pub fn region(&self) -> phonenumber::country::Id {
        normalize::region(&self.phone_region).unwrap_or(phonenumber::country::Id::AE)
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
}

const COLUMNS: &str =
    "id, name, timezone, phone_region, currency, agent_name, quiet_start, quiet_end, language, created_at, score_weights, learned_model";

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
    conn.execute(
        "UPDATE workspaces SET name = ?2, timezone = ?3, phone_region = ?4, currency = ?5, agent_name = ?6,
                quiet_start = ?7, quiet_end = ?8, language = ?9 WHERE id = ?1",
        params![id, ws.name, ws.timezone, ws.phone_region, ws.currency, ws.agent_name, ws.quiet_start, ws.quiet_end, ws.language.as_str()],
    )?;
    Ok(ws)
}
