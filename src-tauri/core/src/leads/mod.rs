//! Leads in the store: adding with de-duplication and merging, editing, status changes,
//! replies, manual merges, listing with filters. Every function takes the [`Workspace`] and
//! every statement filters by it: a lead of another workspace behaves as if it did not exist.
//!
//! Identity keys (canonical LinkedIn URL, email, E.164 phone — shared by phone and WhatsApp —
//! and Telegram user id) live in `lead_keys`, whose primary key makes each value belong to at
//! most one lead per workspace, across processes.

pub mod learned;
pub mod scoring;
pub mod timeline;
pub mod validate;

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::store::rows::{enum_col, json_col, opt_enum_col, time_col, bad_column};
use crate::model::{Channel, Grade, Language, PropertyType, Purpose, Source, Status};
use scoring::Factor;
use timeline::Entry;
use validate::{LeadFields, LeadInput};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// A lead as stored. Serialises to the JSON of SPEC §9 (plus notes, tags, opt-outs and the
/// contact times the app shows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub linkedin_url: Option<String>,
    pub source: Source,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub locations: Vec<String>,
    pub property_type: Option<PropertyType>,
    pub bedrooms: Option<i64>,
    pub purpose: Option<Purpose>,
    pub language: Option<Language>,
    pub status: Status,
    pub score: i64,
    pub grade: Grade,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub opt_outs: Vec<Channel>,
    /// Channels a provider said cannot reach the lead (blocked the bot, not on WhatsApp).
    pub unusable_channels: Vec<Channel>,
    pub last_contacted_at: Option<DateTime<Utc>>,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub next_followup_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub workspace_id: i64,
    #[serde(skip)]
    pub score_valid_until: Option<DateTime<Utc>>,
}

/// `lead show`: the lead, why it has its score, and its history.
#[derive(Debug, Clone, Serialize)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub lead: Lead,
    /// The rule factors, then (with a learned model) a `learned` factor: together they add up
    /// to the score.
    pub score_breakdown: Vec<Factor>,
    /// The learned model's part, when the workspace has one.
    pub learned: Option<Learned>,
    pub timeline: Vec<Entry>,
}

/// How the workspace's learned model sees a lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Learned {
    /// Chance of a win by the model.
    pub p_won: f64,
    /// Points it adds to (or takes from) the rule score.
    pub points: i64,
    pub blended: i64,
    /// Won and lost leads it learned from.
    pub outcomes: usize,
    /// What weighs most for this lead (feature, contribution in log-odds).
    pub top: Vec<(String, f64)>,
    /// The model's largest weights (on standardised features), whoever the lead.
    pub weights: Vec<(String, f64)>,
}

/// The learned model's part of a lead's score, if the workspace has a model.
fn learned_part(lead: &Lead, ws: &Workspace, now: DateTime<Utc>, rule: i64) -> Option<Learned> {
    let m = ws.learned.as_ref()?;
    let f = crate::leads::learned::features(lead, now, &crate::leads::learned::History::default());
    let p_won = m.predict(&f);
    let (blended, points) = crate::leads::learned::blend(rule, p_won, m.trained_on);
    let mut weights = m.weights.clone();
    weights.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    weights.truncate(10);
    Some(Learned { p_won, points, blended, outcomes: m.trained_on, top: m.explain(&f), weights })
}

