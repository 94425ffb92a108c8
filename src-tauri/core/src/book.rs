//! [`Book`]: the one entry point the shells use. It owns the SQLite connection and the clock,
//! runs every write in a single `BEGIN IMMEDIATE` transaction, and hands each call the
//! workspace it acts in.

use crate::clock::Clock;
use crate::dashboard::{self, Dashboard};
use crate::error::Result;
use crate::leads::{self, AddOutcome, DuplicateMatch, Lead, LeadDetail, LeadPage, LeadQuery};
use crate::followups::{self, Campaign, Enrolment, Step, TickReport};
use crate::listings::matching::{self, Match};
use crate::model::{Channel, MessageStatus, PropertyStatus, Status};
use crate::messaging::channels::config::{self, ChannelInfo, ChannelOverview, Channels, Settings};
use crate::messaging::channels::{Identity, Provider};
use crate::outbox;
use crate::secrets::SecretStore;
use crate::messaging::channels::portals::Portal;
use crate::messaging::{delivery, inbox, portals};
use crate::listings::properties::{self, Property, PropertyInput};
use crate::leads::validate::{LeadFields, LeadInput};
use crate::workspace::{self, Workspace, WorkspacePatch};
use crate::store::Store;
use crate::transfer::bulk;
use crate::{compliance, tasks, workflows, Error};
use crate::leads::lists::SmartList;
use crate::tasks::calls::CallOutcome;
use crate::tasks::deals::{Deal, DealInput, DealStage};
use crate::tasks::viewings::{Viewing, ViewingInput, ViewingStatus};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// How many entries of a lead's history its page opens with; "Show more" reads the next.
pub const LEAD_TIMELINE_PAGE: usize = 50;

/// Work over many leads that needs no all-or-nothing (rescoring, the follow-up tick: each lead's
/// change stands on its own) commits this many at a time, so the write lock it holds is a few
/// tens of milliseconds and the window's own writes — and its reads, which share the window's
/// threads with any background write waiting for that lock — never wait for the whole.
pub const WRITE_BATCH: usize = 1000;
/// At most this many batches in one call (ten million leads): a bound, not an expected count.
const MAX_BATCHES: usize = 10_000;

pub use crate::workflows::PropertyAdded;

pub struct Book {
    store: Store,
}

