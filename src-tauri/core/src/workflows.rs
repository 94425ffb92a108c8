//! Workflows that span areas, in one place above the areas they join: a new workspace gets its
//! default campaign, a new lead joins it, a status that ends nurturing stops it, an outcome
//! retrains the learned score, a new listing alerts the buyers it matches.
//!
//! Each function runs inside the caller's write transaction; the areas below never call up
//! here.

use crate::enquiries::{self, Enquiry};
use crate::error::{Error, Result};
use crate::followups::{self, templates};
use crate::leads::validate::{self, LeadFields, LeadInput};
use crate::leads::{self, AddOutcome, BulkKeys, Lead, Prepared};
use crate::listings::matching::{self, Notified};
use crate::listings::properties::{self, Property, PropertyInput};
use crate::model::{Channel, PropertyStatus, Status};
use crate::store::Setup;
use crate::workspace::{self, Workspace};
use crate::{compliance, outbox, tasks};
use crate::clock::fmt_time;
use crate::tasks::calls::{self, CallOutcome};
use crate::tasks::deals::{self, Deal, DealInput, DealStage};
use crate::tasks::viewings::{self, Viewing, ViewingInput, ViewingStatus};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

/// The app's [`Setup`] of the store: the data migrations and the `Default` workspace.
pub const SETUP: Setup = Setup { after_migration, ensure_defaults: ensure_default_workspace };

/// Data changes a schema version needs that SQL alone cannot make.
fn after_migration(tx: &Transaction, version: usize) -> Result<()> {
    if version == 2 {
        // Leads written before matching existed get their area keys.
        leads::backfill_match_index(tx)?;
    }
    if version == 24 {
        // The leads' tallies start from the leads already there.
        for id in workspace::ids(tx)? {
            leads::tallies::rebuild(tx, id)?;
        }
    }
    if version == 3 {
        // Every workspace gets the default campaign. Leads that existed before follow-ups are
        // not enrolled: catching up would send them a check-in out of the blue.
        for id in workspace::ids(tx)? {
            followups::ensure_default(tx, id, chrono::Utc::now())?;
        }
    }
    Ok(())
}

/// A new book has one workspace, `Default`, with its default campaign.
fn ensure_default_workspace(conn: &Connection) -> Result<()> {
    let now = chrono::Utc::now();
    if let Some(id) = workspace::create_first(conn, now)? {
        followups::ensure_default(conn, id, now)?;
    }
    Ok(())
}

/// A new workspace, with the default campaign every new lead of it joins.
pub fn add_workspace(conn: &Connection, name: &str, timezone: Option<&str>, now: DateTime<Utc>) -> Result<Workspace> {
    let ws = workspace::add(conn, name, timezone, now)?;
    followups::ensure_default(conn, ws.id, now)?;
    workspace::by_id(conn, ws.id)
}

/// The default campaign and when its first step falls due for a lead added now, looked up
/// once per import.
pub type Plan = Option<(i64, DateTime<Utc>)>;

pub fn default_plan(conn: &Connection, ws: &Workspace, now: DateTime<Utc>) -> Result<Plan> {
    followups::default_plan(conn, ws, now)
}

/// Adds a lead (by hand, from a channel): validated, de-duplicated, and — when new — enrolled
/// in the default campaign.
pub fn add_lead(conn: &Connection, ws: &Workspace, input: &LeadInput, now: DateTime<Utc>) -> Result<AddOutcome> {
    let fields = validate::lead(input, ws.region())?;
    add_valid(conn, ws, fields, now, default_plan(conn, ws, now)?)
}

/// Adds a lead who came to the agent (a portal enquiry, an email, a first Telegram or
/// WhatsApp message): like [`add_lead`], but speed to lead (SPEC §12) — the default campaign's
/// first step falls due now instead of after its offset; the tick still keeps quiet hours.
pub fn add_inbound_lead(conn: &Connection, ws: &Workspace, input: &LeadInput, now: DateTime<Utc>) -> Result<AddOutcome> {
    let fields = validate::lead(input, ws.region())?;
    add_valid(conn, ws, fields, now, at_once(default_plan(conn, ws, now)?, now))
}

/// Whether a lead of this source came to the agent (wrote first, enquired on a portal or a
/// web form): such leads are answered at once, and speed to lead is measured on them.
pub fn comes_to_agent(source: crate::model::Source) -> bool {
    use crate::model::Source;
    source.scores_as_portal() || matches!(source, Source::Telegram | Source::Whatsapp | Source::Website)
}

/// A plan whose first step falls due at `now`: the speed to lead of a lead who came to us.
pub fn at_once(plan: Plan, now: DateTime<Utc>) -> Plan {
    plan.map(|(campaign, due)| (campaign, due.min(now)))
}