/// Retrains the workspace's model on its won and lost leads (none below 30) and marks every
/// open lead for rescoring; the next read rescores them with it.
pub fn retrain(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<bool> {
    let done: Vec<Lead> = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND status IN ('won', 'lost')"))?
        .query_map([ws.id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    // Each as it stood when its outcome was recorded.
    let samples: Vec<_> = done
        .iter()
        .map(|l| (crate::leads::learned::features(l, l.updated_at, &crate::leads::learned::History::default()), l.status == Status::Won))
        .collect();
    let model = crate::leads::learned::train(&samples);
    let json = model.as_ref().and_then(|m| serde_json::to_string(m).ok());
    let before: Option<String> = conn.query_row("SELECT learned_model FROM workspaces WHERE id = ?1", [ws.id], |r| r.get(0))?;
    if before == json {
        return Ok(model.is_some());
    }
    conn.execute("UPDATE workspaces SET learned_model = ?2 WHERE id = ?1", params![ws.id, json])?;
    conn.prepare_cached("UPDATE leads SET score_valid_until = ?2 WHERE workspace_id = ?1 AND status NOT IN ('won', 'lost')")?
        .execute(params![ws.id, fmt_time(now)])?;
    Ok(model.is_some())
}

/// What adding a lead did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    pub id: i64,
    pub created: bool,
    pub merged_into: Option<i64>,
    pub score: i64,
    pub grade: Grade,
}

/// An existing lead that shares an identity key with the one being typed.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateMatch {
    pub lead: Lead,
    pub key: &'static str,
}

impl Lead {
    /// A lead with only a name, for building leads in code and tests.
    pub fn blank(name: &str, created_at: DateTime<Utc>) -> Lead {
        Lead {
            id: 0,
            name: name.to_string(),
            email: None,
            phone: None,
            whatsapp: None,
            telegram_id: None,
            telegram_username: None,
            linkedin_url: None,
            source: Source::Manual,
            budget_min: None,
            budget_max: None,
            locations: vec![],
            property_type: None,
            bedrooms: None,
            purpose: None,
            language: None,
            status: Status::New,
            score: 0,
            grade: Grade::D,
            created_at,
            updated_at: created_at,
            notes: None,
            tags: vec![],
            opt_outs: vec![],
            unusable_channels: vec![],
            last_contacted_at: None,
            last_inbound_at: None,
            next_followup_at: None,
            workspace_id: 0,
            score_valid_until: None,
        }
    }

    fn from_fields(f: LeadFields, workspace_id: i64, now: DateTime<Utc>) -> Lead {
        let mut l = Lead::blank(&f.name, now);
        l.workspace_id = workspace_id;
        l.set_fields(f);
        l
    }

    /// Replaces every field a person edits (everything but status, score and times).
    fn set_fields(&mut self, f: LeadFields) {
        self.name = f.name;
        self.email = f.email;
        self.phone = f.phone;
        self.whatsapp = f.whatsapp;
        self.telegram_id = f.telegram_id;
        self.telegram_username = f.telegram_username;
        self.linkedin_url = f.linkedin_url;
        self.source = f.source;
        self.budget_min = f.budget_min;
        self.budget_max = f.budget_max;
        self.locations = f.locations;
        self.property_type = f.property_type;
        self.bedrooms = f.bedrooms;
        self.purpose = f.purpose;
        self.language = f.language;
        self.notes = f.notes;
        self.tags = f.tags;
    }

    fn fields(&self) -> LeadFields {
        LeadFields {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            whatsapp: self.whatsapp.clone(),
            telegram_id: self.telegram_id,
            telegram_username: self.telegram_username.clone(),
            linkedin_url: self.linkedin_url.clone(),
            source: self.source,
            budget_min: self.budget_min,
            budget_max: self.budget_max,
            locations: self.locations.clone(),
            property_type: self.property_type,
            bedrooms: self.bedrooms,
            purpose: self.purpose,
            language: self.language,
            notes: self.notes.clone(),
            tags: self.tags.clone(),
        }
    }

    fn rescore(&mut self, ws: &Workspace, now: DateTime<Utc>) {
        let s = scoring::score(self, now, &ws.weights);
        self.score = learned_part(self, ws, now, s.score).map_or(s.score, |l| l.blended);
        self.grade = Grade::of(Some(self.score));
        self.score_valid_until = s.valid_until;
    }
}

/// An identity key: (kind, value, the field it comes from).
type Key = (&'static str, String, &'static str);

fn keys_of(f: &LeadFields) -> Vec<Key> {
    key_values(&f.linkedin_url, &f.email, &f.phone, &f.whatsapp, f.telegram_id)
}

/// The identity keys of a stored lead (without copying its other fields).
fn lead_keys(l: &Lead) -> Vec<Key> {
    key_values(&l.linkedin_url, &l.email, &l.phone, &l.whatsapp, l.telegram_id)
}

fn key_values(linkedin: &Option<String>, email: &Option<String>, phone: &Option<String>, whatsapp: &Option<String>, telegram: Option<i64>) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::with_capacity(5);
    if let Some(v) = linkedin {
        keys.push(("linkedin", v.clone(), "linkedin_url"));
    }
    if let Some(v) = email {
        keys.push(("email", v.clone(), "email"));
    }
    if let Some(v) = phone {
        keys.push(("phone", v.clone(), "phone"));
    }
    if let Some(v) = whatsapp.as_ref().filter(|w| Some(*w) != phone.as_ref()) {
        keys.push(("phone", v.clone(), "whatsapp"));
    }
    if let Some(v) = telegram {
        keys.push(("telegram", v.to_string(), "telegram_id"));
    }
    keys
}

fn key_owner(conn: &Connection, ws: i64, kind: &str, value: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT lead_id FROM lead_keys WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3")?
        .query_row(params![ws, kind, value], |r| r.get(0))
        .optional()?)
}

fn insert_key(conn: &Connection, ws: i64, kind: &str, value: &str, lead_id: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO lead_keys (workspace_id, kind, value, lead_id) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![ws, kind, value, lead_id])?;
    Ok(())
}

/// One row of the match index: an area key and the lead's other criteria.
#[derive(Debug, Clone, PartialEq)]
struct MatchRow {
    area_key: String,
    budget_min: Option<i64>,
    budget_max: Option<i64>,
    property_type: Option<&'static str>,
    bedrooms: Option<i64>,
    purpose: Option<&'static str>,
}

/// The match-index rows of a lead (see `matching`): one per area key — `""` for a lead with
/// other criteria but no area (it matches any area) — and none for a lead with no criteria at
/// all or one that is won or lost.
fn match_rows(l: &Lead) -> Vec<MatchRow> {
    if matches!(l.status, Status::Won | Status::Lost) {
        return vec![];
    }
    let mut keys: Vec<String> = l.locations.iter().map(|a| crate::model::areas::key(a)).collect();
    keys.sort();
    keys.dedup();
    let other_criteria = l.budget_min.is_some() || l.budget_max.is_some() || l.property_type.is_some() || l.bedrooms.is_some() || l.purpose.is_some();
    if keys.is_empty() && other_criteria {
        keys.push(String::new());
    }
    keys.into_iter()
        .map(|area_key| MatchRow {
            area_key,
            budget_min: l.budget_min,
            budget_max: l.budget_max,
            property_type: l.property_type.map(|t| t.as_str()),
            bedrooms: l.bedrooms,
            purpose: l.purpose.map(|p| p.as_str()),
        })
        .collect()
}

/// Moves the match index from the rows of `before` (none for a new lead) to those of `lead`
/// (none for a lead being deleted).
fn sync_match(conn: &Connection, before: Option<&Lead>, lead: Option<&Lead>) -> Result<()> {
    let old = before.map(match_rows).unwrap_or_default();
    let new = lead.map(match_rows).unwrap_or_default();
    if old == new {
        return Ok(());
    }
    let Some(any) = lead.or(before) else { return Ok(()) };
    let mut del = conn.prepare_cached("DELETE FROM lead_match WHERE workspace_id = ?1 AND area_key = ?2 AND lead_id = ?3")?;
    for r in &old {
        del.execute(params![any.workspace_id, r.area_key, any.id])?;
    }
    insert_match_rows(conn, any, &new)
}

fn insert_match_rows(conn: &Connection, lead: &Lead, rows: &[MatchRow]) -> Result<()> {
    let mut ins = conn.prepare_cached(
        "INSERT OR REPLACE INTO lead_match (workspace_id, area_key, lead_id, budget_min, budget_max, property_type, bedrooms, purpose)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for r in rows {
        ins.execute(params![lead.workspace_id, r.area_key, lead.id, r.budget_min, r.budget_max, r.property_type, r.bedrooms, r.purpose])?;
    }
    Ok(())
}

