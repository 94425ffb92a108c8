//! Leads in the store: adding with de-duplication and merging, editing, status changes,
//! replies, manual merges, listing with filters. Every function takes the [`Workspace`] and
//! every statement filters by it: a lead of another workspace behaves as if it did not exist.
//!
//! Identity keys (canonical LinkedIn URL, email, E.164 phone — shared by phone and WhatsApp —
//! and Telegram user id) live in `lead_keys`, whose primary key makes each value belong to at
//! most one lead per workspace, across processes.

mod keys;
pub mod learned;
pub mod lists;
pub mod match_index;
pub mod possible;
mod query;
pub mod replies;
pub mod scoring;
pub mod tallies;
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
pub use keys::{by_key, BulkKeys};
pub use match_index::backfill_match_index;
pub use query::{list, LeadPage, LeadQuery, SortBy, SEARCH_COUNT_AHEAD};
use keys::*;
use match_index::*;
use query::*;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

/// A lead as stored. Serialises to the JSON of SPEC §9 (plus notes, tags, opt-outs and the
/// contact times the app shows).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
    /// When the lead was marked do not market (it declined on a call, or by hand): nothing
    /// automatic goes to it until the agent marks it back, with a reason.
    pub do_not_market_at: Option<DateTime<Utc>>,
    pub do_not_market_reason: Option<String>,
    #[serde(skip)]
    pub workspace_id: i64,
    #[serde(skip)]
    pub score_valid_until: Option<DateTime<Utc>>,
}

/// `lead show`: the lead, why it has its score, and its history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub lead: Lead,
    /// The rule factors, then (with a learned model) a `learned` factor: together they add up
    /// to the score.
    pub score_breakdown: Vec<Factor>,
    /// The learned model's part, when the workspace has one.
    pub learned: Option<Learned>,
    /// The newest page of its history ([`timeline::TimelinePage`]); `timeline_next` reads on.
    pub timeline: Vec<Entry>,
    pub timeline_total: i64,
    pub timeline_next: Option<timeline::TimelineCursor>,
}

/// How the workspace's learned model sees a lead.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
    crate::workspace::set_learned_model(conn, ws.id, json.as_deref())?;
    conn.prepare_cached("UPDATE leads SET score_valid_until = ?2 WHERE workspace_id = ?1 AND status NOT IN ('won', 'lost')")?
        .execute(params![ws.id, fmt_time(now)])?;
    Ok(model.is_some())
}

/// What adding a lead did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AddOutcome {
    pub id: i64,
    pub created: bool,
    pub merged_into: Option<i64>,
    pub score: i64,
    pub grade: Grade,
}

/// An existing lead that shares an identity key with the one being typed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DuplicateMatch {
    pub lead: Lead,
    pub key: &'static str,
}

impl Lead {
    /// Whether any channel could carry a message to the lead: a phone or WhatsApp number, an
    /// e-mail, or a Telegram chat. A LinkedIn profile alone is not one (LinkedIn has no API
    /// for it), nor is a Telegram username (a bot can write only to someone who wrote first).
    pub fn reachable(&self) -> bool {
        self.phone.is_some() || self.whatsapp.is_some() || self.email.is_some() || self.telegram_id.is_some()
    }

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
            do_not_market_at: None,
            do_not_market_reason: None,
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

/// The columns of schema 1, which migrations before schema 6 read leads with.
macro_rules! v1_columns {
    () => {
        "id, workspace_id, name, email, phone, whatsapp, telegram_id, telegram_username, \
    linkedin_url, source, budget_min, budget_max, locations, property_type, bedrooms, purpose, language, status, \
    opt_outs, notes, tags, score, grade, score_valid_until, created_at, updated_at, \
    last_contacted_at, last_inbound_at, next_followup_at"
    };
}
pub(crate) const COLUMNS: &str = concat!(v1_columns!(), ", unusable_channels, do_not_market_at, do_not_market_reason");
/// What [`from_row`] reads, from a schema without `unusable_channels`.
pub(super) const V1_COLUMNS: &str = concat!(v1_columns!(), ", '[]', NULL, NULL");

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
        do_not_market_at: time_col(r, 30)?,
        do_not_market_reason: r.get(31)?,
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

/// The lead `id` of workspace `ws`; a lead of another workspace is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Lead> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Lead, id))
}