/// The first message of a lead made from it: understood and on its timeline, but — unlike a
/// reply — its follow-ups go on, so the lead who wrote first is answered at once.
pub fn record_first_message(conn: &Connection, ws: &Workspace, id: i64, text: &str, channel: Option<Channel>, now: DateTime<Utc>) -> Result<Lead> {
    let class = leads::replies::classify(text.trim()).class;
    let lead = leads::note_reply(conn, ws, id, text, channel, class, now)?;
    if let Some(c) = channel {
        compliance::consent::from_inbound(conn, ws, id, c, now)?;
    }
    Ok(lead)
}

/// Adds a lead by hand as a new lead though it shares an identity key with another (the agent
/// chose "Add as a new lead" on the duplicate warning), enrolled like any new lead.
pub fn add_lead_separately(conn: &Connection, ws: &Workspace, input: &LeadInput, now: DateTime<Utc>) -> Result<AddOutcome> {
    let fields = validate::lead(input, ws.region())?;
    let plan = default_plan(conn, ws, now)?;
    let reachable = fields.phone.is_some() || fields.whatsapp.is_some() || fields.email.is_some() || fields.telegram_id.is_some();
    let out = leads::add_separate(conn, ws, fields, now, plan.filter(|_| reachable).map(|(_, due)| due))?;
    start_followups(conn, ws, out.id, reachable, plan, now)?;
    Ok(out)
}

/// [`add_lead`] for fields already validated, with the plan looked up by the caller.
pub fn add_valid(conn: &Connection, ws: &Workspace, fields: LeadFields, now: DateTime<Utc>, plan: Plan) -> Result<AddOutcome> {
    add_prepared(conn, ws, Prepared::new(fields, ws, now), now, plan, None)
}

/// [`add_valid`] for a row an import prepared on another thread; with `bulk`, identity keys are
/// looked up in the import's map.
pub fn add_prepared(conn: &Connection, ws: &Workspace, p: Prepared, now: DateTime<Utc>, plan: Plan, bulk: Option<&mut BulkKeys>) -> Result<AddOutcome> {
    let reachable = p.reachable();
    let out = leads::add_prepared(conn, ws, p, now, plan.filter(|_| reachable).map(|(_, due)| due), bulk)?;
    if out.created {
        start_followups(conn, ws, out.id, reachable, plan, now)?;
    } else {
        // The row may have brought the number the lead was missing.
        start_followups_once_reachable(conn, ws, out.id, now)?;
    }
    Ok(out)
}

/// A new lead joins the default campaign; one no channel can reach gets a task to find a
/// phone number or an e-mail instead (follow-ups it could never be sent would only pile up
/// as messages to send by hand, to nobody).
fn start_followups(conn: &Connection, ws: &Workspace, lead_id: i64, reachable: bool, plan: Plan, now: DateTime<Utc>) -> Result<()> {
    match plan {
        Some((campaign, due)) if reachable => followups::enrol(conn, ws, lead_id, campaign, now, due),
        Some(_) => tasks::add(conn, ws, lead_id, tasks::FIND_CONTACT, "automatic follow-ups start once the lead has a phone number or an e-mail", now).map(|_| ()),
        None => Ok(()),
    }
}

/// A lead waiting for a number (an open "find a number" task) that now has one: the task is
/// settled and the lead joins the default campaign, its first step due as for a new lead.
pub fn start_followups_once_reachable(conn: &Connection, ws: &Workspace, lead_id: i64, now: DateTime<Utc>) -> Result<()> {
    let lead = leads::get(conn, ws, lead_id)?;
    if !lead.reachable() || tasks::settle(conn, ws, lead_id, tasks::FIND_CONTACT, now)? == 0 {
        return Ok(());
    }
    if let Some((campaign, due)) = default_plan(conn, ws, now)? {
        followups::enrol(conn, ws, lead_id, campaign, now, due)?;
        leads::set_next_followup(conn, ws, lead_id, Some(&crate::clock::fmt_time(due)))?;
    }
    Ok(())
}

/// Changes a lead's status; one that ends nurturing (qualified and on) stops its follow-ups.
pub fn set_status(conn: &Connection, ws: &Workspace, id: i64, status: Status, now: DateTime<Utc>) -> Result<Lead> {
    let mut lead = leads::set_status(conn, ws, id, status, now)?;
    if status.ends_nurturing() {
        followups::stop(conn, ws, id, "the lead's status ends nurturing")?;
        lead.next_followup_at = None;
    }
    Ok(lead)
}