/// Fills the match index for every lead (schema version 2 on a book that had leads before).
pub(crate) fn backfill_match_index(conn: &Connection) -> Result<()> {
    let all: Vec<Lead> = conn.prepare(&format!("SELECT {V1_COLUMNS} FROM leads"))?.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    for lead in &all {
        sync_match(conn, None, Some(lead))?;
    }
    Ok(())
}

/// Removes the keys `lead` holds (by value: the primary key finds them without a lead_id index).
fn delete_keys(conn: &Connection, lead: &Lead) -> Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM lead_keys WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3 AND lead_id = ?4")?;
    for (kind, value, _) in lead_keys(&lead) {
        stmt.execute(params![lead.workspace_id, kind, value, lead.id])?;
    }
    Ok(())
}

/// Moves `lead_keys` from the keys of `before` to exactly those of `lead`. A key another lead
/// owns is a `duplicate` error.
fn sync_keys(conn: &Connection, before: &Lead, lead: &Lead) -> Result<()> {
    let keys = lead_keys(&lead);
    for (kind, value, field) in &keys {
        if let Some(owner) = key_owner(conn, lead.workspace_id, kind, value)?.filter(|o| *o != lead.id) {
            return Err(Error::Duplicate {
                field: field.to_string(),
                message: format!("another lead (#{owner}) already has this {}", field.replace('_', " ")),
                existing_id: owner,
            });
        }
    }
    delete_keys(conn, before)?;
    for (kind, value, _) in &keys {
        insert_key(conn, lead.workspace_id, kind, value, lead.id)?;
    }
    Ok(())
}

/// The columns of schema 1, which migrations before schema 6 read leads with.
macro_rules! v1_columns {
    () => {
        "id, workspace_id, name, email, phone, whatsapp, telegram_id, telegram_username, \
    linkedin_url, source, budget_min, budget_max, locations, property_type, bedrooms, purpose, language, status, \
    opt_outs, notes, tags, score, grade, score_valid_until, created_at, updated_at, \
    last_contacted_at, last_inbound_at, next_followup_at"
    };
}
pub(crate) const COLUMNS: &str = concat!(v1_columns!(), ", unusable_channels");
/// What [`from_row`] reads, from a schema without `unusable_channels`.
const V1_COLUMNS: &str = concat!(v1_columns!(), ", '[]'");

pub(crate) fn from_row(r: &Row) -> rusqlite::Result<Lead> {
    let score: Option<i64> = r.get(21)?;
    Ok(Lead {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        whatsapp: r.get(5)?,
        telegram_id: r.get(6)?,
        telegram_username: r.get(7)?,
        linkedin_url: r.get(8)?,
        source: enum_col(r, 9, Source::parse)?,
        budget_min: r.get(10)?,
        budget_max: r.get(11)?,
        locations: json_col(r, 12)?,
        property_type: opt_enum_col(r, 13, PropertyType::parse)?,
        bedrooms: r.get(14)?,
        purpose: opt_enum_col(r, 15, Purpose::parse)?,
        language: opt_enum_col(r, 16, Language::parse)?,
        status: enum_col(r, 17, Status::parse)?,
        opt_outs: json_col(r, 18)?,
        notes: r.get(19)?,
        tags: json_col(r, 20)?,
        score: score.unwrap_or(0),
        // A score never computed grades as 0 does.
        grade: Grade::of(score),
        score_valid_until: time_col(r, 23)?,
        created_at: time_col(r, 24)?.ok_or_else(|| bad_column(24, "missing"))?,
        updated_at: time_col(r, 25)?.ok_or_else(|| bad_column(25, "missing"))?,
        last_contacted_at: time_col(r, 26)?,
        last_inbound_at: time_col(r, 27)?,
        next_followup_at: time_col(r, 28)?,
        unusable_channels: json_col(r, 29)?,
    })
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn insert(conn: &Connection, lead: &mut Lead, search: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO leads (workspace_id, name, email, phone, whatsapp, telegram_id, telegram_username, linkedin_url,
            source, budget_min, budget_max, locations, property_type, bedrooms, purpose, language, status, opt_outs,
            notes, tags, score, grade, score_valid_until, created_at, updated_at,
            last_contacted_at, last_inbound_at, next_followup_at, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
            ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
    )?
    .execute(params![
        lead.workspace_id, lead.name, lead.email, lead.phone, lead.whatsapp, lead.telegram_id, lead.telegram_username,
        lead.linkedin_url, lead.source.as_str(), lead.budget_min, lead.budget_max, json(&lead.locations),
        lead.property_type.map(|v| v.as_str()), lead.bedrooms, lead.purpose.map(|v| v.as_str()),
        lead.language.map(|v| v.as_str()), lead.status.as_str(), json(&lead.opt_outs), lead.notes, json(&lead.tags),
        lead.score, lead.grade.as_str(), lead.score_valid_until.map(fmt_time),
        fmt_time(lead.created_at), fmt_time(lead.updated_at), lead.last_contacted_at.map(fmt_time),
        lead.last_inbound_at.map(fmt_time), lead.next_followup_at.map(fmt_time), search,
    ])?;
    lead.id = conn.last_insert_rowid();
    Ok(())
}

fn write(conn: &Connection, lead: &Lead) -> Result<()> {
    conn.prepare_cached(
        "UPDATE leads SET name = ?3, email = ?4, phone = ?5, whatsapp = ?6, telegram_id = ?7, telegram_username = ?8,
            linkedin_url = ?9, source = ?10, budget_min = ?11, budget_max = ?12, locations = ?13, property_type = ?14,
            bedrooms = ?15, purpose = ?16, language = ?17, status = ?18, opt_outs = ?19, notes = ?20, tags = ?21,
            score = ?22, grade = ?23, score_valid_until = ?24, created_at = ?25,
            updated_at = ?26, last_contacted_at = ?27, last_inbound_at = ?28, next_followup_at = ?29, search = ?30
         WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![
        lead.workspace_id, lead.id, lead.name, lead.email, lead.phone, lead.whatsapp, lead.telegram_id,
        lead.telegram_username, lead.linkedin_url, lead.source.as_str(), lead.budget_min, lead.budget_max,
        json(&lead.locations), lead.property_type.map(|v| v.as_str()), lead.bedrooms, lead.purpose.map(|v| v.as_str()),
        lead.language.map(|v| v.as_str()), lead.status.as_str(), json(&lead.opt_outs), lead.notes, json(&lead.tags),
        lead.score, lead.grade.as_str(), lead.score_valid_until.map(fmt_time),
        fmt_time(lead.created_at), fmt_time(lead.updated_at), lead.last_contacted_at.map(fmt_time),
        lead.last_inbound_at.map(fmt_time), lead.next_followup_at.map(fmt_time), search_text(lead),
    ])?;
    Ok(())
}

/// What search looks in, lower-cased, fields separated by a control character so a typed
/// word never matches across two fields.
fn search_text(l: &Lead) -> String {
    let mut s = String::with_capacity(64);
    let mut push = |v: &str| {
        if !s.is_empty() {
            s.push('\u{1f}');
        }
        s.push_str(&v.to_lowercase());
    };
    push(&l.name);
    for v in [&l.email, &l.telegram_username].into_iter().flatten() {
        push(v);
    }
    if let Some(url) = &l.linkedin_url {
        push(url.rsplit('/').next().unwrap_or(url));
    }
    for area in &l.locations {
        push(area);
    }
    for phone in [&l.phone, &l.whatsapp].into_iter().flatten() {
        push(phone.trim_start_matches('+'));
    }
    s
}

/// The lead `id` of workspace `ws`; a lead of another workspace is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Lead> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("lead {id}")))
}