/// The lead with its score breakdown (recomputed: the score is a pure function of the lead,
/// the time and the weights, so storing the breakdown would only duplicate it) and the first
/// page of its history (which the caller reads: tasks are part of it).
pub fn detail(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>, history: timeline::TimelinePage) -> Result<LeadDetail> {
    let lead = get(conn, ws, id)?;
    let rule = scoring::score(&lead, now, &ws.weights);
    let learned = learned_part(&lead, ws, now, rule.score);
    let mut score_breakdown = rule.breakdown;
    if let Some(l) = &learned {
        score_breakdown.push(Factor { factor: "learned".into(), points: l.points });
    }
    Ok(LeadDetail { score_breakdown, learned, lead, timeline: history.entries, timeline_total: history.total, timeline_next: history.next })
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
    duplicate_of(conn, ws, &validate::lead(&only_keys, region)?)
}

/// The lead that fields already validated would merge into: [`find_duplicate`] without
/// validating again (for a caller that holds the fields it is about to add).
pub fn duplicate_of(conn: &Connection, ws: &Workspace, fields: &LeadFields) -> Result<Option<DuplicateMatch>> {
    match find_match(conn, ws, fields)? {
        Some((id, key)) => Ok(Some(DuplicateMatch {
            lead: get(conn, ws, id)?,
            key: if key == "whatsapp" { "phone" } else { key },
        })),
        None => Ok(None),
    }
}

/// Adds a validated lead, or merges it into the existing lead it shares an identity key with;
/// a new one is stored with `next_followup_at`. Runs inside the caller's write transaction;
/// enrolling the new lead in the default campaign is [`crate::workflows::add_lead`]'s part.
pub fn add_valid(conn: &Connection, ws: &Workspace, fields: LeadFields, now: DateTime<Utc>, next_followup_at: Option<DateTime<Utc>>) -> Result<AddOutcome> {
    add_prepared(conn, ws, Prepared::new(fields, ws, now), now, next_followup_at, None)
}

/// A valid row made ready to store: the new lead it would be (scored), its search text and its
/// match-index rows. Made on the thread that validates, so the writing thread only writes.
pub struct Prepared {
    lead: Lead,
    search: String,
    matches: Vec<MatchRow>,
}

impl Prepared {
    /// Whether the lead it would be can be reached on any channel ([`Lead::reachable`]).
    pub fn reachable(&self) -> bool {
        self.lead.reachable()
    }

    pub fn new(fields: LeadFields, ws: &Workspace, now: DateTime<Utc>) -> Prepared {
        let mut lead = Lead::from_fields(fields, ws.id, now);
        lead.rescore(ws, now);
        Prepared { search: search_text(&lead), matches: match_rows(&lead), lead }
    }
}