/// A message from the lead: understood, on its timeline, and its follow-ups stop.
pub fn record_reply(conn: &Connection, ws: &Workspace, id: i64, text: &str, channel: Option<Channel>, now: DateTime<Utc>) -> Result<Lead> {
    let class = leads::replies::classify(text.trim()).class;
    let mut lead = leads::note_reply(conn, ws, id, text, channel, class, now)?;
    if let Some(c) = channel {
        // A lead writing first on a channel nobody wrote to them on consents to it.
        compliance::consent::from_inbound(conn, ws, id, c, now)?;
    }
    followups::stop(conn, ws, id, "the lead replied")?;
    lead.next_followup_at = None;
    Ok(lead)
}

/// Merges lead `other` into lead `keep` by hand; `other`'s messages and tasks move over (a
/// listing both were told about stays told once).
pub fn merge_leads(conn: &Connection, ws: &Workspace, keep: i64, other: i64, now: DateTime<Utc>) -> Result<Lead> {
    leads::merge(conn, ws, keep, other, now, &|from, to| move_history(conn, ws, from, to))
}

/// Links a Telegram account to a lead that has none (see [`leads::link_telegram`]): never
/// merges, never replaces another account.
pub fn link_telegram(conn: &Connection, ws: &Workspace, id: i64, telegram_id: i64, username: Option<&str>, now: DateTime<Utc>) -> Result<Lead> {
    leads::link_telegram(conn, ws, id, telegram_id, username, now)
}

/// The agent must decide about lead `lead_id`: a task, and the same words on its timeline
/// (kind `task`), so the lead's page says it too.
pub fn task_for_agent(conn: &Connection, ws: &Workspace, lead_id: i64, kind: &str, detail: &str, now: DateTime<Utc>) -> Result<i64> {
    leads::timeline::add(conn, ws.id, lead_id, now, "task", detail)?;
    tasks::add(conn, ws, lead_id, kind, detail, now)
}

fn move_history(conn: &Connection, ws: &Workspace, from: i64, to: i64) -> Result<()> {
    outbox::move_to_lead(conn, ws, from, to)?;
    compliance::move_to_lead(conn, ws, from, to)?;
    enquiries::move_to_lead(conn, ws, from, to)?;
    tasks::move_to_lead(conn, ws, from, to)
}

/// What taking an enquiry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct EnquiryTaken {
    pub lead_id: i64,
    /// A new lead was made of it (else it joined the lead with the same phone or email).
    pub new_lead: bool,
    /// The same enquiry was taken before (the portal's lead id, or the same enquiry by API and
    /// by email): nothing changed.
    pub repeat: bool,
}

/// Takes in an enquiry from a portal or a lead sender (by email or by API), inside the
/// caller's write transaction: the same validation and de-duplication as every lead (a second
/// enquiry from the same phone or email joins that lead), a new lead joins the default
/// campaign, the enquiry lands on the timeline ("Enquiry from Property Finder: …") with the
/// listing it names, and the lead's arrival time is kept for speed to lead. The portal's lead
/// id de-duplicates: an enquiry seen by API and by email is one lead and one entry.
///
/// An enquiry with no phone and no email that validates is a validation error (nothing is
/// written): the caller keeps the mail as unparsed.
pub fn take_enquiry(conn: &Connection, ws: &Workspace, e: &Enquiry, now: DateTime<Utc>) -> Result<EnquiryTaken> {
    take_read_enquiry(conn, ws, e, EnquiryLead::of(ws, e), now)
}

/// The lead an enquiry makes, read without the book (so on any thread): the input
/// [`enquiry_input`] makes of it, and that input validated. Each of its phone and email is
/// read once here, not again by de-duplication and by adding.
pub struct EnquiryLead(Result<(LeadInput, Result<LeadFields>)>);

impl EnquiryLead {
    pub fn of(ws: &Workspace, e: &Enquiry) -> EnquiryLead {
        EnquiryLead(enquiry_input(ws, e).map(|input| {
            let fields = validate::lead(&input, ws.region());
            (input, fields)
        }))
    }
}