/// The lead with its score breakdown (recomputed: the score is a pure function of the lead,
/// the time and the weights, so storing the breakdown would only duplicate it) and timeline.
pub fn detail(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<LeadDetail> {
    let lead = get(conn, ws, id)?;
    let mut timeline = timeline::of_lead(conn, ws.id, id)?;
    // Creation is on the lead itself; the timeline shows it as its first entry.
    timeline.push(Entry { at: fmt_time(lead.created_at), kind: "created".into(), detail: format!("source {}", lead.source), reply_class: None });
    let rule = scoring::score(&lead, now, &ws.weights);
    let learned = learned_part(&lead, ws, now, rule.score);
    let mut score_breakdown = rule.breakdown;
    if let Some(l) = &learned {
        score_breakdown.push(Factor { factor: "learned".into(), points: l.points });
    }
    Ok(LeadDetail { score_breakdown, learned, lead, timeline })
}

/// The existing lead (and which key) that `fields` would merge into, if any: the oldest
/// of the leads sharing a key with it.
fn find_match(conn: &Connection, ws: &Workspace, fields: &LeadFields) -> Result<Option<(i64, &'static str)>> {
    find_match_keys(conn, ws, None, &keys_of(fields))
}

fn find_match_keys(conn: &Connection, ws: &Workspace, bulk: Option<&BulkKeys>, keys: &[Key]) -> Result<Option<(i64, &'static str)>> {
    let mut best: Option<(i64, &'static str)> = None;
    for (kind, value, field) in keys {
        if let Some(owner) = owner_of(conn, ws.id, bulk, kind, value)? {
            if best.is_none_or(|(b, _)| owner < b) {
                best = Some((owner, *field));
            }
        }
    }
    Ok(best)
}

/// For the form's duplicate warning: the lead this input would merge into. Fields that do not
/// validate yet are ignored, so the warning can show while the agent is still typing.
pub fn find_duplicate(conn: &Connection, ws: &Workspace, input: &LeadInput) -> Result<Option<DuplicateMatch>> {
    let mut probe = input.clone();
    probe.name = Some("probe".into());
    let region = ws.region();
    let lenient = |f: &mut LeadInput| {
        let keep = |v: &Option<String>, check: &dyn Fn(&str) -> bool| v.as_deref().filter(|s| check(s)).map(String::from);
        f.email = keep(&f.email, &|s| crate::model::normalize::email(s).is_ok());
        f.phone = keep(&f.phone, &|s| crate::model::normalize::phone("phone", s, region).is_ok());
        f.whatsapp = keep(&f.whatsapp, &|s| crate::model::normalize::phone("whatsapp", s, region).is_ok());
        f.linkedin_url = keep(&f.linkedin_url, &|s| crate::model::normalize::linkedin(s).is_ok());
        f.telegram_id = f.telegram_id.filter(|id| *id > 0);
    };
    lenient(&mut probe);
    let only_keys = LeadInput {
        name: probe.name,
        email: probe.email,
        phone: probe.phone,
        whatsapp: probe.whatsapp,
        linkedin_url: probe.linkedin_url,
        telegram_id: probe.telegram_id,
        ..Default::default()
    };
    let fields = validate::lead(&only_keys, region)?;
    match find_match(conn, ws, &fields)? {
        Some((id, key)) => Ok(Some(DuplicateMatch {
            lead: get(conn, ws, id)?,
            key: if key == "whatsapp" { "phone" } else { key },
        })),
        None => Ok(None),
    }
}

/// Adds a lead, or merges it into the existing lead it shares an identity key with.
/// Runs inside the caller's write transaction.
pub fn add(conn: &Connection, ws: &Workspace, input: &LeadInput, now: DateTime<Utc>) -> Result<AddOutcome> {
    let fields = validate::lead(input, ws.region())?;
    add_valid(conn, ws, fields, now)
}

/// [`add`] for fields that have already been validated (imports validate up front).
pub fn add_valid(conn: &Connection, ws: &Workspace, fields: LeadFields, now: DateTime<Utc>) -> Result<AddOutcome> {
    let plan = crate::followups::default_plan(conn, ws, now)?;
    add_planned(conn, ws, fields, now, plan)
}

/// [`add_valid`] with the default campaign's plan (campaign, first step due) looked up once
/// by the caller, for imports of many rows.
pub fn add_planned(
    conn: &Connection,
    ws: &Workspace,
    fields: LeadFields,
    now: DateTime<Utc>,
    plan: Option<(i64, DateTime<Utc>)>,
) -> Result<AddOutcome> {
    add_prepared(conn, ws, Prepared::new(fields, ws, now), now, plan, None)
}

/// A valid row made ready to store: the new lead it would be (scored), its search text and its
/// match-index rows. Made on the thread that validates, so the writing thread only writes.
pub struct Prepared {
    lead: Lead,
    search: String,
    matches: Vec<MatchRow>,
}

impl Prepared {
    pub fn new(fields: LeadFields, ws: &Workspace, now: DateTime<Utc>) -> Prepared {
        let mut lead = Lead::from_fields(fields, ws.id, now);
        lead.rescore(ws, now);
        Prepared { search: search_text(&lead), matches: match_rows(&lead), lead }
    }
}

/// A big import's identity keys with their owners, held in memory for its whole transaction:
/// the book's when it began and each the import adds. Rows are de-duplicated against this map
/// alone — no `lead_keys` lookup per key — while every key is still written as it is added.
#[derive(Default)]
pub struct BulkKeys {
    /// Owner by value, one map per key kind (see [`kind_slot`]).
    owners: [std::collections::HashMap<String, i64>; 4],
}

fn kind_slot(kind: &str) -> Option<usize> {
    ["linkedin", "email", "phone", "telegram"].iter().position(|k| *k == kind)
}

impl BulkKeys {
    pub fn load(conn: &Connection, ws: &Workspace) -> Result<BulkKeys> {
        let mut keys = BulkKeys::default();
        let mut stmt = conn.prepare("SELECT kind, value, lead_id FROM lead_keys WHERE workspace_id = ?1")?;
        let mut rows = stmt.query([ws.id])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            if let Some(slot) = kind_slot(&kind) {
                keys.owners[slot].insert(r.get(1)?, r.get(2)?);
            }
        }
        Ok(keys)
    }

    fn owner(&self, kind: &str, value: &str) -> Option<i64> {
        kind_slot(kind).and_then(|slot| self.owners[slot].get(value).copied())
    }

    /// What `INSERT OR IGNORE INTO lead_keys` did: a key that has an owner keeps it.
    fn record(&mut self, kind: &str, value: String, lead_id: i64) {
        if let Some(slot) = kind_slot(kind) {
            self.owners[slot].entry(value).or_insert(lead_id);
        }
    }
}

/// The lead owning a key: from the import's map during a bulk import, else from `lead_keys`.
fn owner_of(conn: &Connection, ws: i64, bulk: Option<&BulkKeys>, kind: &str, value: &str) -> Result<Option<i64>> {
    match bulk {
        Some(b) => Ok(b.owner(kind, value)),
        None => key_owner(conn, ws, kind, value),
    }
}

/// [`add_planned`] for a prepared row; with `bulk`, keys are looked up in the import's map
/// instead of `lead_keys` (see [`BulkKeys`]).
pub fn add_prepared(
    conn: &Connection,
    ws: &Workspace,
    p: Prepared,
    now: DateTime<Utc>,
    plan: Option<(i64, DateTime<Utc>)>,
    mut bulk: Option<&mut BulkKeys>,
) -> Result<AddOutcome> {
    let keys = lead_keys(&p.lead);
    let found = find_match_keys(conn, ws, bulk.as_deref(), &keys)?;
    let record_key = |bulk: &mut Option<&mut BulkKeys>, kind: &'static str, value: String, lead_id: i64| -> Result<()> {
        insert_key(conn, ws.id, kind, &value, lead_id)?;
        if let Some(b) = bulk.as_deref_mut() {
            b.record(kind, value, lead_id);
        }
        Ok(())
    };
    if let Some((target, key)) = found {
        let fields = p.lead.fields();
        let mut lead = get(conn, ws, target)?;
        let before = lead.clone();
        let ignored = absorb(&mut lead, &fields, &|kind, value| owner_of(conn, ws.id, bulk.as_deref(), kind, value))?;
        lead.updated_at = now;
        lead.rescore(ws, now);
        write(conn, &lead)?;
        sync_match(conn, Some(&before), Some(&lead))?;
        // The merged lead may have gained keys: later rows must find them.
        for (kind, value, _) in lead_keys(&lead) {
            record_key(&mut bulk, kind, value, lead.id)?;
        }
        let mut detail = format!("merged a duplicate from {} (same {})", fields.source, key.replace('_', " "));
        if !ignored.is_empty() {
            detail.push_str(&format!("; kept the existing {}", ignored.join(", ")));
        }
        timeline::add(conn, ws.id, lead.id, now, "merged", &detail)?;
        return Ok(AddOutcome { id: lead.id, created: false, merged_into: Some(lead.id), score: lead.score, grade: lead.grade });
    }
    let Prepared { mut lead, search, matches } = p;
    // Every new lead joins the default campaign.
    lead.next_followup_at = plan.map(|(_, due)| due);
    insert(conn, &mut lead, &search)?;
    if let Some((campaign, due)) = plan {
        crate::followups::enrol(conn, ws, lead.id, campaign, now, due)?;
    }
    for (kind, value, _) in keys {
        record_key(&mut bulk, kind, value, lead.id)?;
    }
    insert_match_rows(conn, &lead, &matches)?;
    Ok(AddOutcome { id: lead.id, created: true, merged_into: None, score: lead.score, grade: lead.grade })
}