impl Book {
    /// Opens (creating and migrating) the book at `path`, making its folder if need be.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Book> {
        Ok(Book { store: Store::open(path, clock, &workflows::SETUP)? })
    }

    /// Opens the book at `path`; a new one is made only in a folder `folder` allows (see
    /// [`crate::store::Folder`]). A damaged book is reported, never made new.
    pub fn open_in(path: &Path, clock: Arc<dyn Clock>, folder: crate::store::Folder) -> Result<Book> {
        Ok(Book { store: Store::open_in(path, clock, &workflows::SETUP, folder)? })
    }

    /// `e`, or — when it says the book's file is corrupt — the damage error, after marking the
    /// book so that nothing writes to it until a restore (see [`Store::note`]).
    pub fn note(&self, e: Error) -> Error {
        self.store.note(e)
    }

    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Book> {
        Ok(Book { store: Store::open_in_memory(clock, &workflows::SETUP)? })
    }

    /// The store under the facade: the engines and the import work on it directly.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// See [`Store::set_cache_kib`].
    pub fn set_cache_kib(&self, kib: u32) -> Result<()> {
        self.store.set_cache_kib(kib)
    }

    /// Now, to the second (what the database stores).
    pub fn now(&self) -> DateTime<Utc> {
        self.store.now()
    }

    pub fn path(&self) -> Option<&Path> {
        self.store.path()
    }

    /// Read access for queries that live outside this type (benchmarks, tests).
    pub fn conn(&self) -> &Connection {
        self.store.conn()
    }

    /// Runs `f` in one write transaction: all of it is saved, or none.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.store.write(f)
    }

    // --- workspaces ---

    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        workspace::list(self.conn())
    }

    pub fn workspace(&self, name: &str) -> Result<Workspace> {
        workspace::by_name(self.conn(), name)
    }

    pub fn workspace_by_id(&self, id: i64) -> Result<Workspace> {
        workspace::by_id(self.conn(), id)
    }

    pub fn add_workspace(&mut self, name: &str, timezone: Option<&str>) -> Result<Workspace> {
        self.write(|tx, now| workflows::add_workspace(tx, name, timezone, now))
    }

    /// The workspace the app showed last (it persists across restarts), else `Default`.
    pub fn current_workspace(&self) -> Result<Workspace> {
        let id = crate::store::settings::get_i64(self.conn(), crate::store::settings::Setting::CurrentWorkspace)?;
        match id.map(|id| self.workspace_by_id(id)) {
            Some(Ok(ws)) => Ok(ws),
            _ => self.workspaces()?.into_iter().next().ok_or_else(|| Error::none_found(crate::Entity::Workspace)),
        }
    }

    pub fn set_current_workspace(&mut self, id: i64) -> Result<Workspace> {
        self.write(|tx, _| {
            let ws = workspace::by_id(tx, id)?;
            crate::store::settings::set(tx, crate::store::settings::Setting::CurrentWorkspace, &id.to_string())?;
            Ok(ws)
        })
    }

    /// Makes the sample book (made-up leads and listings to try the app on; the one there is if
    /// it exists), named in `language`, and shows it from now on.
    pub fn open_sample(&mut self, language: crate::model::Language) -> Result<Workspace> {
        let template = self.current_workspace()?;
        self.write(|tx, now| {
            let ws = crate::sample::create(tx, &template, language, now)?;
            crate::store::settings::set(tx, crate::store::settings::Setting::CurrentWorkspace, &ws.id.to_string())?;
            Ok(ws)
        })
    }

    /// Removes the sample book with everything in it (only the sample book: any other workspace
    /// is refused) and answers the workspace shown from now on.
    pub fn remove_sample(&mut self, id: i64) -> Result<Workspace> {
        self.write(|tx, now| {
            let next = crate::sample::remove(tx, id, now)?;
            crate::store::settings::set(tx, crate::store::settings::Setting::CurrentWorkspace, &next.id.to_string())?;
            Ok(next)
        })
    }

    /// Changes a workspace's settings; messages held by a rule it no longer asks for go.
    pub fn update_workspace(&mut self, id: i64, patch: &WorkspacePatch) -> Result<Workspace> {
        self.write(|tx, _| {
            let ws = workspace::update(tx, id, patch)?;
            compliance::release(tx, &ws)?;
            Ok(ws)
        })
    }

    // --- leads ---

    pub fn add_lead(&mut self, ws: &Workspace, input: &LeadInput) -> Result<AddOutcome> {
        self.write(|tx, now| workflows::add_lead(tx, ws, input, now))
    }

    /// Adds many validated leads in one transaction (imports, benchmarks).
    /// Adds a lead as a new one although it shares a phone, e-mail or profile with another
    /// (the agent's choice on the duplicate warning); the shared keys stay the other lead's.
    pub fn add_lead_separately(&mut self, ws: &Workspace, input: &LeadInput) -> Result<AddOutcome> {
        self.write(|tx, now| workflows::add_lead_separately(tx, ws, input, now))
    }

    pub fn add_leads(&mut self, ws: &Workspace, rows: Vec<LeadFields>) -> Result<Vec<AddOutcome>> {
        self.write(|tx, now| {
            let plan = workflows::default_plan(tx, ws, now)?;
            rows.into_iter().map(|f| workflows::add_valid(tx, ws, f, now, plan)).collect()
        })
    }

    /// Validates and adds many leads in one transaction (imports); see [`bulk::add_inputs`].
    pub fn add_inputs(&mut self, ws: &Workspace, rows: Vec<LeadInput>) -> Result<Vec<Result<AddOutcome>>> {
        bulk::add_inputs(&mut self.store, ws, rows, &mut |_| {}, &AtomicBool::new(false))
    }

    /// [`Book::add_inputs`], reporting progress and stopping — with nothing kept — as soon as
    /// `cancel` is set.
    pub fn add_inputs_with(
        &mut self,
        ws: &Workspace,
        rows: Vec<LeadInput>,
        progress: &mut dyn FnMut(usize),
        cancel: &AtomicBool,
    ) -> Result<Vec<Result<AddOutcome>>> {
        bulk::add_inputs(&mut self.store, ws, rows, progress, cancel)
    }

    /// Imports a CSV or XLSX file (SPEC §7) in one transaction; see [`bulk::import_file`].
    pub fn import_file(
        &mut self,
        ws: &Workspace,
        path: &Path,
        format: &str,
        mapping: Option<Vec<Option<crate::transfer::import::Field>>>,
        progress: &mut dyn FnMut(usize, usize),
        cancel: &AtomicBool,
    ) -> Result<crate::transfer::import::Report> {
        bulk::import_file(&mut self.store, ws, path, format, mapping, progress, cancel)
    }

    /// [`Book::import_file`] with a CSV's encoding chosen (`auto` detects it).
    #[allow(clippy::too_many_arguments)]
    pub fn import_file_with(
        &mut self,
        ws: &Workspace,
        path: &Path,
        format: &str,
        encoding: &str,
        mapping: Option<Vec<Option<crate::transfer::import::Field>>>,
        progress: &mut dyn FnMut(usize, usize),
        cancel: &AtomicBool,
    ) -> Result<crate::transfer::import::Report> {
        bulk::import_file_with(&mut self.store, ws, path, format, encoding, mapping, progress, cancel)
    }

    /// Every field of `input` a save would refuse, each with its error (none: it would save).
    pub fn check_lead(&self, ws: &Workspace, input: &LeadInput) -> Vec<Error> {
        crate::leads::validate::problems(input, ws.region())
    }

    pub fn find_duplicate(&self, ws: &Workspace, input: &LeadInput) -> Result<Option<DuplicateMatch>> {
        leads::find_duplicate(self.conn(), ws, input)
    }

    pub fn lead(&mut self, ws: &Workspace, id: i64) -> Result<Lead> {
        self.refresh_scores(ws)?;
        leads::get(self.conn(), ws, id)
    }

    /// The lead with its score breakdown and the first page of its history.
    pub fn lead_detail(&mut self, ws: &Workspace, id: i64) -> Result<LeadDetail> {
        self.refresh_scores(ws)?;
        let history = self.lead_timeline(ws, id, None, LEAD_TIMELINE_PAGE)?;
        leads::detail(self.conn(), ws, id, self.now(), history)
    }

    /// A page of the lead's history after `after` (from the newest when none): its own
    /// entries, its tasks (each at its due time, or when it was made) and its creation, newest
    /// first. Each source reads one page past the cursor through its own index; the page is
    /// the newest of them together, so a lead with thousands of tasks opens as fast as one
    /// with none.
    pub fn lead_timeline(&self, ws: &Workspace, id: i64, after: Option<&leads::timeline::TimelineCursor>, limit: usize) -> Result<leads::timeline::TimelinePage> {
        use leads::timeline;
        leads::get(self.conn(), ws, id)?;
        let keyset = crate::store::paging::Keyset::new(limit);
        let probe = keyset.limit() + 1;
        let mut rows = timeline::keyed_after(self.conn(), ws.id, id, after, probe)?;
        rows.extend(tasks::timeline_after(self.conn(), ws, id, after, probe)?);
        rows.sort_by(timeline::order);
        rows.truncate(probe);
        let (rows, next) = keyset.take(rows, |r| r.cursor.clone());
        let total = timeline::count(self.conn(), ws.id, id)? + tasks::timeline_count(self.conn(), ws, id)?;
        Ok(timeline::TimelinePage { entries: rows.into_iter().map(|r| r.entry).collect(), total, next })
    }

    pub fn list_leads(&mut self, ws: &Workspace, q: &LeadQuery) -> Result<LeadPage> {
        self.refresh_scores(ws)?;
        leads::list(self.conn(), ws, q)
    }

    /// Changes a lead; a number changed off the register lets its held messages go, and a lead
    /// given its first phone number or e-mail starts its follow-ups.
    pub fn update_lead(&mut self, ws: &Workspace, id: i64, input: &LeadInput) -> Result<Lead> {
        self.write(|tx, now| {
            leads::update(tx, ws, id, input, now)?;
            workflows::start_followups_once_reachable(tx, ws, id, now)?;
            compliance::release(tx, ws)?;
            leads::get(tx, ws, id)
        })
    }

    pub fn set_status(&mut self, ws: &Workspace, id: i64, status: Status) -> Result<Lead> {
        self.write(|tx, now| workflows::set_status(tx, ws, id, status, now))
    }

    pub fn record_reply(&mut self, ws: &Workspace, id: i64, text: &str, channel: Option<Channel>) -> Result<Lead> {
        self.write(|tx, now| workflows::record_reply(tx, ws, id, text, channel, now))
    }

    /// Pairs of leads that share no key but may be one person (same name, phones ending alike).
    pub fn possible_duplicates(&self, ws: &Workspace, offset: usize, limit: usize) -> Result<leads::possible::PossibleDuplicates> {
        leads::possible::find(self.conn(), ws, offset, limit)
    }

    /// The agent says leads `a` and `b` are two people: the pair is not offered again.
    pub fn dismiss_duplicate(&mut self, ws: &Workspace, a: i64, b: i64) -> Result<()> {
        self.write(|tx, now| leads::possible::dismiss(tx, ws, a, b, now))
    }

    pub fn merge_leads(&mut self, ws: &Workspace, keep: i64, other: i64) -> Result<Lead> {
        self.write(|tx, now| workflows::merge_leads(tx, ws, keep, other, now))
    }

    /// Rescores the leads whose time-based factors have changed since they were scored, a
    /// [`WRITE_BATCH`] at a time: a book left a month rescores every lead (13 s at a million),
    /// and other writers — the window, another process — wait one batch, never the whole.
    pub fn refresh_scores(&mut self, ws: &Workspace) -> Result<usize> {
        if !leads::has_stale_scores(self.conn(), ws, self.now())? {
            return Ok(0);
        }
        let mut total = 0;
        // A rescored lead is valid past the batch's now: the batches run out. Bounded all the same.
        for _ in 0..MAX_BATCHES {
            let n = self.write(|tx, now| leads::refresh_stale_scores(tx, ws, now, WRITE_BATCH))?;
            total += n;
            if n < WRITE_BATCH {
                break;
            }
        }
        Ok(total)
    }

    pub fn dashboard(&mut self, ws: &Workspace) -> Result<Dashboard> {
        self.refresh_scores(ws)?;
        dashboard::compute(self.conn(), ws, self.now())
    }

    // --- properties and matching ---

    pub fn properties(&self, ws: &Workspace) -> Result<Vec<Property>> {
        properties::list(self.conn(), ws)
    }

    pub fn property(&self, ws: &Workspace, id: i64) -> Result<Property> {
        properties::get(self.conn(), ws, id)
    }

    /// Adds a listing and tells every matching buyer, in one transaction.
    /// Adds a listing and tells every matching buyer at once (the command line; the window
    /// uses [`Book::add_property_as_set`]).
    pub fn add_property(&mut self, ws: &Workspace, input: &PropertyInput) -> Result<PropertyAdded> {
        self.write(|tx, now| workflows::add_property(tx, ws, input, workflows::Announce::Now, now))
    }

    /// Adds a listing as the workspace is set: telling its buyers at once, or counting them for
    /// the agent to confirm (`awaiting_confirmation`, then [`Book::announce_property`]).
    pub fn add_property_as_set(&mut self, ws: &Workspace, input: &PropertyInput) -> Result<PropertyAdded> {
        let announce = if ws.alerts_at_once { workflows::Announce::Now } else { workflows::Announce::AfterConfirmation };
        self.write(|tx, now| workflows::add_property(tx, ws, input, announce, now))
    }

    /// Tells the matching buyers of listing `id` who were not told yet.
    pub fn announce_property(&mut self, ws: &Workspace, id: i64) -> Result<PropertyAdded> {
        self.write(|tx, now| workflows::announce_property(tx, ws, id, now))
    }

    /// Changes a listing; alerts held for its missing permit go once it has one.
    pub fn update_property(&mut self, ws: &Workspace, id: i64, input: &PropertyInput) -> Result<Property> {
        self.write(|tx, now| {
            let p = properties::update(tx, ws, id, input, now)?;
            compliance::release(tx, ws)?;
            Ok(p)
        })
    }

    /// Changes a listing's status; one made available again is announced to the matching
    /// buyers not yet told about it.
    pub fn set_property_status(&mut self, ws: &Workspace, id: i64, status: PropertyStatus) -> Result<PropertyAdded> {
        self.write(|tx, now| workflows::set_property_status(tx, ws, id, status, workflows::Announce::Now, now))
    }

    /// [`Book::set_property_status`] as the workspace is set: a listing made available again
    /// tells its buyers at once, or counts them for the agent to confirm (the window).
    pub fn set_property_status_as_set(&mut self, ws: &Workspace, id: i64, status: PropertyStatus) -> Result<PropertyAdded> {
        let announce = if ws.alerts_at_once { workflows::Announce::Now } else { workflows::Announce::AfterConfirmation };
        self.write(|tx, now| workflows::set_property_status(tx, ws, id, status, announce, now))
    }

    /// Every lead matching listing `id`, ranked.
    pub fn property_matches(&mut self, ws: &Workspace, id: i64) -> Result<Vec<Match>> {
        self.refresh_scores(ws)?;
        let p = properties::get(self.conn(), ws, id)?;
        let mut found = matching::matches(self.conn(), ws, &p)?;
        let mut alerts = outbox::alerts_for_property(self.conn(), ws, id)?;
        for m in &mut found {
            m.alert = alerts.remove(&m.lead_id);
        }
        Ok(found)
    }

    /// Messages the app was sending when it died become `unknown` (run once at start-up).
    pub fn mark_interrupted_sends(&mut self) -> Result<usize> {
        self.write(|tx, now| outbox::mark_interrupted(tx, now))
    }

    /// The agent's answer for an `unknown` message: it arrived, or it may go again.
    pub fn confirm_message(&mut self, ws: &Workspace, id: i64, arrived: bool) -> Result<outbox::Message> {
        self.write(|tx, now| outbox::confirm(tx, ws, id, arrived, now))
    }

    /// The workspace's outbox, oldest first.
    /// One page of the outbox (see [`outbox::page`]); a lead of another workspace is not found.
    pub fn outbox_page(&self, ws: &Workspace, filter: &outbox::OutboxFilter, after: Option<&outbox::OutboxCursor>, limit: usize) -> Result<outbox::OutboxPage> {
        if let Some(id) = filter.lead_id {
            leads::get(self.conn(), ws, id)?;
        }
        outbox::page(self.conn(), ws, filter, after, limit)
    }

    pub fn outbox(&self, ws: &Workspace, status: Option<MessageStatus>, lead: Option<i64>) -> Result<Vec<outbox::Message>> {
        if let Some(id) = lead {
            leads::get(self.conn(), ws, id)?;
        }
        outbox::list(self.conn(), ws, status, lead)
    }

    /// Try a failed or deferred message again now.
    pub fn retry_message(&mut self, ws: &Workspace, id: i64) -> Result<outbox::Message> {
        self.write(|tx, _| outbox::retry(tx, ws, id))
    }

    /// The agent does not want a waiting message sent.
    pub fn cancel_message(&mut self, ws: &Workspace, id: i64) -> Result<outbox::Message> {
        self.write(|tx, _| outbox::cancel(tx, ws, id))
    }

    /// The agent sent a manual message by hand.
    pub fn mark_message_done(&mut self, ws: &Workspace, id: i64) -> Result<outbox::Message> {
        self.write(|tx, now| workflows::mark_message_done(tx, ws, id, now))
    }

    // --- channels ---

    /// Every provider's state and settings, never a secret; where the secrets are.
    pub fn channels(&self, ws: &Workspace, secrets: &dyn SecretStore) -> Result<ChannelOverview> {
        config::overview(self.conn(), ws, secrets)
    }

    /// Saves a provider's settings and (if given) its secret.
    pub fn set_channel(&mut self, ws: &Workspace, secrets: &dyn SecretStore, provider: Provider, settings: &Settings, secret: Option<&str>) -> Result<ChannelInfo> {
        self.write(|tx, now| config::set(tx, ws, secrets, provider, settings, secret, now))
    }

    /// A provider's stored settings, if it has any.
    pub fn channel_settings(&self, ws: &Workspace, provider: Provider) -> Result<Option<Settings>> {
        Ok(config::row(self.conn(), ws, provider)?.map(|r| r.settings))
    }

    pub fn remove_channel(&mut self, ws: &Workspace, secrets: &dyn SecretStore, provider: Provider) -> Result<ChannelInfo> {
        self.write(|tx, _| config::remove(tx, ws, secrets, provider))
    }

    /// The workspace's configured providers, ready to send and poll.
    pub fn load_channels(&self, ws: &Workspace, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<Channels> {
        Channels::load(self.conn(), ws, secrets, http)
    }

    /// "Test connection": asks the provider who we are, and records the answer on the channel.
    pub async fn test_channel(&mut self, ws: &Workspace, ch: &Channels, provider: Provider) -> Result<Identity> {
        config::test(&mut self.store, ws, ch, provider).await
    }

    /// Removes the webhook set on the Telegram bot (the only provider with one Leadbook can
    /// remove): replies reach `getUpdates` again, and the channel is `ok` unless the token is
    /// refused. The channel's test result afterwards.
    pub async fn delete_webhook(&mut self, ws: &Workspace, ch: &Channels, provider: Provider) -> Result<Identity> {
        ch.delete_webhook(provider).await?;
        self.test_channel(ws, ch, provider).await
    }

    /// Sends every due message of `ws` once (SPEC §6).
    pub async fn deliver(&mut self, ws: &Workspace, ch: &Channels, pacer: &mut delivery::Pacer) -> Result<delivery::Report> {
        delivery::deliver(&mut self.store, ws, ch, pacer).await
    }

    /// Takes in what leads wrote since the last sync.
    pub async fn sync_inbox(&mut self, ws: &Workspace, ch: &Channels, wait: std::time::Duration) -> Result<inbox::SyncReport> {
        inbox::sync(&mut self.store, ws, ch, wait).await
    }

    // --- portals' lead APIs ---

    /// Every portal's state and settings, never a secret.
    pub fn portals(&self, ws: &Workspace, secrets: &dyn SecretStore) -> Result<Vec<portals::PortalInfo>> {
        portals::list(self.conn(), ws, secrets)
    }

    /// A portal's stored settings, if it has any.
    pub fn portal_settings(&self, ws: &Workspace, portal: Portal) -> Result<Option<portals::PortalSettings>> {
        portals::settings(self.conn(), ws, portal)
    }

    /// Saves a portal's settings and the secrets given (the stored ones stay otherwise).
    pub fn set_portal(&mut self, ws: &Workspace, secrets: &dyn SecretStore, portal: Portal, settings: &portals::PortalSettings, given: &portals::PortalSecrets) -> Result<portals::PortalInfo> {
        self.write(|tx, now| portals::set(tx, ws, secrets, portal, settings, given, now))
    }

    pub fn remove_portal(&mut self, ws: &Workspace, secrets: &dyn SecretStore, portal: Portal) -> Result<portals::PortalInfo> {
        self.write(|tx, _| portals::remove(tx, ws, secrets, portal))
    }

    /// The workspace's configured portals, ready to poll.
    pub fn load_portals(&self, ws: &Workspace, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<portals::Portals> {
        portals::Portals::load(self.conn(), ws, secrets, http)
    }

    /// "Test connection" of a portal, recorded on it.
    pub async fn test_portal(&mut self, ws: &Workspace, p: &portals::Portals, portal: Portal) -> Result<Identity> {
        portals::test(&mut self.store, ws, p, portal).await
    }

    /// Takes in the leads the portals received since the last poll.
    pub async fn poll_portals(&mut self, ws: &Workspace, p: &portals::Portals) -> Result<portals::PollReport> {
        portals::poll(&mut self.store, ws, p).await
    }

    /// Reads the workspace's mailbox alone: at most `limit` new mails (`None`: all of them).
    pub async fn read_mailbox(&mut self, ws: &Workspace, ch: &Channels, limit: Option<usize>) -> Result<crate::messaging::mailbox::MailReport> {
        crate::messaging::mailbox::sync(&mut self.store, ws, ch, limit).await
    }

    // --- email in (SPEC §12) ---

    /// Takes in one raw mail (see [`crate::messaging::email_in::take_mail`]) in its own
    /// transaction.
    pub fn take_mail(&mut self, ws: &Workspace, raw: &[u8]) -> Result<crate::messaging::email_in::MailTaken> {
        self.write(|tx, now| crate::messaging::email_in::take_mail(tx, ws, raw, now))
    }

    /// Takes in one enquiry (from a portal's API, or made by hand).
    pub fn take_enquiry(&mut self, ws: &Workspace, e: &crate::enquiries::Enquiry) -> Result<workflows::EnquiryTaken> {
        self.write(|tx, now| workflows::take_enquiry(tx, ws, e, now))
    }

    /// The enquiries a lead made.
    pub fn lead_enquiries(&self, ws: &Workspace, lead_id: i64) -> Result<Vec<crate::enquiries::Recorded>> {
        leads::get(self.conn(), ws, lead_id)?;
        crate::enquiries::of_lead(self.conn(), ws, lead_id)
    }

    /// Lists a lead sender (`ADDRESS` or `@DOMAIN`), of a portal or none.
    pub fn add_email_sender(&mut self, ws: &Workspace, pattern: &str, portal: Option<crate::model::Portal>) -> Result<crate::enquiries::senders::Sender> {
        self.write(|tx, now| crate::enquiries::senders::add(tx, ws, pattern, portal, now))
    }

    /// The workspace's lead senders and the portals' own.
    pub fn email_senders(&self, ws: &Workspace) -> Result<Vec<crate::enquiries::senders::Sender>> {
        crate::enquiries::senders::list(self.conn(), ws)
    }

    pub fn remove_email_sender(&mut self, ws: &Workspace, pattern: &str) -> Result<()> {
        self.write(|tx, _| crate::enquiries::senders::remove(tx, ws, pattern))
    }

    /// The enquiry mails that could not be read: the open ones, or `all`.
    pub fn unparsed_mail(&self, ws: &Workspace, all: bool) -> Result<Vec<crate::enquiries::unparsed::Unparsed>> {
        crate::enquiries::unparsed::list(self.conn(), ws, all)
    }

    /// The agent is done with an unparsed mail without making a lead of it.
    pub fn dismiss_unparsed(&mut self, ws: &Workspace, id: i64) -> Result<crate::enquiries::unparsed::Unparsed> {
        self.write(|tx, now| crate::enquiries::unparsed::resolve(tx, ws, id, None, now))
    }

    /// Makes a lead of an unparsed mail (the agent typed what it says): added like any lead,
    /// and the mail leaves the list.
    pub fn add_unparsed_as_lead(&mut self, ws: &Workspace, id: i64, input: &LeadInput) -> Result<AddOutcome> {
        self.write(|tx, now| workflows::add_unparsed_as_lead(tx, ws, id, input, now))
    }

    /// Counts for the window's "offline — N waiting" line.
    pub fn delivery_status(&self, ws: &Workspace) -> Result<delivery::Status> {
        delivery::status(self.conn(), ws)
    }

    /// The lead's Telegram start link; the bot's username must be set.
    pub fn telegram_link(&mut self, ws: &Workspace, lead_id: i64) -> Result<(String, String)> {
        self.write(|tx, now| inbox::telegram_link(tx, ws, lead_id, now))
    }

    // --- language model ---

    /// Sets the language model up (an OpenAI-compatible endpoint); `key` None keeps the stored one.
    pub fn set_llm(&mut self, secrets: &dyn SecretStore, base_url: &str, model: &str, key: Option<&str>, timeout_seconds: Option<u64>) -> Result<crate::messaging::drafting::LlmSettings> {
        self.write(|tx, _| crate::messaging::drafting::set(tx, secrets, base_url, model, key, timeout_seconds))
    }

    /// Turns the review of the model's drafts on or off (on by default once a model is set up).
    pub fn set_llm_review(&mut self, on: bool) -> Result<crate::messaging::drafting::LlmSettings> {
        self.write(|tx, _| crate::messaging::drafting::set_review(tx, on))
    }

    pub fn llm_settings(&self) -> Result<Option<crate::messaging::drafting::LlmSettings>> {
        crate::messaging::drafting::settings(self.conn())
    }

    pub fn load_llm(&self, secrets: &dyn SecretStore, http: &reqwest::Client) -> Result<Option<crate::messaging::drafting::Llm>> {
        crate::messaging::drafting::Llm::load(self.conn(), secrets, http)
    }

    /// Drafts the queued messages not drafted yet (the model's text, or the template).
    pub async fn draft_messages(&mut self, ws: &Workspace, llm: Option<&crate::messaging::drafting::Llm>) -> Result<crate::messaging::drafting::DraftReport> {
        crate::messaging::drafting::draft(&mut self.store, ws, llm).await
    }

    /// The agent approves (optionally edited) or rejects a draft held for review.
    pub fn review_message(&mut self, ws: &Workspace, id: i64, approve: bool, text: Option<&str>) -> Result<outbox::Message> {
        self.write(|tx, _| {
            crate::messaging::drafting::review(tx, ws, id, approve, text)?;
            outbox::get(tx, ws, id)
        })
    }

    /// Turns a campaign's "review before sending" on or off.
    pub fn set_campaign_review(&mut self, ws: &Workspace, campaign_id: i64, on: bool) -> Result<Campaign> {
        self.write(|tx, _| followups::set_review(tx, ws, campaign_id, on))
    }

    // --- follow-ups ---

    /// One tick of the workspace: the enrolments due now, [`WRITE_BATCH`] to a transaction, each
    /// looked at again under the write lock (another process may have taken it since the list
    /// was read), so a step is still queued exactly once.
    pub fn followup_tick(&mut self, ws: &Workspace) -> Result<TickReport> {
        self.refresh_scores(ws)?;
        let due = followups::due_enrolments(self.conn(), ws, self.now())?;
        let mut report = TickReport::default();
        for batch in due.chunks(WRITE_BATCH) {
            report.add(self.write(|tx, now| followups::tick_these(tx, ws, batch, now))?);
        }
        Ok(report)
    }

    /// One tick for every workspace (the app's timer).
    pub fn followup_tick_all(&mut self) -> Result<TickReport> {
        let mut total = TickReport::default();
        for ws in self.workspaces()? {
            total.add(self.followup_tick(&ws)?);
        }
        Ok(total)
    }

    /// What goes out today (and what is late), earliest first.
    pub fn due_queue(&self, ws: &Workspace, limit: usize) -> Result<Vec<followups::DueItem>> {
        followups::due_queue(self.conn(), ws, self.now(), limit)
    }

    /// One page of what goes out today, after `after`, with the day's totals.
    pub fn due_page(&self, ws: &Workspace, after: Option<&followups::DueCursor>, limit: usize) -> Result<followups::DuePage> {
        followups::due_page(self.conn(), ws, self.now(), after, limit)
    }

    pub fn campaigns(&self, ws: &Workspace) -> Result<Vec<Campaign>> {
        followups::campaigns(self.conn(), ws)
    }

    pub fn update_campaign_steps(&mut self, ws: &Workspace, id: i64, steps: &[Step]) -> Result<Campaign> {
        self.write(|tx, _| followups::update_steps(tx, ws, id, steps))
    }

    /// A/B figures of every step under test.
    pub fn campaign_stats(&self, ws: &Workspace) -> Result<Vec<followups::StepStats>> {
        followups::stats(self.conn(), ws)
    }

    /// Ends a step's A/B test: variant `v` (0 = A) becomes its text.
    pub fn promote_variant(&mut self, ws: &Workspace, campaign_id: i64, position: i64, v: usize) -> Result<Campaign> {
        self.write(|tx, _| followups::promote(tx, ws, campaign_id, position, v))
    }

    pub fn enrolments(&self, ws: &Workspace, lead_id: i64) -> Result<Vec<Enrolment>> {
        leads::get(self.conn(), ws, lead_id)?;
        followups::enrolments(self.conn(), ws, lead_id)
    }

    pub fn pause_followups(&mut self, ws: &Workspace, lead_id: i64) -> Result<Vec<Enrolment>> {
        self.write(|tx, _| {
            followups::pause(tx, ws, lead_id)?;
            followups::enrolments(tx, ws, lead_id)
        })
    }

    pub fn resume_followups(&mut self, ws: &Workspace, lead_id: i64) -> Result<Vec<Enrolment>> {
        self.write(|tx, _| {
            followups::resume(tx, ws, lead_id)?;
            followups::enrolments(tx, ws, lead_id)
        })
    }

    /// A template rendered for one lead (the editor's live preview).
    pub fn preview_template(&self, ws: &Workspace, lead_id: i64, template: &str, language: Option<crate::model::Language>) -> Result<String> {
        crate::followups::templates::preview(self.conn(), ws, lead_id, template, language)
    }

    // --- the agent's day (SPEC §13) ---

    /// Today at the book's now.
    pub fn today(&mut self, ws: &Workspace) -> Result<crate::today::Today> {
        self.refresh_scores(ws)?;
        crate::today::today(self.conn(), ws, self.now())
    }

    pub fn add_task(&mut self, ws: &Workspace, input: &tasks::TaskInput) -> Result<tasks::Task> {
        self.write(|tx, now| tasks::create(tx, ws, input, now))
    }

    pub fn tasks(&self, ws: &Workspace, filter: &tasks::TaskFilter) -> Result<Vec<tasks::Task>> {
        tasks::list(self.conn(), ws, filter)
    }

    /// One page of the tasks of `filter`, after `after`, with how many it holds in all.
    pub fn task_page(&self, ws: &Workspace, filter: &tasks::TaskFilter, after: Option<&tasks::TaskCursor>, limit: usize) -> Result<tasks::TaskPage> {
        tasks::page(self.conn(), ws, filter, after, limit)
    }

    pub fn task_done(&mut self, ws: &Workspace, id: i64) -> Result<tasks::Task> {
        self.write(|tx, now| tasks::done(tx, ws, id, now))
    }

    pub fn snooze_task(&mut self, ws: &Workspace, id: i64, until: &str) -> Result<tasks::Task> {
        self.write(|tx, now| tasks::snooze(tx, ws, id, until, now))
    }

    /// Tasks due now not notified yet, each claimed for notifying once (the window's timer).
    pub fn claim_due_tasks(&mut self, ws: &Workspace) -> Result<Vec<tasks::Task>> {
        self.write(|tx, now| {
            let due = tasks::due_unnotified(tx, ws, now)?;
            let mut mine = Vec::with_capacity(due.len());
            for t in due {
                if tasks::mark_notified(tx, ws, t.id, now)? {
                    mine.push(t);
                }
            }
            Ok(mine)
        })
    }

    pub fn log_call(&mut self, ws: &Workspace, lead_id: i64, outcome: CallOutcome, notes: Option<&str>, duration_s: Option<i64>) -> Result<workflows::CallLogged> {
        self.write(|tx, now| workflows::log_call(tx, ws, lead_id, outcome, notes, duration_s, now))
    }

    pub fn calls(&self, ws: &Workspace, lead_id: i64) -> Result<Vec<tasks::calls::Call>> {
        leads::get(self.conn(), ws, lead_id)?;
        tasks::calls::of_lead(self.conn(), ws, lead_id)
    }

    /// Marks a lead do not market (`on`) or back, with a reason.
    // --- compliance evidence (SPEC §14) ---

    /// Replaces the workspace's Do Not Call Register with the numbers of `path`; held messages
    /// of leads no longer on it go again.
    pub fn import_dncr(&mut self, ws: &Workspace, path: &std::path::Path) -> Result<compliance::dncr::Imported> {
        let rows = crate::transfer::compliance::read_register(path)?;
        self.write(|tx, _| {
            let out = compliance::dncr::replace(tx, ws, &rows)?;
            compliance::release(tx, ws)?;
            Ok(out)
        })
    }

    /// Records a lead's consent on `channel` by hand.
    pub fn set_consent(&mut self, ws: &Workspace, lead_id: i64, channel: Channel, source: compliance::consent::ConsentSource) -> Result<Vec<compliance::consent::Consent>> {
        self.write(|tx, now| {
            let out = compliance::consent::set(tx, ws, lead_id, channel, source, now)?;
            compliance::release(tx, ws)?;
            Ok(out)
        })
    }

    /// Withdraws a lead's consent on `channel`.
    pub fn withdraw_consent(&mut self, ws: &Workspace, lead_id: i64, channel: Channel) -> Result<Vec<compliance::consent::Consent>> {
        self.write(|tx, _| compliance::consent::withdraw(tx, ws, lead_id, channel))
    }

    /// What the lead's page shows of compliance: on the register, consents, held messages.
    pub fn lead_compliance(&self, ws: &Workspace, lead_id: i64) -> Result<compliance::LeadCompliance> {
        compliance::for_lead(self.conn(), ws, lead_id)
    }

    /// A page of the contact log, newest first.
    pub fn contact_log(&self, ws: &Workspace, filter: &compliance::report::LogFilter, before: Option<i64>, limit: usize) -> Result<compliance::report::ContactPage> {
        compliance::report::page(self.conn(), ws, filter, before, limit)
    }

    /// Writes the contact report to `path` (`.xlsx` or `.csv`).
    pub fn compliance_report(&self, ws: &Workspace, filter: &compliance::report::LogFilter, path: &std::path::Path) -> Result<crate::transfer::compliance::Written> {
        crate::transfer::compliance::write_report(self.conn(), ws, filter, path)
    }

    /// The register's size and how many leads it covers.
    pub fn dncr_summary(&self, ws: &Workspace) -> Result<compliance::dncr::Imported> {
        Ok(compliance::dncr::Imported {
            numbers: compliance::dncr::count(self.conn(), ws)?,
            leads_affected: compliance::dncr::leads_listed(self.conn(), ws)?,
            ..Default::default()
        })
    }

    pub fn set_do_not_market(&mut self, ws: &Workspace, lead_id: i64, on: bool, reason: &str) -> Result<Lead> {
        self.write(|tx, now| {
            let lead = workflows::set_do_not_market(tx, ws, lead_id, on, reason, now)?;
            compliance::release(tx, ws)?;
            Ok(lead)
        })
    }

    pub fn book_viewing(&mut self, ws: &Workspace, input: &ViewingInput) -> Result<workflows::ViewingBooked> {
        self.write(|tx, now| workflows::book_viewing(tx, ws, input, now))
    }

    pub fn set_viewing_status(&mut self, ws: &Workspace, id: i64, status: ViewingStatus) -> Result<Viewing> {
        self.write(|tx, now| workflows::set_viewing_status(tx, ws, id, status, now))
    }

    pub fn viewings(&self, ws: &Workspace, filter: &tasks::viewings::ViewingFilter) -> Result<Vec<Viewing>> {
        tasks::viewings::list(self.conn(), ws, filter)
    }

    pub fn add_deal(&mut self, ws: &Workspace, input: &DealInput) -> Result<Deal> {
        self.write(|tx, now| workflows::add_deal(tx, ws, input, now))
    }

    pub fn set_deal_stage(&mut self, ws: &Workspace, id: i64, stage: DealStage) -> Result<Deal> {
        self.write(|tx, now| workflows::set_deal_stage(tx, ws, id, stage, now))
    }

    pub fn deals(&self, ws: &Workspace, stage: Option<DealStage>) -> Result<Vec<Deal>> {
        tasks::deals::list(self.conn(), ws, stage)
    }

    pub fn save_list(&mut self, ws: &Workspace, name: &str, filter: &LeadQuery) -> Result<SmartList> {
        self.write(|tx, now| leads::lists::save(tx, ws, name, filter, now))
    }

    pub fn show_list(&mut self, ws: &Workspace, name: &str, limit: Option<u32>) -> Result<LeadPage> {
        self.refresh_scores(ws)?;
        leads::lists::show(self.conn(), ws, name, limit)
    }

    pub fn delete_list(&mut self, ws: &Workspace, name: &str) -> Result<()> {
        self.write(|tx, _| leads::lists::delete(tx, ws, name))
    }

    /// Every saved list with its live count (the sidebar).
    pub fn lists(&mut self, ws: &Workspace) -> Result<Vec<SmartList>> {
        self.refresh_scores(ws)?;
        leads::lists::all(self.conn(), ws)
    }

    /// Writes every viewing of `ws` to `path` as an RFC 5545 calendar (`.ics`).
    pub fn export_calendar(&self, ws: &Workspace, path: &Path) -> Result<crate::transfer::calendar::Exported> {
        crate::transfer::calendar::to_path(self.conn(), ws, path, self.now())
    }

    // --- export ---

    /// Exports the workspace to `path`: `.xlsx` (the whole book) or `.csv` (the leads).
    pub fn export(&mut self, ws: &Workspace, path: &Path) -> Result<crate::transfer::export::Exported> {
        self.refresh_scores(ws)?;
        crate::transfer::export::to_path(self.conn(), ws, path, self.now())
    }

    // --- backups ---

    /// Today's backup beside the database file, if it was not made yet; rotates the dated ones
    /// (7 days, 4 weeks, 6 months, and always the newest holding leads: see
    /// [`crate::transfer::backup`]).
    pub fn daily_backup(&self) -> Result<Option<PathBuf>> {
        let path = self.store.path().ok_or_else(|| Error::Usage("an in-memory book has no backups".into()))?;
        crate::transfer::backup::daily(self.conn(), path, self.now())
    }

    /// A copy of the book at `dest`; an existing file there is replaced only if it is a
    /// Leadbook database (see [`crate::transfer::backup::to_file`]).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        crate::transfer::backup::to_file(self.conn(), dest)
    }
}