/// [`take_enquiry`] with its lead already read ([`EnquiryLead::of`] the same `e` and `ws`).
pub fn take_read_enquiry(conn: &Connection, ws: &Workspace, e: &Enquiry, lead: EnquiryLead, now: DateTime<Utc>) -> Result<EnquiryTaken> {
    let mut e = e.clone();
    // The time it was made, but never in the future of our clock nor before 2000.
    e.at = e.at.min(now).max(crate::clock::earliest());
    let portal_id = e.portal.zip(e.portal_lead_id.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from));
    if let Some((portal, id)) = &portal_id {
        if let Some(lead_id) = enquiries::portal_lead(conn, ws, *portal, id)? {
            return Ok(EnquiryTaken { lead_id, new_lead: false, repeat: true });
        }
    }
    let (input, fields) = lead.0?;
    // Fields that validate are de-duplicated as they are; an input that does not is looked up
    // by the keys of it that do, as the lead form's warning does (its add then fails).
    let dup = match &fields {
        Ok(f) => leads::duplicate_of(conn, ws, f)?,
        Err(_) => leads::find_duplicate(conn, ws, &input)?,
    };
    if let Some(dup) = dup {
        if enquiries::seen_other_way(conn, ws, dup.lead.id, &e)? {
            if let Some((portal, id)) = &portal_id {
                enquiries::remember_portal_lead(conn, ws, *portal, id, dup.lead.id, now)?;
            }
            return Ok(EnquiryTaken { lead_id: dup.lead.id, new_lead: false, repeat: true });
        }
    }
    // Speed to lead: the default campaign's first step answers the enquiry at once (as
    // `add_inbound_lead`, with the fields validated once).
    let out = add_valid(conn, ws, fields?, now, at_once(default_plan(conn, ws, now)?, now))?;
    leads::note_arrival(conn, ws, out.id, e.at)?;
    let property_id = properties::find_named(conn, ws, e.listing_reference.as_deref(), e.permit.as_deref())?;
    enquiries::record(conn, ws, out.id, &e, property_id, now)?;
    let mut line = e.headline();
    if let Some(pid) = property_id {
        line.push_str(&format!(" [property #{pid}]"));
    }
    let line: String = line.chars().take(crate::leads::validate::MAX_NOTES).collect();
    leads::timeline::add(conn, ws.id, out.id, e.at, "enquiry", &line)?;
    // The enquirer asked to be contacted about it, on the ways they gave (SPEC §14).
    let mut channels = vec![];
    if input.phone.is_some() || input.whatsapp.is_some() {
        channels.extend([Channel::Whatsapp, Channel::Sms]);
    }
    if input.email.is_some() {
        channels.push(Channel::Email);
    }
    for c in channels {
        compliance::consent::arise(conn, ws, out.id, c, compliance::consent::ConsentSource::Enquiry, e.at)?;
    }
    Ok(EnquiryTaken { lead_id: out.id, new_lead: out.created, repeat: false })
}

/// The agent made a lead of unparsed mail `id` (typing what it says): added like any lead (a
/// new one joins the default campaign), the mail's text on its timeline, and the mail resolved.
pub fn add_unparsed_as_lead(conn: &Connection, ws: &Workspace, id: i64, input: &LeadInput, now: DateTime<Utc>) -> Result<AddOutcome> {
    let mail = enquiries::unparsed::get(conn, ws, id)?;
    let mut input = input.clone();
    if input.source.is_none() {
        input.source = Some(mail.portal.map(|p| p.source()).unwrap_or(crate::model::Source::Email).as_str().to_string());
    }
    let out = add_lead(conn, ws, &input, now)?;
    leads::note_arrival(conn, ws, out.id, crate::clock::parse_time(&mail.received_at).unwrap_or(now))?;
    let origin = mail.portal.map(|p| p.label()).unwrap_or("email");
    let text: String = mail.raw_text.chars().take(2000).collect();
    let line: String = format!("Enquiry from {origin} (read by the agent): {}", text.trim()).chars().take(crate::leads::validate::MAX_NOTES).collect();
    leads::timeline::add(conn, ws.id, out.id, now, "enquiry", &line)?;
    enquiries::unparsed::resolve(conn, ws, id, Some(out.id), now)?;
    Ok(out)
}

/// The lead an enquiry makes, with only what validates: a phone or an email that does not is
/// left out (the other may still reach the person); with neither, a validation error.
fn enquiry_input(ws: &Workspace, e: &Enquiry) -> Result<LeadInput> {
    let region = ws.region();
    let t = |s: &Option<String>| crate::model::normalize::text(s.as_deref());
    // Each as the lead will have it (E.164, lower case): a caller without a name is named so.
    let phone = t(&e.phone).and_then(|p| crate::model::normalize::phone("phone", &p, region).ok());
    let email = t(&e.email).and_then(|m| crate::model::normalize::email(&m).ok());
    if phone.is_none() && email.is_none() {
        let given = [t(&e.phone), t(&e.email)].into_iter().flatten().collect::<Vec<_>>();
        let why = if given.is_empty() {
            "the enquiry gives no phone and no email".to_string()
        } else {
            format!("the enquiry's phone and email cannot be read ({})", given.join(", "))
        };
        return Err(Error::validation("phone", why));
    }
    let name = t(&e.name)
        .or_else(|| phone.clone())
        .or_else(|| email.clone())
        .map(|n| n.chars().take(crate::leads::validate::MAX_NAME).collect::<String>());
    let language = e
        .message
        .as_deref()
        .and_then(crate::leads::replies::language)
        .map(String::from);
    Ok(LeadInput { name, phone, email, source: Some(e.source().as_str().to_string()), language, ..LeadInput::default() })
}