/// The merge rules: blanks are filled, lists are unioned, name, source, status and creation
/// time stay. A key value that another lead owns is not taken. Notes are appended rather than
/// lost. Returns the fields whose differing incoming value was not kept.
fn absorb(into: &mut Lead, f: &LeadFields, owner: &dyn Fn(&str, &str) -> Result<Option<i64>>) -> Result<Vec<&'static str>> {
    let mut ignored = Vec::new();
    let id = into.id;
    let free = |kind: &str, value: &str| -> Result<bool> { Ok(owner(kind, value)?.is_none_or(|o| o == id)) };
    macro_rules! fill {
        ($field:ident, $name:literal, $key:expr) => {
            match (&into.$field, &f.$field) {
                (None, Some(v)) => {
                    let key: Option<(&str, String)> = $key(v);
                    if key.map_or(Ok(true), |(k, val)| free(k, &val))? {
                        into.$field = Some(v.clone());
                    } else {
                        ignored.push($name);
                    }
                }
                (Some(old), Some(new)) if old != new => ignored.push($name),
                _ => {}
            }
        };
    }
    let none = |_: &dyn std::any::Any| None;
    fill!(email, "email", |v: &String| Some(("email", v.clone())));
    fill!(linkedin_url, "linkedin_url", |v: &String| Some(("linkedin", v.clone())));
    fill!(telegram_id, "telegram_id", |v: &i64| Some(("telegram", v.to_string())));
    fill!(phone, "phone", |v: &String| Some(("phone", v.clone())));
    fill!(whatsapp, "whatsapp", |v: &String| Some(("phone", v.clone())));
    fill!(telegram_username, "telegram_username", |v: &String| none(v));
    fill!(property_type, "property_type", |v: &PropertyType| none(v));
    fill!(bedrooms, "bedrooms", |v: &i64| none(v));
    fill!(purpose, "purpose", |v: &Purpose| none(v));
    fill!(language, "language", |v: &Language| none(v));
    // Budgets are filled only while they stay a sensible range.
    let (min, max) = (into.budget_min.or(f.budget_min), into.budget_max.or(f.budget_max));
    if min.zip(max).is_none_or(|(a, b)| a <= b) {
        into.budget_min = min;
        into.budget_max = max;
    } else {
        ignored.push("budget");
    }
    union(&mut into.locations, &f.locations, validate::MAX_LOCATIONS);
    union(&mut into.tags, &f.tags, validate::MAX_TAGS);
    match (&into.notes, &f.notes) {
        (None, Some(n)) => into.notes = Some(n.clone()),
        (Some(old), Some(new)) if !old.contains(new.as_str()) => {
            let joined = format!("{old}\n\n{new}");
            if joined.chars().count() <= validate::MAX_NOTES {
                into.notes = Some(joined);
            } else {
                ignored.push("notes");
            }
        }
        _ => {}
    }
    Ok(ignored)
}