/// [`add_valid`] for a prepared row; with `bulk`, keys are looked up in the import's map
/// instead of `lead_keys` (see [`BulkKeys`]).
pub fn add_prepared(
    conn: &Connection,
    ws: &Workspace,
    p: Prepared,
    now: DateTime<Utc>,
    next_followup_at: Option<DateTime<Utc>>,
    mut bulk: Option<&mut BulkKeys>,
) -> Result<AddOutcome> {
    let keys = lead_keys(&p.lead);
    let found = find_match_keys(conn, ws, bulk.as_deref(), &keys)?;
    // A bulk import keeps its keys in memory and writes them once at the end (BulkKeys::write).
    let record_key = |bulk: &mut Option<&mut BulkKeys>, kind: &'static str, value: String, lead_id: i64| -> Result<()> {
        match bulk.as_deref_mut() {
            Some(b) => b.record(kind, value, lead_id),
            None => insert_key(conn, ws.id, kind, &value, lead_id)?,
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
    lead.next_followup_at = next_followup_at;
    insert(conn, &mut lead, &search)?;
    for (kind, value, _) in keys {
        record_key(&mut bulk, kind, value, lead.id)?;
    }
    insert_match_rows(conn, &lead, &matches)?;
    Ok(AddOutcome { id: lead.id, created: true, merged_into: None, score: lead.score, grade: lead.grade })
}

/// Adds a validated lead as a lead of its own although it shares an identity key with another
/// (the agent looked at the duplicate warning and said these are two people: a couple on one
/// phone, an assistant's e-mail). The keys another lead owns stay that lead's — a later import
/// or message with them still finds the lead the agent already had — and the new lead's
/// timeline says which it shares and with whom. Its other keys are its own.
pub fn add_separate(conn: &Connection, ws: &Workspace, fields: LeadFields, now: DateTime<Utc>, next_followup_at: Option<DateTime<Utc>>) -> Result<AddOutcome> {
    let Prepared { mut lead, search, matches } = Prepared::new(fields, ws, now);
    let keys = lead_keys(&lead);
    let mut shared: Vec<(&'static str, i64)> = Vec::new();
    for (kind, value, field) in &keys {
        if let Some(owner) = key_owner(conn, ws.id, kind, value)? {
            shared.push((field, owner));
        }
    }
    lead.next_followup_at = next_followup_at;
    insert(conn, &mut lead, &search)?;
    for (kind, value, _) in keys {
        insert_key(conn, ws.id, kind, &value, lead.id)?;
    }
    insert_match_rows(conn, &lead, &matches)?;
    for (field, owner) in shared {
        let name: String = conn.query_row("SELECT name FROM leads WHERE id = ?1 AND workspace_id = ?2", params![owner, ws.id], |r| r.get(0))?;
        timeline::add(conn, ws.id, lead.id, now, "kept_separate", &format!("kept apart from lead #{owner} ({name}), same {}", field.replace('_', " ")))?;
        possible::dismiss(conn, ws, owner, lead.id, now)?;
    }
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
    if [from, status].iter().any(|s| matches!(s, Status::Won | Status::Lost)) {
        // An outcome changed: the agent's own history teaches the score again.
        retrain(conn, ws, now)?;
    }
    Ok(lead)
}

/// Records on the lead a message it sent (typed in by the agent now; received from a channel
/// later), with what the reply was understood to say. Stopping its follow-ups is
/// [`crate::workflows::record_reply`]'s part.
pub fn note_reply(conn: &Connection, ws: &Workspace, id: i64, text: &str, channel: Option<Channel>, class: replies::ReplyClass, now: DateTime<Utc>) -> Result<Lead> {
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
    timeline::add_reply(conn, ws.id, id, now, &format!("{text}{via}"), class.as_str())?;
    Ok(lead)
}

/// Merges lead `other` into lead `keep` by hand: the merge rules of an add, the earlier
/// creation time and its source, the later contact times; `other`'s history moves over and
/// `other` is gone.
///
/// `move_history(from, to)` moves what the other areas keep of lead `from` (its messages, its
/// tasks) to lead `to` before `from` is deleted: see [`crate::workflows::merge_leads`].
pub fn merge(conn: &Connection, ws: &Workspace, keep: i64, other: i64, now: DateTime<Utc>, move_history: MoveHistory) -> Result<Lead> {
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
    move_history(other, keep)?;
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

/// Records when the lead's next follow-up is due (RFC 3339), as its enrolments say.
pub fn set_next_followup(conn: &Connection, ws: &Workspace, id: i64, at: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE leads SET next_followup_at = ?3 WHERE workspace_id = ?1 AND id = ?2")?.execute(params![ws.id, id, at])?;
    Ok(())
}

/// Moves the history other areas keep of one lead to another (see [`merge`]).
pub type MoveHistory<'a> = &'a dyn Fn(i64, i64) -> Result<()>;

/// Links a Telegram account to a lead (the lead pressed Start on its link). If another lead
/// already has that account (it wrote to the bot before), the two are one person: merged.
pub fn link_telegram(conn: &Connection, ws: &Workspace, id: i64, telegram_id: i64, username: Option<&str>, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    if lead.telegram_id == Some(telegram_id) {
        return Ok(lead);
    }
    // Never silently: the account of another lead is that lead's (the agent merges by hand),
    // and a lead with another account keeps it (SPEC §6a).
    if let Some(other) = key_owner(conn, ws.id, "telegram", &telegram_id.to_string())?.filter(|o| *o != id) {
        return Err(Error::Duplicate {
            field: "telegram_id".into(),
            message: format!("this Telegram account is already lead #{other}'s"),
            existing_id: other,
        });
    }
    if let Some(had) = lead.telegram_id {
        return Err(Error::validation("telegram_id", format!("this lead is linked to Telegram {had} already")));
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
    note_answered(conn, ws, id, now)?;
    Ok(lead)
}

/// The agent called the lead: last contact now (a call is a contact); a call that was
/// `answered` moves a new lead to contacted (it is not a reply by the lead).
pub fn note_call(conn: &Connection, ws: &Workspace, id: i64, answered: bool, detail: &str, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = get(conn, ws, id)?;
    lead.last_contacted_at = Some(now);
    timeline::add(conn, ws.id, id, now, "call", detail)?;
    // A call is the agent answering: it ends the lead's speed to lead as a message does.
    note_answered(conn, ws, id, now)?;
    if answered && lead.status == Status::New {
        lead.status = Status::Contacted;
        timeline::add(conn, ws.id, id, now, "status_changed", "new → contacted (answered a call)")?;
    }
    lead.updated_at = now;
    lead.rescore(ws, now);
    write(conn, &lead)?;
    Ok(lead)
}

/// The longest reason for marking a lead do not market (or back).
pub const MAX_MARKET_REASON: usize = 500;

/// Marks the lead do not market (`on`) or back (`!on`), with a reason the timeline keeps.
/// Returns the lead; marking it as it already is changes nothing.
pub fn set_do_not_market(conn: &Connection, ws: &Workspace, id: i64, on: bool, reason: &str, now: DateTime<Utc>) -> Result<Lead> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::validation("reason", "say why (the lead's timeline keeps it)"));
    }
    if reason.chars().count() > MAX_MARKET_REASON {
        return Err(Error::validation("reason", format!("a reason is at most {MAX_MARKET_REASON} characters")));
    }
    let mut lead = get(conn, ws, id)?;
    if lead.do_not_market_at.is_some() == on {
        return Ok(lead);
    }
    lead.do_not_market_at = on.then_some(now);
    lead.do_not_market_reason = on.then(|| reason.to_string());
    conn.prepare_cached("UPDATE leads SET do_not_market_at = ?3, do_not_market_reason = ?4, updated_at = ?5 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, lead.do_not_market_at.map(fmt_time), lead.do_not_market_reason, fmt_time(now)])?;
    lead.updated_at = now;
    let (kind, verb) = if on { ("do_not_market", "marked do not market") } else { ("marketable", "may be marketed to again") };
    timeline::add(conn, ws.id, id, now, kind, &format!("{verb}: {reason}"))?;
    Ok(lead)
}

/// The lead was answered at `at` (a message sent to it, by Leadbook or by hand, or a call
/// logged): only the first time is kept, the end of its speed to lead (SPEC §12).
pub fn note_answered(conn: &Connection, ws: &Workspace, id: i64, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE leads SET first_answered_at = ?3 WHERE workspace_id = ?1 AND id = ?2 AND first_answered_at IS NULL")?
        .execute(params![ws.id, id, fmt_time(at)])?;
    Ok(())
}

/// When the lead was first answered, if it was.
pub fn first_answered_at(conn: &Connection, ws: &Workspace, id: i64) -> Result<Option<String>> {
    conn.prepare_cached("SELECT first_answered_at FROM leads WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(params![ws.id, id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Lead, id))
}

/// The provider says the lead's WhatsApp window is closed: our record of its last inbound
/// message there was stale.
pub fn close_whatsapp_window(conn: &Connection, ws: &Workspace, id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE leads SET whatsapp_inbound_at = NULL WHERE workspace_id = ?1 AND id = ?2")?.execute(params![ws.id, id])?;
    Ok(())
}

/// The lead wrote on WhatsApp at `at` to the business number of provider `via` (`twilio`,
/// `whatsapp`): free text may go to it from that number for 24 hours.
pub fn note_whatsapp_inbound(conn: &Connection, ws: &Workspace, id: i64, at: DateTime<Utc>, via: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE leads SET whatsapp_inbound_via = CASE WHEN ?3 >= coalesce(whatsapp_inbound_at, '') THEN ?4 ELSE whatsapp_inbound_via END,
            whatsapp_inbound_at = max(coalesce(whatsapp_inbound_at, ''), ?3) WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![ws.id, id, fmt_time(at), via])?;
    Ok(())
}

/// The lead arrived (its first enquiry was made) at `at`: kept once, the earliest wins. Speed to
/// lead counts from it.
pub fn note_arrival(conn: &Connection, ws: &Workspace, id: i64, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE leads SET arrived_at = CASE WHEN arrived_at IS NULL OR arrived_at > ?3 THEN ?3 ELSE arrived_at END
         WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![ws.id, id, fmt_time(at)])?;
    Ok(())
}

/// When the lead arrived (see [`note_arrival`]); `None` for a lead that never made an enquiry.
pub fn arrived_at(conn: &Connection, ws: &Workspace, id: i64) -> Result<Option<DateTime<Utc>>> {
    let at: Option<Option<String>> = conn
        .prepare_cached("SELECT arrived_at FROM leads WHERE workspace_id = ?1 AND id = ?2")?
        .query_row(params![ws.id, id], |r| r.get(0))
        .optional()?;
    match at {
        None => Err(Error::not_found(crate::Entity::Lead, id)),
        Some(t) => Ok(t.as_deref().and_then(crate::clock::parse_time)),
    }
}

/// Whether any lead's time-based factors changed since it was scored.
pub fn has_stale_scores(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM leads WHERE workspace_id = ?1 AND score_valid_until <= ?2)",
        params![ws.id, fmt_time(now)],
        |r| r.get(0),
    )?)
}

/// Rescoring up to `limit` leads whose time-based factors changed since they were scored (the
/// earliest gone stale first); returns how many. A rescored lead is valid past `now`, so
/// calling again takes the next ones.
pub fn refresh_stale_scores(conn: &Connection, ws: &Workspace, now: DateTime<Utc>, limit: usize) -> Result<usize> {
    let stale: Vec<Lead> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads WHERE workspace_id = ?1 AND score_valid_until IS NOT NULL AND score_valid_until <= ?2
             ORDER BY score_valid_until LIMIT ?3"
        ))?
        .query_map(params![ws.id, fmt_time(now), limit as i64], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let n = stale.len();
    for mut lead in stale {
        lead.rescore(ws, now);
        conn.prepare_cached(
            "UPDATE leads SET score = ?3, grade = ?4, score_valid_until = ?5 WHERE workspace_id = ?1 AND id = ?2",
        )?
        .execute(params![ws.id, lead.id, lead.score, lead.grade.as_str(), lead.score_valid_until.map(fmt_time)])?;
    }
    Ok(n)
}