/// What adding a listing (or making it available again) did.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PropertyAdded {
    pub id: i64,
    pub property: Property,
    #[serde(flatten)]
    pub notified: Notified,
    /// The matching buyers were not told yet: the agent is to confirm first (`announce_property`).
    pub awaiting_confirmation: bool,
}

/// Whether adding a listing tells its matching buyers now or waits for the agent to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    Now,
    AfterConfirmation,
}

/// Adds a listing and tells every matching buyer — or, with `AfterConfirmation`, only counts
/// them (`matched`) for the agent to confirm with [`announce_property`].
pub fn add_property(conn: &Connection, ws: &Workspace, input: &PropertyInput, announce: Announce, now: DateTime<Utc>) -> Result<PropertyAdded> {
    let property = properties::add(conn, ws, input, now)?;
    if announce == Announce::AfterConfirmation {
        let matched = matching::matches(conn, ws, &property)?.len();
        let notified = Notified { matched, queued: 0, unreachable: 0, unreachable_leads: vec![] };
        return Ok(PropertyAdded { id: property.id, property, notified, awaiting_confirmation: matched > 0 });
    }
    let notified = notify_buyers(conn, ws, &property, now)?;
    Ok(PropertyAdded { id: property.id, property, notified, awaiting_confirmation: false })
}

/// The agent confirmed: tells the matching buyers of listing `id` not yet told about it (each
/// once, as always).
pub fn announce_property(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<PropertyAdded> {
    let property = properties::get(conn, ws, id)?;
    let notified = notify_buyers(conn, ws, &property, now)?;
    Ok(PropertyAdded { id, property, notified, awaiting_confirmation: false })
}

/// Changes a listing's status; one made available again is announced to the matching buyers
/// not yet told about it — or, with `AfterConfirmation`, they are counted for the agent to
/// confirm with [`announce_property`], as for a listing just added.
pub fn set_property_status(conn: &Connection, ws: &Workspace, id: i64, status: PropertyStatus, announce: Announce, now: DateTime<Utc>) -> Result<PropertyAdded> {
    let before = properties::get(conn, ws, id)?;
    let property = properties::set_status(conn, ws, id, status, now)?;
    let nobody = Notified { matched: 0, queued: 0, unreachable: 0, unreachable_leads: vec![] };
    if before.status == PropertyStatus::Available || status != PropertyStatus::Available {
        return Ok(PropertyAdded { id, property, notified: nobody, awaiting_confirmation: false });
    }
    if announce == Announce::AfterConfirmation {
        let matched = matching::matches(conn, ws, &property)?.len();
        return Ok(PropertyAdded { id, property, notified: Notified { matched, ..nobody }, awaiting_confirmation: matched > 0 });
    }
    let notified = notify_buyers(conn, ws, &property, now)?;
    Ok(PropertyAdded { id, property, notified, awaiting_confirmation: false })
}

/// Tells every matching lead about `p` once: a queued message for each reachable one, a
/// "call" task for each other. Only an available listing is announced.
pub fn notify_buyers(conn: &Connection, ws: &Workspace, p: &Property, now: DateTime<Utc>) -> Result<Notified> {
    let found = matching::matches(conn, ws, p)?;
    let mut result = Notified { matched: found.len(), queued: 0, unreachable: 0, unreachable_leads: vec![] };
    if p.status != PropertyStatus::Available {
        return Ok(result);
    }
    for m in found {
        let lead = leads::get(conn, ws, m.id)?;
        if lead.do_not_market_at.is_some() {
            // Nothing automatic goes to a lead marked do not market, not even a task to call it.
            continue;
        }
        if m.reachable {
            let ctx = templates::Context { lead: &lead, workspace: ws, property: Some(p) };
            let body = templates::render(templates::property_alert(ctx.language()), &ctx);
            result.queued += outbox::queue_alert(conn, ws, lead.id, p.id, &body, now)?;
        } else {
            tasks::add_call(conn, ws, lead.id, Some(p.id), &format!("Tell {} about {}", lead.name, p.title), now)?;
            result.unreachable += 1;
            result.unreachable_leads.push(m);
        }
    }
    Ok(result)
}

// --- the agent's day (SPEC §13) ---

/// What logging a call did.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct CallLogged {
    pub id: i64,
    pub lead_id: i64,
    pub do_not_market: bool,
}