fn union(into: &mut Vec<String>, more: &[String], max: usize) {
    for m in more {
        if into.len() < max && !into.iter().any(|v| v.to_lowercase() == m.to_lowercase()) {
            into.push(m.clone());
        }
    }
}

/// Replaces the lead's editable fields with `input`. Taking another lead's phone, email,
/// LinkedIn or Telegram id is a `duplicate` error: merge the two instead.
pub fn update(conn: &Connection, ws: &Workspace, id: i64, input: &LeadInput, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    let fields = validate::lead(input, ws.region())?;
    let before = lead.clone();
    lead.set_fields(fields);
    let changed = changed_fields(&before, &lead);
    if changed.is_empty() {
        return Ok(before);
    }
    lead.updated_at = now;
    lead.rescore(ws, now);
    sync_keys(conn, &before, &lead)?;
    write(conn, &lead)?;
    sync_match(conn, Some(&before), Some(&lead))?;
    timeline::add(conn, ws.id, id, now, "updated", &format!("edited {}", changed.join(", ")))?;
    Ok(lead)
}

fn changed_fields(a: &Lead, b: &Lead) -> Vec<&'static str> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),+) => { $(if a.$f != b.$f { out.push(stringify!($f)); })+ };
    }
    cmp!(name, email, phone, whatsapp, telegram_id, telegram_username, linkedin_url, source, budget_min, budget_max,
        locations, property_type, bedrooms, purpose, language, notes, tags);
    out
}

pub fn set_status(conn: &Connection, ws: &Workspace, id: i64, status: Status, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    if lead.status == status {
        return Ok(lead);
    }
    let before = lead.clone();
    let from = lead.status;
    lead.status = status;
    lead.updated_at = now;
    lead.rescore(ws, now);
    write(conn, &lead)?;
    sync_match(conn, Some(&before), Some(&lead))?;
    timeline::add(conn, ws.id, id, now, "status_changed", &format!("{from} → {status}"))?;
    if matches!(status, Status::Qualified | Status::Viewing | Status::Negotiating | Status::Won | Status::Lost) {
        crate::followups::stop(conn, ws, id, "the lead's status ends nurturing")?;
        lead.next_followup_at = None;
    }
    if [from, status].iter().any(|s| matches!(s, Status::Won | Status::Lost)) {
        // An outcome changed: the agent's own history teaches the score again.
        retrain(conn, ws, now)?;
    }
    Ok(lead)
}

/// Records a message the lead sent (typed in by the agent now; received from a channel later).
pub fn record_reply(conn: &Connection, ws: &Workspace, id: i64, text: &str, channel: Option<Channel>, now: DateTime<Utc>) -> Result<Lead> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::validation("text", "the reply has no text"));
    }
    if text.chars().count() > validate::MAX_NOTES {
        return Err(Error::validation("text", format!("a reply is at most {} characters", validate::MAX_NOTES)));
    }
    let mut lead = get(conn, ws, id)?;
    lead.last_inbound_at = Some(now);
    if matches!(lead.status, Status::New | Status::Contacted) {
        lead.status = Status::Replied;
    }
    lead.updated_at = now;
    lead.rescore(ws, now);
    write(conn, &lead)?;
    let via = channel.map(|c| format!(" via {c}")).unwrap_or_default();
    let class = crate::messaging::replies::classify(text).class;
    timeline::add_reply(conn, ws.id, id, now, &format!("{text}{via}"), class.as_str())?;
    crate::followups::stop(conn, ws, id, "the lead replied")?;
    lead.next_followup_at = None;
    Ok(lead)
}

