//! Opening the SQLite file: pragmas, owner-only permissions and numbered migrations.
//!
//! The database is the source of truth. Invariants that must hold across processes
//! (one identity key per workspace, …) are unique indexes, and every write runs in one
//! `BEGIN IMMEDIATE` transaction, so two processes on one file cannot interleave.
//!
//! A book found damaged (see [`disk`]) is never written again until a backup is restored over
//! it: every write answers the damage error.

pub mod disk;
pub mod paging;
pub mod rows;
pub mod settings;

use crate::clock::Clock;
use crate::error::Result;
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// One connection to the book and the clock it reads "now" from. The engines (delivery, the
/// inbox, drafting) and the import work on a `Store`; [`crate::Book`] is a thin facade over one.
pub struct Store {
    conn: Connection,
    clock: Arc<dyn Clock>,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating and migrating) the book at `path`, making its folder if need be.
    pub fn open(path: &Path, clock: Arc<dyn Clock>, setup: &Setup) -> Result<Store> {
        Store::open_in(path, clock, setup, Folder::Create)
    }

    /// Opens the book at `path`; a new one is made only where `folder` allows.
    pub fn open_in(path: &Path, clock: Arc<dyn Clock>, setup: &Setup, folder: Folder) -> Result<Store> {
        Ok(Store { conn: open_in(path, setup, folder)?, clock, path: Some(path.to_path_buf()) })
    }

    pub fn open_in_memory(clock: Arc<dyn Clock>, setup: &Setup) -> Result<Store> {
        Ok(Store { conn: open_in_memory(setup)?, clock, path: None })
    }

    /// Caps SQLite's page cache of this connection at `kib` KiB (64 MiB by default, which bulk
    /// imports want). A long-lived window connection needs the hot indexes only: the operating
    /// system's file cache holds the rest without counting against the process.
    pub fn set_cache_kib(&self, kib: u32) -> Result<()> {
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{kib}"))?;
        Ok(())
    }

    /// Now, to the second (what the database stores).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(0)
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Read access: queries run on the connection directly.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`): all of it is saved, or none.
    /// A book marked damaged is not written; a write that finds the file corrupt marks it.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction, DateTime<Utc>) -> Result<T>) -> Result<T> {
        if let Some(what) = self.path.as_deref().and_then(|p| disk::damage(p).map(|w| (p, w))) {
            return Err(disk::damaged(what.0, &what.1));
        }
        let now = self.now();
        let run = || -> Result<T> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx, now)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| disk::note(self.path.as_deref(), e))
    }

    /// `e`, unless it says the book is corrupt: then the book is marked damaged (no connection
    /// writes to it again until a restore) and the answer is the damage error. For the shells,
    /// with the errors of reads.
    pub fn note(&self, e: crate::Error) -> crate::Error {
        disk::note(self.path.as_deref(), e)
    }
}

/// Whether opening a book that does not exist yet may make the folder it goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// Make it (the default book's place, or when the person asked for a new book).
    Create,
    /// The folder must exist: a path into a missing folder is a typo, not a new book.
    MustExist,
}

/// The schema, one entry per version. Never edit a released entry: add a new one.
/// `PRAGMA user_version` records how many have been applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: workspaces, leads, identity keys, timeline, app settings.
    r#"
    CREATE TABLE workspaces (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
        timezone      TEXT NOT NULL DEFAULT 'Asia/Dubai',
        phone_region  TEXT NOT NULL DEFAULT 'AE',
        currency      TEXT NOT NULL DEFAULT 'AED',
        agent_name    TEXT,
        quiet_start   TEXT NOT NULL DEFAULT '09:00',
        quiet_end     TEXT NOT NULL DEFAULT '18:00',
        language      TEXT NOT NULL DEFAULT 'en',
        score_weights TEXT,
        created_at    TEXT NOT NULL
    );

    CREATE TABLE leads (
        id                INTEGER PRIMARY KEY,
        workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name              TEXT NOT NULL,
        email             TEXT,
        phone             TEXT,
        whatsapp          TEXT,
        telegram_id       INTEGER,
        telegram_username TEXT,
        linkedin_url      TEXT,
        source            TEXT NOT NULL,
        budget_min        INTEGER,
        budget_max        INTEGER,
        locations         TEXT NOT NULL DEFAULT '[]',
        property_type     TEXT,
        bedrooms          INTEGER,
        purpose           TEXT,
        language          TEXT,
        status            TEXT NOT NULL DEFAULT 'new',
        opt_outs          TEXT NOT NULL DEFAULT '[]',
        notes             TEXT,
        tags              TEXT NOT NULL DEFAULT '[]',
        score             INTEGER,
        grade             TEXT,
        score_valid_until TEXT,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        last_contacted_at TEXT,
        last_inbound_at   TEXT,
        next_followup_at  TEXT,
        -- Lower-cased name, email, Telegram username, LinkedIn slug, areas and phone digits:
        -- what search-as-you-type looks in, scanned from one covering index.
        search            TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX leads_ws_status  ON leads(workspace_id, status);
    CREATE INDEX leads_ws_source  ON leads(workspace_id, source);
    -- Also serves grade filters and counts: a grade is a score range.
    CREATE INDEX leads_ws_score   ON leads(workspace_id, score DESC);
    CREATE INDEX leads_ws_rescore ON leads(workspace_id, score_valid_until) WHERE score_valid_until IS NOT NULL;
    CREATE INDEX leads_ws_next    ON leads(workspace_id, next_followup_at) WHERE next_followup_at IS NOT NULL;
    CREATE INDEX leads_ws_search  ON leads(workspace_id, search, score);

    -- Identity keys: one owner per (workspace, kind, value). Phone and WhatsApp share kind 'phone'.
    CREATE TABLE lead_keys (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        value        TEXT NOT NULL,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        PRIMARY KEY (workspace_id, kind, value)
    ) WITHOUT ROWID;

    CREATE TABLE timeline (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        at           TEXT NOT NULL,
        kind         TEXT NOT NULL,
        detail       TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX timeline_lead ON timeline(lead_id, at);
    -- Only replies are counted by time (the dashboard's "replies this week").
    CREATE INDEX timeline_ws_replies ON timeline(workspace_id, at) WHERE kind = 'replied';

    -- Small app-wide preferences (the workspace the app last showed, …).
    CREATE TABLE app_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 2: properties, what open leads want (the match index), the outbox, tasks for the agent.
    r#"
    CREATE TABLE properties (
        id            INTEGER PRIMARY KEY,
        workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        title         TEXT NOT NULL,
        location      TEXT NOT NULL,
        area_key      TEXT NOT NULL,
        price         INTEGER NOT NULL,
        property_type TEXT,
        bedrooms      INTEGER,
        purpose       TEXT NOT NULL DEFAULT 'sale',
        permit        TEXT,
        status        TEXT NOT NULL DEFAULT 'available',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX properties_ws ON properties(workspace_id, created_at);

    -- What each open lead (not won or lost, with criteria) wants, one row per wished-for area
    -- key ('' for a lead with criteria but no area): matching reads only this index.
    CREATE TABLE lead_match (
        workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        area_key      TEXT NOT NULL,
        lead_id       INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        budget_min    INTEGER,
        budget_max    INTEGER,
        property_type TEXT,
        bedrooms      INTEGER,
        purpose       TEXT,
        PRIMARY KEY (workspace_id, area_key, lead_id)
    ) WITHOUT ROWID;

    -- Every message Leadbook means to send. channel NULL: routed when it is delivered.
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id         INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        kind            TEXT NOT NULL,
        campaign_step   INTEGER,
        property_id     INTEGER REFERENCES properties(id) ON DELETE SET NULL,
        channel         TEXT,
        status          TEXT NOT NULL DEFAULT 'queued',
        body            TEXT NOT NULL,
        queued_at       TEXT NOT NULL,
        sent_at         TEXT,
        attempts        INTEGER NOT NULL DEFAULT 0,
        error           TEXT,
        next_attempt_at TEXT
    );
    -- A lead is told about a property once, whatever number of processes run.
    CREATE UNIQUE INDEX outbox_property_once ON outbox(workspace_id, lead_id, property_id) WHERE kind = 'property';
    CREATE INDEX outbox_ws_status ON outbox(workspace_id, status, queued_at);
    CREATE INDEX outbox_lead ON outbox(lead_id, queued_at);

    -- Things the agent does by hand (call a matching buyer Leadbook cannot message, …).
    CREATE TABLE tasks (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        property_id  INTEGER REFERENCES properties(id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        detail       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        done_at      TEXT
    );
    CREATE UNIQUE INDEX tasks_once ON tasks(workspace_id, lead_id, property_id, kind);
    CREATE INDEX tasks_ws_open ON tasks(workspace_id, done_at, created_at);
    "#,
    // 3: campaigns, their steps, enrolments and the once-per-step ledger.
    r#"
    CREATE TABLE campaigns (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        is_default   INTEGER NOT NULL DEFAULT 0,
        created_at   TEXT NOT NULL,
        UNIQUE (workspace_id, name)
    );
    CREATE UNIQUE INDEX campaigns_one_default ON campaigns(workspace_id) WHERE is_default = 1;

    CREATE TABLE campaign_steps (
        campaign_id    INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        position       INTEGER NOT NULL,
        offset_minutes INTEGER NOT NULL,
        label          TEXT NOT NULL,
        template_en    TEXT NOT NULL,
        template_fa    TEXT NOT NULL,
        template_ar    TEXT NOT NULL,
        channel        TEXT,
        PRIMARY KEY (campaign_id, position)
    ) WITHOUT ROWID;

    CREATE TABLE enrolments (
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        enrolled_at  TEXT NOT NULL,
        next_step    INTEGER NOT NULL,
        next_due_at  TEXT,
        state        TEXT NOT NULL,
        stop_reason  TEXT,
        PRIMARY KEY (lead_id, campaign_id)
    ) WITHOUT ROWID;

    -- Each step an enrolment passes, once: queued (with its message) or skipped.
    CREATE TABLE enrolment_steps (
        lead_id     INTEGER NOT NULL,
        campaign_id INTEGER NOT NULL,
        position    INTEGER NOT NULL,
        outcome     TEXT NOT NULL,
        outbox_id   INTEGER,
        at          TEXT NOT NULL,
        PRIMARY KEY (lead_id, campaign_id, position),
        FOREIGN KEY (lead_id, campaign_id) REFERENCES enrolments(lead_id, campaign_id) ON DELETE CASCADE
    ) WITHOUT ROWID;

    ALTER TABLE outbox ADD COLUMN campaign_id INTEGER;
    CREATE UNIQUE INDEX outbox_step_once ON outbox(lead_id, campaign_id, campaign_step) WHERE kind = 'followup';
    "#,
    // 4: new leads per week for the dashboard's chart (and the sort by creation).
    r#"
    CREATE INDEX leads_ws_created ON leads(workspace_id, created_at);
    "#,
    // 5: the search index ordered by score first: a new lead lands at the end of its score's
    // run (a handful of places) instead of at a random place in text order, which made bulk
    // imports slow; a search scans the whole index either way.
    r#"
    DROP INDEX leads_ws_search;
    CREATE INDEX leads_ws_search ON leads(workspace_id, score, search);
    -- Status and source together: the dashboard's funnel and sources in one index scan; the
    -- status filter uses its prefix.
    DROP INDEX leads_ws_status;
    CREATE INDEX leads_ws_status ON leads(workspace_id, status, source);
    "#,
    // 6: channels. Each workspace's provider settings (never a secret: those are in the OS
    // keychain), what delivery needs on leads and messages, inbound de-duplication, Telegram
    // start links.
    r#"
    CREATE TABLE channels (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        provider     TEXT NOT NULL,
        settings     TEXT NOT NULL,
        state        TEXT NOT NULL DEFAULT 'ok',
        detail       TEXT,
        -- Where inbound polling goes on from: Telegram's next update offset, Twilio's last day.
        cursor       TEXT,
        checked_at   TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (workspace_id, provider)
    ) WITHOUT ROWID;

    -- Inbound messages already taken in, by the provider's own id: each is processed once.
    CREATE TABLE inbound_seen (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        provider     TEXT NOT NULL,
        external_id  TEXT NOT NULL,
        lead_id      INTEGER,
        at           TEXT NOT NULL,
        PRIMARY KEY (workspace_id, provider, external_id)
    ) WITHOUT ROWID;

    -- The payload of each lead's https://t.me/<bot>?start=<token> link.
    CREATE TABLE telegram_links (
        token        TEXT PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL UNIQUE REFERENCES leads(id) ON DELETE CASCADE,
        created_at   TEXT NOT NULL
    );

    -- Channels a provider said cannot reach the lead (Telegram: blocked the bot).
    ALTER TABLE leads ADD COLUMN unusable_channels TEXT NOT NULL DEFAULT '[]';
    -- The lead's last inbound WhatsApp message: free text may go for 24 hours after it.
    ALTER TABLE leads ADD COLUMN whatsapp_inbound_at TEXT;

    ALTER TABLE outbox ADD COLUMN sending_since TEXT;
    ALTER TABLE outbox ADD COLUMN provider_message_id TEXT;
    -- For a message no provider can carry: the wa.me or tel: link the agent opens.
    ALTER TABLE outbox ADD COLUMN manual_link TEXT;
    -- What delivery picks: due messages in time order.
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at) WHERE status IN ('queued', 'deferred', 'sending');

    -- A WhatsApp template for steps sent outside the 24-hour window.
    ALTER TABLE campaign_steps ADD COLUMN wa_template TEXT;
    ALTER TABLE campaign_steps ADD COLUMN wa_template_language TEXT;
    ALTER TABLE campaign_steps ADD COLUMN wa_template_params TEXT NOT NULL DEFAULT '[]';
    "#,
    // 7: A/B variants of campaign steps (variant 0 is the step's own text), the variant each
    // follow-up message used, and the class of each reply on the timeline.
    r#"
    CREATE TABLE step_variants (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        variant     INTEGER NOT NULL,
        template_en TEXT NOT NULL,
        template_fa TEXT NOT NULL,
        template_ar TEXT NOT NULL,
        PRIMARY KEY (campaign_id, position, variant)
    ) WITHOUT ROWID;
    ALTER TABLE outbox ADD COLUMN variant INTEGER;
    CREATE INDEX outbox_step_variant ON outbox(campaign_id, campaign_step, variant) WHERE kind = 'followup';
    ALTER TABLE timeline ADD COLUMN reply_class TEXT;
    "#,
    // 8: messages written for each lead by a language model: where each text came from, the
    // prompt and answer kept for audit, and the agent's review before sending.
    r#"
    ALTER TABLE outbox ADD COLUMN draft TEXT;
    ALTER TABLE outbox ADD COLUMN draft_note TEXT;
    ALTER TABLE outbox ADD COLUMN llm_prompt TEXT;
    ALTER TABLE outbox ADD COLUMN llm_answer TEXT;
    ALTER TABLE outbox ADD COLUMN review TEXT;
    ALTER TABLE campaigns ADD COLUMN review_before_sending INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX outbox_undrafted ON outbox(workspace_id, id) WHERE draft IS NULL AND status = 'queued';
    "#,
    // 9: each workspace's lead model, learned from its own won and lost leads.
    r#"
    ALTER TABLE workspaces ADD COLUMN learned_model TEXT;
    "#,
    // 10: WhatsApp's 24-hour window belongs to the business number the lead wrote to: the
    // provider it came through (`twilio` or `whatsapp`). Until now only Twilio's sender could be
    // heard (the Cloud API has no inbound without webhooks), so every open window was Twilio's.
    r#"
    ALTER TABLE leads ADD COLUMN whatsapp_inbound_via TEXT;
    UPDATE leads SET whatsapp_inbound_via = 'twilio' WHERE whatsapp_inbound_at IS NOT NULL;
    "#,
    // 11: Telegram start links are single-use and expire: a lead may have had several (a new
    // one replaces a used or expired one, which is kept so that a forwarded old link is
    // recognised), each says when it was used and by which Telegram account.
    r#"
    CREATE TABLE telegram_links_v11 (
        token        TEXT PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        created_at   TEXT NOT NULL,
        used_at      TEXT,
        used_by      INTEGER
    );
    INSERT INTO telegram_links_v11 (token, workspace_id, lead_id, created_at)
        SELECT token, workspace_id, lead_id, created_at FROM telegram_links;
    DROP TABLE telegram_links;
    ALTER TABLE telegram_links_v11 RENAME TO telegram_links;
    CREATE INDEX telegram_links_lead ON telegram_links(workspace_id, lead_id, created_at);
    "#,
    // 12: a Twilio message is followed after the send until its final status: which provider
    // took each message, and when its status was last asked.
    r#"
    ALTER TABLE outbox ADD COLUMN provider TEXT;
    ALTER TABLE outbox ADD COLUMN status_checked_at TEXT;
    CREATE INDEX outbox_following ON outbox(workspace_id, provider, status, sent_at);
    "#,
    // 13: inbound email (SPEC §12). A lead's arrival (the time of its first enquiry, for speed
    // to lead); each enquiry a lead made, with the listing it named; the portals' own lead ids,
    // so one enquiry seen by API and by email is one; the senders whose mail is an enquiry; the
    // enquiries that could not be read, kept for the agent; and every mail taken in, once.
    r#"
    ALTER TABLE leads ADD COLUMN arrived_at TEXT;
    ALTER TABLE properties ADD COLUMN reference TEXT;
    CREATE INDEX properties_permit ON properties(workspace_id, permit COLLATE NOCASE) WHERE permit IS NOT NULL;
    CREATE INDEX properties_reference ON properties(workspace_id, reference COLLATE NOCASE) WHERE reference IS NOT NULL;
    CREATE TABLE portal_leads (
        workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        portal         TEXT NOT NULL,
        portal_lead_id TEXT NOT NULL,
        lead_id        INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        at             TEXT NOT NULL,
        PRIMARY KEY (workspace_id, portal, portal_lead_id)
    ) WITHOUT ROWID;
    CREATE TABLE lead_enquiries (
        id                INTEGER PRIMARY KEY,
        workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id           INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        portal            TEXT,
        kind              TEXT NOT NULL,
        via               TEXT NOT NULL,
        portal_lead_id    TEXT,
        message           TEXT,
        listing_reference TEXT,
        permit            TEXT,
        property_id       INTEGER REFERENCES properties(id) ON DELETE SET NULL,
        at                TEXT NOT NULL,
        received_at       TEXT NOT NULL
    );
    CREATE INDEX lead_enquiries_lead ON lead_enquiries(workspace_id, lead_id, at);
    CREATE TABLE email_senders (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        pattern      TEXT NOT NULL,
        portal       TEXT,
        created_at   TEXT NOT NULL,
        PRIMARY KEY (workspace_id, pattern)
    ) WITHOUT ROWID;
    CREATE TABLE unparsed_mail (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        received_at  TEXT NOT NULL,
        sender       TEXT,
        subject      TEXT,
        portal       TEXT,
        reason       TEXT NOT NULL,
        raw_text     TEXT NOT NULL,
        resolved_at  TEXT,
        lead_id      INTEGER REFERENCES leads(id) ON DELETE SET NULL
    );
    CREATE INDEX unparsed_mail_open ON unparsed_mail(workspace_id, resolved_at, received_at);
    CREATE TABLE mail_seen (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        message_key  TEXT NOT NULL,
        at           TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        lead_id      INTEGER,
        PRIMARY KEY (workspace_id, message_key)
    ) WITHOUT ROWID;
    "#,
    // 14: the agent's day (SPEC §13). Tasks get a title, an optional lead, a due time, a kind
    // of the agent's (call, message, viewing, document, other) and a snooze; the call tasks
    // matching made keep their once-per-lead-and-listing key through `origin`, the inbox's
    // Telegram-link decisions become `other` tasks. Logged calls, viewings, deals and saved
    // lead-list filters get their tables; a lead can be marked do not market; the outbox
    // knows which viewing a confirmation or reminder is for (each once); every workspace has
    // its commission defaults (basis points) and its viewing reminder lead time.
    r#"
    CREATE TABLE tasks_new (
        id            INTEGER PRIMARY KEY,
        workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id       INTEGER REFERENCES leads(id) ON DELETE CASCADE,
        property_id   INTEGER REFERENCES properties(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL,
        origin        TEXT NOT NULL DEFAULT 'agent',
        title         TEXT NOT NULL,
        detail        TEXT NOT NULL DEFAULT '',
        due_at        TEXT,
        snoozed_until TEXT,
        notified_at   TEXT,
        created_at    TEXT NOT NULL,
        done_at       TEXT
    );
    INSERT INTO tasks_new (id, workspace_id, lead_id, property_id, kind, origin, title, detail, due_at, created_at, done_at)
        SELECT id, workspace_id, lead_id, property_id,
               CASE kind WHEN 'call' THEN 'call' ELSE 'other' END,
               CASE kind WHEN 'call' THEN 'matching' WHEN 'telegram_link' THEN 'telegram_link' ELSE kind END,
               CASE kind WHEN 'call' THEN detail WHEN 'telegram_link' THEN 'Telegram link to decide' ELSE detail END,
               detail, created_at, created_at, done_at
        FROM tasks;
    DROP TABLE tasks;
    ALTER TABLE tasks_new RENAME TO tasks;
    CREATE UNIQUE INDEX tasks_once ON tasks(workspace_id, lead_id, property_id) WHERE origin = 'matching';
    CREATE INDEX tasks_ws_open ON tasks(workspace_id, done_at, due_at);
    CREATE INDEX tasks_lead ON tasks(lead_id, created_at);

    CREATE TABLE calls (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        outcome      TEXT NOT NULL,
        notes        TEXT,
        duration_s   INTEGER,
        at           TEXT NOT NULL
    );
    CREATE INDEX calls_lead ON calls(lead_id, at);

    CREATE TABLE viewings (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        property_id  INTEGER NOT NULL REFERENCES properties(id) ON DELETE CASCADE,
        at           TEXT NOT NULL,
        duration_min INTEGER NOT NULL,
        place        TEXT,
        status       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
    );
    CREATE INDEX viewings_ws_at ON viewings(workspace_id, at);
    CREATE INDEX viewings_lead ON viewings(lead_id, at);

    CREATE TABLE deals (
        id             INTEGER PRIMARY KEY,
        workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id        INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        property_id    INTEGER REFERENCES properties(id) ON DELETE SET NULL,
        kind           TEXT NOT NULL,
        value          INTEGER NOT NULL,
        stage          TEXT NOT NULL,
        expected_close TEXT,
        commission     INTEGER NOT NULL,
        vat            INTEGER NOT NULL,
        agent_share    INTEGER NOT NULL,
        notes          TEXT,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        closed_at      TEXT
    );
    CREATE INDEX deals_ws_stage ON deals(workspace_id, stage);

    CREATE TABLE smart_lists (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name         TEXT NOT NULL COLLATE NOCASE,
        filter       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        UNIQUE (workspace_id, name)
    );

    ALTER TABLE leads ADD COLUMN do_not_market_at TEXT;
    ALTER TABLE leads ADD COLUMN do_not_market_reason TEXT;

    ALTER TABLE outbox ADD COLUMN viewing_id INTEGER REFERENCES viewings(id) ON DELETE CASCADE;
    ALTER TABLE outbox ADD COLUMN viewing_part TEXT;
    CREATE UNIQUE INDEX outbox_viewing_once ON outbox(viewing_id, viewing_part) WHERE viewing_id IS NOT NULL;

    ALTER TABLE workspaces ADD COLUMN commission_sale_bp INTEGER NOT NULL DEFAULT 200;
    ALTER TABLE workspaces ADD COLUMN commission_rent_bp INTEGER NOT NULL DEFAULT 500;
    ALTER TABLE workspaces ADD COLUMN vat_bp INTEGER NOT NULL DEFAULT 500;
    ALTER TABLE workspaces ADD COLUMN agent_share_bp INTEGER NOT NULL DEFAULT 5000;
    ALTER TABLE workspaces ADD COLUMN viewing_reminder_min INTEGER NOT NULL DEFAULT 120;
    "#,
    // 15: each workspace's portal lead APIs (Property Finder, Bayut, dubizzle): settings
    // without secrets, whether the key works, and the last lead seen (where polling goes on).
    r#"
    CREATE TABLE portals (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        portal       TEXT NOT NULL,
        settings     TEXT NOT NULL,
        state        TEXT NOT NULL DEFAULT 'untested',
        detail       TEXT,
        cursor       TEXT,
        checked_at   TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (workspace_id, portal)
    ) WITHOUT ROWID;
    "#,
    // 16: speed to lead — when a lead was first answered (the first message sent to it, by Leadbook
    // or by hand, or a call logged); the dashboard measures from arrival to it.
    r#"
    ALTER TABLE leads ADD COLUMN first_answered_at TEXT;
    "#,
    // 17: email as a channel (SPEC §12): a campaign step's subject in each language (empty: the
    // default subject).
    r#"
    ALTER TABLE campaign_steps ADD COLUMN subject_en TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign_steps ADD COLUMN subject_fa TEXT NOT NULL DEFAULT '';
    ALTER TABLE campaign_steps ADD COLUMN subject_ar TEXT NOT NULL DEFAULT '';
    "#,
    // 18: whether a listing added in the window tells its matching buyers at once (1) or first
    // shows who would be told for the agent to confirm (0, the default; SPEC §4 round 2).
    r#"
    ALTER TABLE workspaces ADD COLUMN alerts_at_once INTEGER NOT NULL DEFAULT 0;
    "#,
    // 19: speed to lead on the dashboard without reading every lead: this week's answered
    // leads, and the unanswered ones by arrival (counted from the index alone).
    r#"
    CREATE INDEX leads_ws_answered ON leads(workspace_id, first_answered_at) WHERE first_answered_at IS NOT NULL;
    CREATE INDEX leads_ws_unanswered ON leads(workspace_id, coalesce(arrived_at, created_at), source) WHERE first_answered_at IS NULL;
    "#,
    // 20: compliance evidence (SPEC §14): the rule holding a `held` message; when the tick last
    // held back an enrolment's due step (for pacing or the window: a step due by then was not
    // missed by a closed app, so catching up never skips it); the contact log
    // (every message that went and every call, with the checks it passed, or the rule that held
    // it back — kept when a lead is deleted, so it names the lead itself); the Do Not Call
    // Register; consent per lead and channel; and the two workspace rules (consent for automatic
    // marketing, off by default; permits on advertisements, NULL = on for Asia/Dubai).
    r#"
    ALTER TABLE outbox ADD COLUMN held_for TEXT;
    ALTER TABLE enrolments ADD COLUMN deferred_since TEXT;
    CREATE INDEX outbox_held ON outbox(workspace_id, held_for) WHERE status = 'held';
    ALTER TABLE workspaces ADD COLUMN require_consent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE workspaces ADD COLUMN require_permits INTEGER;
    CREATE TABLE contact_log (
        id           INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL,
        lead_name    TEXT NOT NULL,
        at           TEXT NOT NULL,
        channel      TEXT NOT NULL,
        purpose      TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        outbox_id    INTEGER,
        call_id      INTEGER,
        passed       TEXT NOT NULL,
        held_by      TEXT,
        broke        TEXT,
        detail       TEXT
    );
    CREATE INDEX contact_log_ws_at ON contact_log(workspace_id, at);
    CREATE INDEX contact_log_ws_lead ON contact_log(workspace_id, lead_id, at);
    CREATE TABLE dncr_numbers (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        phone        TEXT NOT NULL,
        PRIMARY KEY (workspace_id, phone)
    ) WITHOUT ROWID;
    CREATE TABLE consents (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_id      INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        channel      TEXT NOT NULL,
        source       TEXT NOT NULL,
        at           TEXT NOT NULL,
        PRIMARY KEY (lead_id, channel)
    ) WITHOUT ROWID;
    CREATE INDEX consents_ws ON consents(workspace_id, lead_id);
    "#,
    // 21: the sample book (SPEC §15's first run): a workspace of made-up leads and listings to
    // try the app on, which can never send or read messages and is removed in one step.
    r#"
    ALTER TABLE workspaces ADD COLUMN sample INTEGER NOT NULL DEFAULT 0;
    "#,
    // 22: pairs of leads the agent said are two people (a possible duplicate dismissed, or a
    // lead added apart from the one it shares a key with): never offered as duplicates again.
    r#"
    CREATE TABLE duplicate_dismissals (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        lead_a       INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        lead_b       INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        at           TEXT NOT NULL,
        PRIMARY KEY (workspace_id, lead_a, lead_b)
    ) WITHOUT ROWID;
    CREATE INDEX duplicate_dismissals_b ON duplicate_dismissals(lead_b);
    "#,
    // 23: paging the due queue (issue #18): the active enrolments by due time, so a page of the
    // queue and its count read an index range, not every enrolment of the book.
    r#"
    CREATE INDEX enrolments_ws_due ON enrolments(workspace_id, next_due_at) WHERE state = 'active';
    "#,
    // 24: the leads' tallies (issue #19), kept current by triggers in the same transaction as
    // every insert, change and delete of a lead (every write path, every process), so the
    // dashboard and the lead list's totals read a few hundred rows instead of counting the
    // book. `lead_tallies`: leads per status, source, score (-1: never scored) and
    // do-not-market mark together. `lead_hours`: leads per UTC hour (`YYYY-MM-DDTHH`) of their
    // creation (`created`), of their next follow-up (`next`), and of the arrival of those not
    // answered yet (`unanswered`, by source); a count between two times adds up the whole hours
    // and counts the two partial ones from the leads' indexes. Filled from the leads already
    // there by the migration's data step (`leads::tallies::rebuild`).
    r#"
    CREATE TABLE lead_tallies (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        status       TEXT NOT NULL,
        source       TEXT NOT NULL,
        score        INTEGER NOT NULL,
        dnm          INTEGER NOT NULL,
        n            INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, status, source, score, dnm)
    ) WITHOUT ROWID;
    CREATE TABLE lead_hours (
        workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        hour         TEXT NOT NULL,
        source       TEXT NOT NULL,
        n            INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, kind, hour, source)
    ) WITHOUT ROWID;
    CREATE TRIGGER leads_tally_insert AFTER INSERT ON leads BEGIN
        INSERT INTO lead_tallies (workspace_id, status, source, score, dnm, n)
        VALUES (new.workspace_id, new.status, new.source, coalesce(new.score, -1), new.do_not_market_at IS NOT NULL, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
        INSERT INTO lead_hours (workspace_id, kind, hour, source, n)
        SELECT new.workspace_id, 'created', substr(new.created_at, 1, 13), '', 1
        UNION ALL SELECT new.workspace_id, 'next', substr(new.next_followup_at, 1, 13), '', 1 WHERE new.next_followup_at IS NOT NULL
        UNION ALL SELECT new.workspace_id, 'unanswered', substr(coalesce(new.arrived_at, new.created_at), 1, 13), new.source, 1
            WHERE new.first_answered_at IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER leads_tally_delete AFTER DELETE ON leads BEGIN
        UPDATE lead_tallies SET n = n - 1
        WHERE workspace_id = old.workspace_id AND status = old.status AND source = old.source
          AND score = coalesce(old.score, -1) AND dnm = (old.do_not_market_at IS NOT NULL);
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'created' AND hour = substr(old.created_at, 1, 13) AND source = '';
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'next' AND hour = substr(old.next_followup_at, 1, 13) AND source = '';
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'unanswered' AND old.first_answered_at IS NULL
          AND hour = substr(coalesce(old.arrived_at, old.created_at), 1, 13) AND source = old.source;
    END;
    CREATE TRIGGER leads_tally_update AFTER UPDATE OF workspace_id, status, source, score, do_not_market_at ON leads
    WHEN old.workspace_id IS NOT new.workspace_id OR old.status IS NOT new.status OR old.source IS NOT new.source
      OR old.score IS NOT new.score OR (old.do_not_market_at IS NULL) IS NOT (new.do_not_market_at IS NULL)
    BEGIN
        UPDATE lead_tallies SET n = n - 1
        WHERE workspace_id = old.workspace_id AND status = old.status AND source = old.source
          AND score = coalesce(old.score, -1) AND dnm = (old.do_not_market_at IS NOT NULL);
        INSERT INTO lead_tallies (workspace_id, status, source, score, dnm, n)
        VALUES (new.workspace_id, new.status, new.source, coalesce(new.score, -1), new.do_not_market_at IS NOT NULL, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER leads_hours_created AFTER UPDATE OF created_at ON leads
    WHEN old.created_at IS NOT new.created_at
    BEGIN
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'created' AND hour = substr(old.created_at, 1, 13) AND source = '';
        INSERT INTO lead_hours (workspace_id, kind, hour, source, n)
        VALUES (new.workspace_id, 'created', substr(new.created_at, 1, 13), '', 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER leads_hours_next AFTER UPDATE OF next_followup_at ON leads
    WHEN old.next_followup_at IS NOT new.next_followup_at
    BEGIN
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'next' AND hour = substr(old.next_followup_at, 1, 13) AND source = '';
        INSERT INTO lead_hours (workspace_id, kind, hour, source, n)
        SELECT new.workspace_id, 'next', substr(new.next_followup_at, 1, 13), '', 1 WHERE new.next_followup_at IS NOT NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER leads_hours_unanswered AFTER UPDATE OF first_answered_at, arrived_at, created_at, source ON leads
    WHEN (old.first_answered_at IS NULL OR new.first_answered_at IS NULL) AND (old.first_answered_at IS NOT new.first_answered_at
      OR old.arrived_at IS NOT new.arrived_at OR old.created_at IS NOT new.created_at OR old.source IS NOT new.source)
    BEGIN
        UPDATE lead_hours SET n = n - 1
        WHERE workspace_id = old.workspace_id AND kind = 'unanswered' AND old.first_answered_at IS NULL
          AND hour = substr(coalesce(old.arrived_at, old.created_at), 1, 13) AND source = old.source;
        INSERT INTO lead_hours (workspace_id, kind, hour, source, n)
        SELECT new.workspace_id, 'unanswered', substr(coalesce(new.arrived_at, new.created_at), 1, 13), new.source, 1
        WHERE new.first_answered_at IS NULL
        ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    "#,
    // 25: two orders read straight from an index (issue #19). The lead list's first page by
    // score breaks ties newest first (`id DESC`): with the id in the index the page is its first
    // 50 entries, where SQLite sorted every lead of the top score (15 ms at 1 000 000 leads,
    // 0.3 ms now). The unanswered leads by source first, then arrival: the dashboard reads the
    // first few of each source that comes to the agent and a count between two times seeks each
    // source's range, where walking arrival order skipped every lead of the other sources.
    r#"
    DROP INDEX leads_ws_score;
    CREATE INDEX leads_ws_score ON leads(workspace_id, score DESC, id DESC);
    DROP INDEX leads_ws_unanswered;
    CREATE INDEX leads_ws_unanswered ON leads(workspace_id, source, coalesce(arrived_at, created_at)) WHERE first_answered_at IS NULL;
    "#,
    // 26: search walks the lead list's own order (issue #19). A search read every match from
    // `leads_ws_search` (score, then the search text) to count them all and sort them by
    // score: linear in the book, 130–180 ms a keystroke at 1 000 000 leads. With the search
    // text in the score index, a search reads the list's order, covered, and stops a page's
    // end plus `leads::SEARCH_COUNT_AHEAD` matches on; one index less to keep and to rebuild
    // after an import.
    r#"
    DROP INDEX leads_ws_search;
    DROP INDEX leads_ws_score;
    CREATE INDEX leads_ws_score ON leads(workspace_id, score DESC, id DESC, search);
    "#,
];

/// SQLite's page cache per connection unless told otherwise: room for a bulk import's b-trees.
pub const DEFAULT_CACHE_KIB: u32 = 64 * 1024;

/// What the areas above the store add to the schema: data changes a migration needs that SQL
/// alone cannot make, and what a new book starts with. [`crate::workflows::SETUP`] is the one
/// the app uses; the store never calls up into the areas itself.
pub struct Setup {
    /// Runs inside migration `version`'s transaction, after its SQL.
    pub after_migration: fn(&Transaction, usize) -> Result<()>,
    /// Runs after every migration: creates what an empty book must have.
    pub ensure_defaults: fn(&Connection) -> Result<()>,
}

/// Opens (creating if needed, folder included) the database at `path`, owner-readable only,
/// and migrates it.
pub fn open(path: &Path, setup: &Setup) -> Result<Connection> {
    open_in(path, setup, Folder::Create)
}

/// Opens the database at `path`, owner-readable only, and migrates it. A missing or empty file
/// is a new book only when no backup beside it holds leads (else it is damaged, see [`disk`]),
/// and only in a folder that exists unless `folder` is [`Folder::Create`].
pub fn open_in(path: &Path, setup: &Setup, folder: Folder) -> Result<Connection> {
    if disk::inspect(path)? == disk::Found::New {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            match folder {
                Folder::Create => std::fs::create_dir_all(dir)?,
                Folder::MustExist if !dir.is_dir() => {
                    return Err(crate::Error::Usage(format!(
                        "there is no folder {} for the book {}; nothing was created (check the path, or ask for a new book there with --create)",
                        dir.display(),
                        path.display()
                    )))
                }
                Folder::MustExist => {}
            }
        }
        create_private_file(path)?;
    }
    disk::tighten(path)?;
    let opened = (|| -> Result<Connection> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        if disk::damage(path).is_none() {
            migrate(&mut conn, setup)?;
        }
        Ok(conn)
    })();
    opened.map_err(|e| disk::note(Some(path), e))
}

/// An in-memory database with the full schema, for tests and benchmarks.
pub fn open_in_memory(setup: &Setup) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    migrate(&mut conn, setup)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    // journal_mode answers with a row, so it is read rather than executed.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -{DEFAULT_CACHE_KIB};"
    ))?;
    Ok(())
}

fn create_private_file(path: &Path) -> Result<()> {
    match disk::create_private(path) {
        Ok(_) => Ok(()),
        Err(crate::Error::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Applies every migration not yet applied, each in its own transaction, then lets `setup`
/// create what an empty book must have.
pub fn migrate(conn: &mut Connection, setup: &Setup) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len(), setup)?;
    (setup.ensure_defaults)(conn)
}

/// Applies migrations up to `target` (a schema version). Used by tests to build every
/// earlier version.
pub fn migrate_to(conn: &mut Connection, target: usize, setup: &Setup) -> Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(crate::Error::internal(format!(
            "this database was written by a newer Leadbook (schema {current}, this build knows {})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        let now_at: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now_at as usize > i {
            continue;
        }
        tx.execute_batch(sql)?;
        (setup.after_migration)(&tx, i + 1)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema alone, with nothing from the areas above.
    const BARE: Setup = Setup { after_migration: |_, _| Ok(()), ensure_defaults: |_| Ok(()) };

    #[test]
    fn the_database_file_is_readable_by_its_owner_only_and_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("leadbook.db");
        let conn = open(&path, &BARE).unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(migrate(&mut conn, &BARE).is_err());
    }
}