/// Logs a call with a lead. A call is a contact (last contacted, pacing); `answered` moves a new
/// lead to contacted; `declined` stops its follow-ups, marks it do not market and drops its
/// automatic messages not sent yet; `wrong_number` marks its phone unusable (SMS, and WhatsApp
/// when it is the same number). The lead's open call tasks are done.
pub fn log_call(conn: &Connection, ws: &Workspace, lead_id: i64, outcome: CallOutcome, notes: Option<&str>, duration_s: Option<i64>, now: DateTime<Utc>) -> Result<CallLogged> {
    let lead = leads::get(conn, ws, lead_id)?;
    // The contact log: a call is a marketing contact, checked as it was made (before it counts
    // in pacing itself).
    let (passed, broke) = compliance::by_hand(conn, ws, &lead, compliance::ContactPurpose::Marketing, now, 0)?;
    let id = calls::insert(conn, ws, lead_id, outcome, notes, duration_s, now)?;
    let mut detail = format!("call: {outcome}");
    if let Some(d) = duration_s {
        detail.push_str(&format!(", {d} s"));
    }
    if let Some(n) = notes.map(str::trim).filter(|n| !n.is_empty()) {
        detail.push_str(&format!(" — {n}"));
    }
    leads::note_call(conn, ws, lead_id, outcome == CallOutcome::Answered, &detail, now)?;
    match outcome {
        CallOutcome::Declined => {
            set_do_not_market(conn, ws, lead_id, true, "declined on a call", now)?;
        }
        CallOutcome::WrongNumber => {
            leads::set_channel_usable(conn, ws, lead_id, Channel::Sms, false, "wrong number (logged call)", now)?;
            if lead.whatsapp.is_none() || lead.whatsapp == lead.phone {
                leads::set_channel_usable(conn, ws, lead_id, Channel::Whatsapp, false, "wrong number (logged call)", now)?;
            }
        }
        _ => {}
    }
    tasks::complete_calls(conn, ws, lead_id, now)?;
    let entry = compliance::Entry {
        lead_id, channel: "call", purpose: compliance::ContactPurpose::Marketing, outcome: compliance::ContactOutcome::Call, outbox_id: None,
        call_id: Some(id), passed: &passed, held_by: None, broke: &broke, detail: Some(outcome.as_str()),
    };
    compliance::log(conn, ws, &entry, now)?;
    let do_not_market = leads::get(conn, ws, lead_id)?.do_not_market_at.is_some();
    Ok(CallLogged { id, lead_id, do_not_market })
}

/// The agent sent a message by hand: it is sent, and the contact log says which checks it kept.
pub fn mark_message_done(conn: &Connection, ws: &Workspace, id: i64, now: DateTime<Utc>) -> Result<outbox::Message> {
    let m = outbox::mark_done(conn, ws, id, now)?;
    let lead = leads::get(conn, ws, m.lead_id)?;
    let purpose = compliance::purpose_of(m.kind);
    // The checks as of before it went (this message itself is now sent).
    let (passed, broke) = compliance::by_hand(conn, ws, &lead, purpose, now, m.id)?;
    let entry = compliance::Entry {
        lead_id: m.lead_id, channel: outbox::MANUAL, purpose, outcome: compliance::ContactOutcome::Sent, outbox_id: Some(m.id),
        call_id: None, passed: &passed, held_by: None, broke: &broke, detail: Some("sent by the agent's hand"),
    };
    compliance::log(conn, ws, &entry, now)?;
    Ok(m)
}

/// Marks a lead do not market by hand (`on`) or back, with a reason. Marking it stops its
/// follow-ups and drops its automatic messages not sent yet; marking it back restarts nothing
/// by itself (the agent resumes follow-ups by hand).
pub fn set_do_not_market(conn: &Connection, ws: &Workspace, lead_id: i64, on: bool, reason: &str, now: DateTime<Utc>) -> Result<Lead> {
    let lead = leads::set_do_not_market(conn, ws, lead_id, on, reason, now)?;
    if on {
        followups::stop(conn, ws, lead_id, "the lead is marked do not market")?;
        leads::set_next_followup(conn, ws, lead_id, None)?;
        outbox::cancel_automatic(conn, ws, lead_id)?;
    }
    leads::get(conn, ws, lead.id)
}

/// What booking a viewing did.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ViewingBooked {
    pub id: i64,
    pub viewing: Viewing,
    pub confirmation_queued: bool,
    /// When the reminder is to go (none: too close to the viewing, or nothing goes to the lead).
    pub reminder_at: Option<String>,
}