/// Merges lead `other` into lead `keep` by hand: the merge rules of an add, the earlier
/// creation time and its source, the later contact times; `other`'s history moves over and
/// `other` is gone.
pub fn merge(conn: &Connection, ws: &Workspace, keep: i64, other: i64, now: DateTime<Utc>) -> Result<Lead> {
    if keep == other {
        return Err(Error::validation("other", "a lead cannot be merged into itself"));
    }
    let mut lead = get(conn, ws, keep)?;
    let before = lead.clone();
    let gone = get(conn, ws, other)?;
    // Free the other lead's keys first so the kept lead may take them.
    delete_keys(conn, &gone)?;
    sync_match(conn, Some(&gone), None)?;
    let ignored = absorb(&mut lead, &gone.fields(), &|kind, value| key_owner(conn, ws.id, kind, value))?;
    if gone.created_at < lead.created_at {
        lead.created_at = gone.created_at;
        lead.source = gone.source;
    }
    lead.last_contacted_at = lead.last_contacted_at.max(gone.last_contacted_at);
    lead.last_inbound_at = lead.last_inbound_at.max(gone.last_inbound_at);
    for c in &gone.opt_outs {
        if !lead.opt_outs.contains(c) {
            lead.opt_outs.push(*c);
        }
    }
    lead.updated_at = now;
    lead.rescore(ws, now);
    conn.prepare_cached("UPDATE timeline SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, other, keep])?;
    // Messages move over; a property both were told about stays told once.
    crate::outbox::move_to_lead(conn, ws, other, keep)?;
    conn.prepare_cached("UPDATE OR IGNORE tasks SET lead_id = ?3 WHERE workspace_id = ?1 AND lead_id = ?2")?
        .execute(params![ws.id, other, keep])?;
    conn.prepare_cached("DELETE FROM leads WHERE workspace_id = ?1 AND id = ?2")?.execute(params![ws.id, other])?;
    write(conn, &lead)?;
    sync_match(conn, Some(&before), Some(&lead))?;
    for (kind, value, _) in lead_keys(&lead) {
        insert_key(conn, ws.id, kind, &value, lead.id)?;
    }
    let mut detail = format!("merged lead #{other} ({}) by hand", gone.name);
    if !ignored.is_empty() {
        detail.push_str(&format!("; kept the existing {}", ignored.join(", ")));
    }
    timeline::add(conn, ws.id, keep, now, "merged", &detail)?;
    Ok(lead)
}

/// The lead of `ws` that owns identity key `kind`/`value` (`telegram` + user id, `phone` +
/// E.164 number), if any.
pub fn by_key(conn: &Connection, ws: &Workspace, kind: &str, value: &str) -> Result<Option<i64>> {
    key_owner(conn, ws.id, kind, value)
}

/// Links a Telegram account to a lead (the lead pressed Start on its link). If another lead
/// already has that account (it wrote to the bot before), the two are one person: merged.
pub fn link_telegram(conn: &Connection, ws: &Workspace, id: i64, telegram_id: i64, username: Option<&str>, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    if lead.telegram_id == Some(telegram_id) {
        return Ok(lead);
    }
    if let Some(other) = key_owner(conn, ws.id, "telegram", &telegram_id.to_string())?.filter(|o| *o != id) {
        merge(conn, ws, id, other, now)?;
        lead = get(conn, ws, id)?;
    }
    let before = lead.clone();
    lead.telegram_id = Some(telegram_id);
    if lead.telegram_username.is_none() {
        lead.telegram_username = username.map(String::from);
    }
    lead.unusable_channels.retain(|c| *c != Channel::Telegram);
    lead.updated_at = now;
    lead.rescore(ws, now);
    sync_keys(conn, &before, &lead)?;
    write(conn, &lead)?;
    set_unusable(conn, &lead)?;
    let who = username.map(|u| format!("@{u}")).unwrap_or_else(|| telegram_id.to_string());
    timeline::add(conn, ws.id, id, now, "telegram_linked", &format!("linked Telegram {who}"))?;
    Ok(lead)
}

/// Opts the lead out of `channel` (`out`) or back in. Returns whether anything changed.
pub fn set_opt_out(conn: &Connection, ws: &Workspace, id: i64, channel: Channel, out: bool, why: &str, now: DateTime<Utc>) -> Result<bool> {
    let mut lead = get(conn, ws, id)?;
    if lead.opt_outs.contains(&channel) == out {
        return Ok(false);
    }
    if out {
        lead.opt_outs.push(channel);
    } else {
        lead.opt_outs.retain(|c| *c != channel);
    }
    lead.updated_at = now;
    write(conn, &lead)?;
    let (kind, verb) = if out { ("opted_out", "opted out of") } else { ("opted_in", "opted back in to") };
    timeline::add(conn, ws.id, id, now, kind, &format!("{verb} {channel} ({why})"))?;
    Ok(true)
}

/// Marks `channel` as unable to reach the lead (or able again). Returns whether it changed.
pub fn set_channel_usable(conn: &Connection, ws: &Workspace, id: i64, channel: Channel, usable: bool, why: &str, now: DateTime<Utc>) -> Result<bool> {
    let mut lead = get(conn, ws, id)?;
    if lead.unusable_channels.contains(&channel) != usable {
        return Ok(false);
    }
    if usable {
        lead.unusable_channels.retain(|c| *c != channel);
    } else {
        lead.unusable_channels.push(channel);
        timeline::add(conn, ws.id, id, now, "channel_unusable", &format!("{channel} cannot reach this lead: {why}"))?;
    }
    set_unusable(conn, &lead)?;
    Ok(true)
}

fn set_unusable(conn: &Connection, lead: &Lead) -> Result<()> {
    conn.prepare_cached("UPDATE leads SET unusable_channels = ?3 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![lead.workspace_id, lead.id, json(&lead.unusable_channels)])?;
    Ok(())
}

/// A message reached the lead: last contact now, a new lead becomes contacted, rescored.
pub fn mark_contacted(conn: &Connection, ws: &Workspace, id: i64, channel: &str, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    lead.last_contacted_at = Some(now);
    if lead.status == Status::New {
        lead.status = Status::Contacted;
        timeline::add(conn, ws.id, id, now, "status_changed", &format!("new → contacted (first message sent via {channel})"))?;
    }
    lead.updated_at = now;
    lead.rescore(ws, now);
    write(conn, &lead)?;
    Ok(lead)
}

/// The lead wrote on WhatsApp at `at`: free text may go to it for 24 hours.
pub fn note_whatsapp_inbound(conn: &Connection, ws: &Workspace, id: i64, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE leads SET whatsapp_inbound_at = max(coalesce(whatsapp_inbound_at, ''), ?3) WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![ws.id, id, fmt_time(at)])?;
    Ok(())
}

/// Rescoring leads whose time-based factors changed since they were scored.
pub fn refresh_stale_scores(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<usize> {
    let stale: Vec<Lead> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND score_valid_until IS NOT NULL AND score_valid_until <= ?2"
        ))?
        .query_map(params![ws.id, fmt_time(now)], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    for mut lead in stale.iter().cloned() {
        lead.rescore(ws, now);
        conn.prepare_cached(
            "UPDATE leads SET score = ?3, grade = ?4, score_valid_until = ?5 WHERE workspace_id = ?1 AND id = ?2",
        )?
        .execute(params![ws.id, lead.id, lead.score, lead.grade.as_str(), lead.score_valid_until.map(fmt_time)])?;
    }
    Ok(stale.len())
}

/// Columns the lead list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    Score,
    Name,
    CreatedAt,
    LastContactedAt,
    BudgetMax,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadQuery {
    pub grade: Option<Grade>,
    pub status: Option<Status>,
    pub source: Option<Source>,
    pub search: Option<String>,
    pub sort: SortBy,
    /// Sort direction; `None` is the natural one (highest score, A→Z, newest).
    pub desc: Option<bool>,
    pub offset: u32,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeadPage {
    pub total: i64,
    pub rows: Vec<Lead>,
}

/// What a typed search looks for in `search`: lower-case text, or, for something typed like a
/// phone number, its digits without the trunk zero ("050 123" finds +97150123…).
fn search_needle(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 3 && text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        return Some(digits.trim_start_matches('0').to_string()).filter(|d| !d.is_empty());
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
}

/// Leads of the workspace matching the filters, sorted, one page of them plus the total.
///
/// A search scans the covering index `leads_ws_search` (search text and score) once: that gives
/// the total and, for the usual sort by score, the page's ids without touching the table.
pub fn list(conn: &Connection, ws: &Workspace, q: &LeadQuery) -> Result<LeadPage> {
    let needle = q.search.as_deref().and_then(search_needle);
    let mut filter = String::from("workspace_id = ?");
    let mut args: Vec<Value> = vec![Value::Integer(ws.id)];
    if let Some(g) = q.grade {
        // The grade is a function of the score; a score range uses the score and search indexes.
        let (lo, hi) = g.score_range();
        filter.push_str(" AND score BETWEEN ? AND ?");
        args.extend([Value::Integer(lo), Value::Integer(hi)]);
    }
    if let Some(s) = q.status {
        filter.push_str(" AND status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(s) = q.source {
        filter.push_str(" AND source = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    let natural_desc = matches!(q.sort, SortBy::Score | SortBy::CreatedAt | SortBy::LastContactedAt | SortBy::BudgetMax);
    let desc = q.desc.unwrap_or(natural_desc);
    let limit = q.limit.map_or(usize::MAX, |l| l as usize);
    let offset = q.offset as usize;

    if let Some(needle) = &needle {
        filter.push_str(" AND instr(search, ?) > 0");
        args.push(Value::Text(needle.clone()));
        let mut hits: Vec<(i64, i64)> = conn
            .prepare_cached(&format!("SELECT score, id FROM leads INDEXED BY leads_ws_search WHERE {filter}"))?
            .query_map(params_from_iter(&args), |r| Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(0), r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let total = hits.len() as i64;
        if q.sort == SortBy::Score {
            if desc {
                hits.sort_unstable_by(|a, b| b.cmp(a));
            } else {
                hits.sort_unstable();
            }
            let ids: Vec<i64> = hits.into_iter().skip(offset).take(limit).map(|(_, id)| id).collect();
            return Ok(LeadPage { total, rows: by_ids(conn, ws, &ids)? });
        }
        let rows = ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?;
        return Ok(LeadPage { total, rows });
    }
    let total: i64 = conn.prepare_cached(&format!("SELECT count(*) FROM leads WHERE {filter}"))?.query_row(params_from_iter(&args), |r| r.get(0))?;
    let rows = ordered_page(conn, &filter, args, q.sort, desc, limit, offset)?;
    Ok(LeadPage { total, rows })
}

fn ordered_page(conn: &Connection, filter: &str, mut args: Vec<Value>, sort: SortBy, desc: bool, limit: usize, offset: usize) -> Result<Vec<Lead>> {
    let dir = if desc { "DESC" } else { "ASC" };
    let order = match sort {
        SortBy::Score => format!("score {dir}, id {dir}"),
        SortBy::Name => format!("name COLLATE NOCASE {dir}, id {dir}"),
        SortBy::CreatedAt => format!("created_at {dir}, id {dir}"),
        SortBy::LastContactedAt => format!("last_contacted_at IS NULL, last_contacted_at {dir}, id {dir}"),
        SortBy::BudgetMax => format!("budget_max IS NULL, budget_max {dir}, id {dir}"),
    };
    args.push(Value::Integer(i64::try_from(limit).unwrap_or(-1)));
    args.push(Value::Integer(offset as i64));
    let sql = format!("SELECT {COLUMNS} FROM leads WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The leads with these ids, in this order.
fn by_ids(conn: &Connection, ws: &Workspace, ids: &[i64]) -> Result<Vec<Lead>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND id = ?2"))?;
    ids.iter().map(|id| Ok(stmt.query_row(params![ws.id, id], from_row)?)).collect()
}