/// The last minute at or before `t` inside the workspace's sending window.
fn window_last_before(ws: &Workspace, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if followups::in_window(ws, t) {
        return Some(t);
    }
    let (_, end) = followups::window_times(ws);
    let day = ws.local_day(t);
    [day, day.pred_opt().unwrap_or(day), day - chrono::Duration::days(2)]
        .into_iter()
        .filter_map(|d| followups::local_at(ws, d, end).map(|e| e - chrono::Duration::minutes(1)))
        .find(|e| *e <= t && followups::in_window(ws, *e))
}

fn viewing_text(ws: &Workspace, lead: &Lead, p: &Property, v: &Viewing, template: fn(crate::model::Language) -> &'static str) -> Result<String> {
    let ctx = templates::Context { lead, workspace: ws, property: Some(p) };
    let lang = ctx.language();
    let time = v.starts()?.with_timezone(&ws.tz()).format("%Y-%m-%d %H:%M").to_string();
    Ok(templates::render(template(lang), &ctx)
        .replace(templates::TIME_MARK, &time)
        .replace(templates::PLACE_MARK, &templates::place_phrase(lang, v.place.as_deref())))
}

/// The workspace's reminder lead time before a viewing, in minutes.
fn reminder_minutes(conn: &Connection, ws: &Workspace) -> Result<i64> {
    Ok(conn.query_row("SELECT viewing_reminder_min FROM workspaces WHERE id = ?1", [ws.id], |r| r.get(0))?)
}

/// Books a viewing: a lead earlier in the funnel moves to `viewing`; its confirmation is queued
/// in the lead's language (transactional: not paced, but only inside the sending window) and its
/// reminder for the workspace's lead time before (two hours by default; moved back into the
/// window, never after the viewing). Each goes once. Nothing is queued to a lead marked do not
/// market.
pub fn book_viewing(conn: &Connection, ws: &Workspace, input: &ViewingInput, now: DateTime<Utc>) -> Result<ViewingBooked> {
    let viewing = viewings::insert(conn, ws, input, now)?;
    let mut lead = leads::get(conn, ws, viewing.lead_id)?;
    if matches!(lead.status, Status::New | Status::Contacted | Status::Replied | Status::Qualified) {
        lead = set_status(conn, ws, lead.id, Status::Viewing, now)?;
    }
    let local = viewing.starts()?.with_timezone(&ws.tz()).format("%Y-%m-%d %H:%M");
    leads::timeline::add(conn, ws.id, lead.id, now, "viewing", &format!("viewing #{} of {} booked for {local}", viewing.id, viewing.property_title))?;
    let property = properties::get(conn, ws, viewing.property_id)?;
    let mut booked = ViewingBooked { id: viewing.id, viewing: viewing.clone(), confirmation_queued: false, reminder_at: None };
    if lead.do_not_market_at.is_some() {
        return Ok(booked);
    }
    let starts = viewing.starts()?;
    let opens = followups::window_opens(ws, now);
    if opens < starts {
        let body = viewing_text(ws, &lead, &property, &viewing, templates::viewing_confirmation)?;
        let not_before = (opens > now).then_some(opens);
        booked.confirmation_queued = outbox::queue_viewing(conn, ws, lead.id, property.id, viewing.id, outbox::VIEWING_CONFIRMATION, &body, not_before, now)? == 1;
    }
    let wanted = starts - chrono::Duration::minutes(reminder_minutes(conn, ws)?);
    if let Some(at) = window_last_before(ws, wanted).filter(|at| *at > now) {
        let body = viewing_text(ws, &lead, &property, &viewing, templates::viewing_reminder)?;
        outbox::queue_viewing(conn, ws, lead.id, property.id, viewing.id, outbox::VIEWING_REMINDER, &body, Some(at), now)?;
        booked.reminder_at = Some(fmt_time(at));
    }
    Ok(booked)
}

/// Moves a viewing to `status`. Any status but `scheduled` means its confirmation and reminder
/// not sent yet never go (a cancelled viewing's reminder is never sent).
pub fn set_viewing_status(conn: &Connection, ws: &Workspace, id: i64, status: ViewingStatus, now: DateTime<Utc>) -> Result<Viewing> {
    let v = viewings::set_status(conn, ws, id, status, now)?;
    if status != ViewingStatus::Scheduled {
        outbox::cancel_viewing(conn, ws, id, &format!("the viewing is {status}"))?;
        leads::timeline::add(conn, ws.id, v.lead_id, now, "viewing", &format!("viewing #{id} of {}: {status}", v.property_title))?;
    }
    Ok(v)
}

/// Opens a deal; one opened won or lost sets the lead's status.
pub fn add_deal(conn: &Connection, ws: &Workspace, input: &DealInput, now: DateTime<Utc>) -> Result<Deal> {
    let d = deals::insert(conn, ws, input, now)?;
    leads::timeline::add(conn, ws.id, d.lead_id, now, "deal", &format!("deal #{} opened: {} of AED {} at {}", d.id, d.kind, d.value, d.stage))?;
    close_lead(conn, ws, &d, now)?;
    Ok(d)
}

/// Moves a deal to `stage`; won or lost sets the lead's status (and so retrains the learned
/// score).
pub fn set_deal_stage(conn: &Connection, ws: &Workspace, id: i64, stage: DealStage, now: DateTime<Utc>) -> Result<Deal> {
    let before = deals::get(conn, ws, id)?;
    let d = deals::set_stage(conn, ws, id, stage, now)?;
    if before.stage != d.stage {
        leads::timeline::add(conn, ws.id, d.lead_id, now, "deal", &format!("deal #{id}: {} → {}", before.stage, d.stage))?;
        close_lead(conn, ws, &d, now)?;
    }
    Ok(d)
}

fn close_lead(conn: &Connection, ws: &Workspace, d: &Deal, now: DateTime<Utc>) -> Result<()> {
    match d.stage {
        DealStage::Won => set_status(conn, ws, d.lead_id, Status::Won, now).map(|_| ()),
        DealStage::Lost => set_status(conn, ws, d.lead_id, Status::Lost, now).map(|_| ()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{self, migrate, migrate_to};

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn migrations_apply_from_empty_and_from_every_earlier_version() {
        for start in 0..=store::MIGRATIONS.len() {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, start, &SETUP).unwrap();
            assert_eq!(version(&conn) as usize, start);
            migrate(&mut conn, &SETUP).unwrap();
            assert_eq!(version(&conn) as usize, store::MIGRATIONS.len());
            // Running again changes nothing.
            migrate(&mut conn, &SETUP).unwrap();
            let n: i64 = conn.query_row("SELECT count(*) FROM workspaces", [], |r| r.get(0)).unwrap();
            assert_eq!(n, 1, "exactly one Default workspace");
        }
    }

    #[test]
    fn leads_written_before_the_tallies_existed_are_counted_in_them() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 23, &SETUP).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'Default', '2026-01-01T00:00:00Z');
             INSERT INTO leads (workspace_id, name, source, status, score, created_at, updated_at, next_followup_at)
             VALUES (1, 'Old buyer', 'portal', 'new', 50, '2026-01-01T10:20:00Z', '2026-01-01T10:20:00Z', '2026-01-02T09:00:00Z');
             INSERT INTO leads (workspace_id, name, source, status, score, created_at, updated_at, first_answered_at)
             VALUES (1, 'Old seller', 'portal', 'new', 50, '2026-01-01T10:40:00Z', '2026-01-01T10:40:00Z', '2026-01-01T11:00:00Z');
             INSERT INTO leads (workspace_id, name, source, status, created_at, updated_at)
             VALUES (1, 'Never scored', 'manual', 'won', '2026-01-01T12:00:00Z', '2026-01-01T12:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn, &SETUP).unwrap();
        let rows = |sql: &str| -> Vec<(String, String, i64)> {
            conn.prepare(sql).unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(
            rows("SELECT status || '/' || source, CAST(score AS TEXT), n FROM lead_tallies ORDER BY 1"),
            vec![("new/portal".to_string(), "50".to_string(), 2), ("won/manual".to_string(), "-1".to_string(), 1)]
        );
        assert_eq!(
            rows("SELECT kind || '/' || source, hour, n FROM lead_hours ORDER BY 1, 2"),
            vec![
                ("created/".to_string(), "2026-01-01T10".to_string(), 2),
                ("created/".to_string(), "2026-01-01T12".to_string(), 1),
                ("next/".to_string(), "2026-01-02T09".to_string(), 1),
                ("unanswered/manual".to_string(), "2026-01-01T12".to_string(), 1),
                ("unanswered/portal".to_string(), "2026-01-01T10".to_string(), 1),
            ]
        );
    }

    #[test]
    fn leads_written_before_matching_existed_are_indexed_for_matching() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 1, &SETUP).unwrap();
        conn.execute_batch(
            "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'Default', '2026-01-01T00:00:00Z');
             INSERT INTO leads (workspace_id, name, source, locations, budget_max, created_at, updated_at)
             VALUES (1, 'Old buyer', 'manual', '[\"JVC\", \"Marina\"]', 900000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO leads (workspace_id, name, source, created_at, updated_at)
             VALUES (1, 'No criteria', 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn, &SETUP).unwrap();
        let mut stmt = conn.prepare("SELECT area_key, budget_max FROM lead_match ORDER BY area_key").unwrap();
        let rows: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        assert_eq!(rows, vec![("dubai marina".to_string(), 900_000), ("jumeirah village circle".to_string(), 900_000)]);
    }

}
