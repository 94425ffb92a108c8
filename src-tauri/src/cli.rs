//! The command line of SPEC §9: parse, call one core function (mostly a `Book` method), print
//! JSON. Errors go to stderr
//! as `{code, message, field?}`; exit 0 on success, 2 for validation and usage errors, 1 else.

use clap::{Args, Parser, Subcommand};
use leadbook_core::leads::LeadQuery;
use leadbook_core::model::{Channel, Grade, MessageStatus, PropertyStatus, Source, Status};
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::compliance::consent::ConsentSource;
use leadbook_core::compliance::report::LogFilter;
use leadbook_core::leads::validate::{split_list, LeadInput};
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::portals::Portal;
use leadbook_core::messaging::channels::Provider;
use leadbook_core::messaging::portals::{PortalSecrets, PortalSettings};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::messaging::round::{self, Policy};
use leadbook_core::store::Folder;
use leadbook_core::tasks::calls::CallOutcome;
use leadbook_core::tasks::deals::{DealInput, DealKind, DealStage};
use leadbook_core::tasks::viewings::{ViewingFilter, ViewingInput, ViewingStatus};
use leadbook_core::tasks::{TaskFilter, TaskInput, TaskKind};
use leadbook_core::{Book, Clock, Error, FixedClock, Result, SystemClock};
use serde::Serialize;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "leadbook", version, about = "Leadbook: the offline-first CRM for real-estate agents. With no command it opens the app.")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command (and the app) takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The database file (default: leadbook.db in the app's data directory).
    #[arg(long, env = "LEADBOOK_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The workspace to act in.
    #[arg(long, env = "LEADBOOK_WORKSPACE", global = true, value_name = "NAME")]
    pub workspace: Option<String>,
    /// Pretend it is this moment (RFC 3339), for scripts and tests.
    #[arg(long, env = "LEADBOOK_NOW", global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Make a new book at --db even if its folder does not exist yet (without it, only the
    /// default book's folder is made: a mistyped path is an error, not an empty book).
    #[arg(long, global = true)]
    pub create: bool,
}

impl Global {
    /// The book's file: --db (or LEADBOOK_DB), else the default one.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(crate::paths::default_db)
    }

    /// Whether a missing folder for the book at `path` may be made: at the default place
    /// (`default`), or when asked with --create.
    pub fn folder(&self, path: &std::path::Path, default: &std::path::Path) -> Folder {
        if self.create || path == default { Folder::Create } else { Folder::MustExist }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Separate books in one database.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Add, find, show and update leads.
    Lead {
        #[command(subcommand)]
        command: LeadCommand,
    },
    /// Listings, and the buyers they match.
    Property {
        #[command(subcommand)]
        command: PropertyCommand,
    },
    /// Messages waiting to go out, and what happened to those that went.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// The follow-up engine: run one tick, pause or resume a lead, see what is due.
    Followup {
        #[command(subcommand)]
        command: FollowupCommand,
    },
    /// Telegram, WhatsApp and Twilio: tokens and settings (tokens go to the OS keychain).
    Channel {
        #[command(subcommand)]
        command: ChannelCommand,
    },
    /// Property Finder, Bayut and dubizzle lead APIs: keys and settings (keys go to the OS
    /// keychain); `inbox sync` polls the ones set up.
    Portal {
        #[command(subcommand)]
        command: PortalCommand,
    },
    /// The language model that writes each lead's messages (any OpenAI-compatible endpoint).
    Llm {
        #[command(subcommand)]
        command: LlmCommand,
    },
    /// Replies and new contacts from the channels.
    Inbox {
        #[command(subcommand)]
        command: InboxCommand,
    },
    /// Enquiry mail: the senders whose mail becomes leads, the mails that could not be read,
    /// and taking in mail files.
    Email {
        #[command(subcommand)]
        command: EmailCommand,
    },
    /// Campaigns and their steps.
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// Import leads from a CSV or XLSX file (LinkedIn Connections.csv included), in one transaction.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "auto", value_name = "auto|linkedin|csv|xlsx")]
        format: String,
    },
    /// Export the workspace: FILE.xlsx (leads, properties, follow-ups, summary) or FILE.csv (leads).
    Export { file: PathBuf },
    /// Grade, status and source counts, follow-ups due, replies this week.
    Dashboard,
    /// Copy the database to FILE (default: today's backup beside the database; 7 daily, 4
    /// weekly and 6 monthly kept). An existing FILE is replaced only if it is a Leadbook backup.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
    /// The agent's day: calls to make, messages to send by hand, today's viewings, tasks due,
    /// new leads not answered yet, replies waiting.
    Today,
    /// The agent's tasks.
    Task {
        #[command(subcommand)]
        command: TaskCommand,
    },
    /// Calls with leads.
    Call {
        #[command(subcommand)]
        command: CallCommand,
    },
    /// Viewings of listings with leads.
    Viewing {
        #[command(subcommand)]
        command: ViewingCommand,
    },
    /// Deals and their commission.
    Deal {
        #[command(subcommand)]
        command: DealCommand,
    },
    /// The viewings as a calendar file.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Saved lead-list filters (smart lists).
    List {
        #[command(subcommand)]
        command: ListCommand,
    },
    /// Replace the database with a backup (checked first), whatever state the database is in;
    /// the old file is kept as <db>.before-restore-<time>.
    Restore { file: PathBuf },
    /// Compliance evidence: the contact log and its report.
    Compliance {
        #[command(subcommand)]
        command: ComplianceCommand,
    },
    /// The Do Not Call Register: numbers no marketing may reach.
    Dncr {
        #[command(subcommand)]
        command: DncrCommand,
    },
    /// A lead's consent to be written to, per channel.
    Consent {
        #[command(subcommand)]
        command: ConsentCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// Every contact and held message of the days asked, with the checks each passed or the
    /// rule that held it: → {"path":..,"contacts":N,"held":N}.
    Report {
        /// FILE.xlsx or FILE.csv.
        file: PathBuf,
        /// First day (YYYY-MM-DD, the workspace's calendar), inclusive.
        #[arg(long, value_name = "D")]
        from: Option<String>,
        /// Last day, inclusive.
        #[arg(long, value_name = "D")]
        to: Option<String>,
        #[arg(long = "lead", value_name = "ID")]
        lead: Option<i64>,
        /// telegram, whatsapp, sms, email, manual or call.
        #[arg(long, value_name = "C")]
        channel: Option<String>,
        /// A hold reason (dncr, no_consent, no_permit, do_not_market) or a check not kept.
        #[arg(long, value_name = "R")]
        rule: Option<String>,
    },
    /// The contact log as JSON, newest first.
    Log {
        #[arg(long = "lead", value_name = "ID")]
        lead: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum DncrCommand {
    /// Replace the register with FILE (numbers one per line in any spelling, or a sheet with a
    /// Phone/Number column): → {"numbers":N,"leads_affected":N}.
    Import { file: PathBuf },
    /// How many numbers the register holds and how many leads it covers.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a lead's consent on a channel (by default `verbal`: the agent heard it).
    Set {
        lead: i64,
        /// telegram, whatsapp, sms or email.
        channel: String,
        #[arg(long, default_value = "verbal", value_name = "inbound|enquiry|import|verbal")]
        source: String,
    },
    /// Withdraw it.
    Withdraw { lead: i64, channel: String },
    /// The lead's consents, whether its number is on the register, and its held messages.
    Show { lead: i64 },
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// A task: → {"id":..}.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, value_name = "ID")]
        lead: Option<i64>,
        #[arg(long, value_name = "ID")]
        property: Option<i64>,
        #[arg(long, value_name = "RFC3339")]
        due: Option<String>,
        /// call, message, viewing, document or other (the default).
        #[arg(long, value_name = "K")]
        kind: Option<String>,
    },
    /// Tasks, soonest due first.
    List {
        /// Only those not done.
        #[arg(long)]
        open: bool,
        #[arg(long = "due-before", value_name = "RFC3339")]
        due_before: Option<String>,
    },
    Done { id: i64 },
    Snooze {
        id: i64,
        #[arg(long, value_name = "RFC3339")]
        until: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Log a call with lead LEAD: → {"id":..,"lead_id":..,"do_not_market":bool}.
    Log {
        lead: i64,
        /// answered, no_answer, busy, declined or wrong_number.
        #[arg(long, value_name = "O")]
        outcome: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
        duration: Option<i64>,
    },
    /// The lead's calls, newest first.
    List { lead: i64 },
}

#[derive(Debug, Subcommand)]
pub enum ViewingCommand {
    /// Book a viewing: → {"id":..,"confirmation_queued":bool,"reminder_at":RFC3339|null}.
    Add {
        #[arg(long, value_name = "ID")]
        lead: i64,
        #[arg(long, value_name = "ID")]
        property: i64,
        #[arg(long, value_name = "RFC3339")]
        at: String,
        #[arg(long = "duration-min", value_name = "N", allow_negative_numbers = true)]
        duration_min: Option<i64>,
        /// The meeting point.
        #[arg(long, value_name = "T")]
        place: Option<String>,
    },
    /// Viewings starting in FROM…TO, earliest first.
    List {
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        #[arg(long, value_name = "RFC3339")]
        to: Option<String>,
    },
    /// scheduled, done, no_show or cancelled (what was not sent of it then never goes).
    Status { id: i64, status: String },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Write every viewing to FILE.ics (RFC 5545): → {"path":..,"events":N}.
    Export { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum DealCommand {
    /// Open a deal: → {"id":..,"commission":N,"vat":N,"agent_share":N}.
    Add {
        #[arg(long, value_name = "ID")]
        lead: i64,
        #[arg(long, value_name = "ID")]
        property: Option<i64>,
        #[arg(long, value_name = "sale|rent")]
        kind: String,
        /// AED: the price, or the annual rent.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        value: i64,
        #[arg(long, value_name = "S")]
        stage: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        close: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Move a deal to STAGE (won or lost set the lead's status).
    Stage { id: i64, stage: String },
    List {
        #[arg(long, value_name = "S")]
        stage: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Save the lead-list filters under NAME (replacing a list of that name).
    Save {
        name: String,
        #[arg(long)]
        grade: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        search: Option<String>,
        /// Only leads marked do not market (true) or only the others (false).
        #[arg(long = "do-not-market", value_name = "true|false")]
        do_not_market: Option<bool>,
    },
    /// The leads of list NAME, as `lead list` prints them.
    Show {
        name: String,
        #[arg(long)]
        limit: Option<u32>,
    },
    Delete { name: String },
    /// Every list with its count.
    All,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    Add {
        name: String,
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
    },
    List,
    /// Make the sample book (made-up leads and listings to try the app on; it can never send)
    /// and show it in the app: → the workspace.
    Sample {
        /// en, fa or ar: the language of its name.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Remove the sample book and everything in it: → the workspace shown now.
    RemoveSample,
}

#[derive(Debug, Args)]
pub struct LeadArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    whatsapp: Option<String>,
    #[arg(long = "telegram-id", value_name = "ID", allow_negative_numbers = true)]
    telegram_id: Option<i64>,
    #[arg(long = "telegram-username", value_name = "USER")]
    telegram_username: Option<String>,
    #[arg(long, value_name = "URL")]
    linkedin: Option<String>,
    #[arg(long)]
    source: Option<String>,
    #[arg(long = "budget-min", value_name = "N", allow_negative_numbers = true)]
    budget_min: Option<i64>,
    #[arg(long = "budget-max", value_name = "N", allow_negative_numbers = true)]
    budget_max: Option<i64>,
    /// Areas separated by ';'.
    #[arg(long, value_name = "A;B")]
    locations: Option<String>,
    #[arg(long = "type", value_name = "T")]
    property_type: Option<String>,
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    bedrooms: Option<i64>,
    #[arg(long, value_name = "buy|rent")]
    purpose: Option<String>,
    #[arg(long, value_name = "en|fa|ar")]
    language: Option<String>,
    #[arg(long)]
    notes: Option<String>,
    /// Tags separated by ';'.
    #[arg(long, value_name = "A;B")]
    tags: Option<String>,
}

impl LeadArgs {
    fn into_input(self) -> LeadInput {
        LeadInput {
            name: self.name,
            email: self.email,
            phone: self.phone,
            whatsapp: self.whatsapp,
            telegram_id: self.telegram_id,
            telegram_username: self.telegram_username,
            linkedin_url: self.linkedin,
            source: self.source,
            budget_min: self.budget_min,
            budget_max: self.budget_max,
            locations: self.locations.as_deref().map(split_list).unwrap_or_default(),
            property_type: self.property_type,
            bedrooms: self.bedrooms,
            purpose: self.purpose,
            language: self.language,
            notes: self.notes,
            tags: self.tags.as_deref().map(split_list).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum LeadCommand {
    /// Add a lead; one that shares a phone, email, LinkedIn URL or Telegram id merges.
    Add {
        #[command(flatten)]
        args: LeadArgs,
        /// Add it as a new lead even when it shares a key with another (two people on one
        /// phone); the shared keys stay the other lead's.
        #[arg(long)]
        separate: bool,
    },
    List {
        #[arg(long)]
        grade: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    Show { id: i64 },
    Status { id: i64, status: String },
    /// Record a message the lead sent.
    Reply {
        id: i64,
        #[arg(long)]
        text: String,
        #[arg(long)]
        channel: Option<String>,
    },
    /// Replace a lead's fields (all of them: what is not given becomes empty).
    Edit {
        id: i64,
        #[command(flatten)]
        fields: LeadArgs,
    },
    /// Merge lead OTHER into lead KEEP.
    Merge { keep: i64, other: i64 },
    /// Pairs of leads that share no key but may be one person (the same name, phones one digit
    /// apart): → {"total":N,"pairs":[{"reason","first","second"}]}.
    Duplicates {
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Say leads A and B are two people: the pair is not offered as duplicates again.
    NotDuplicate { a: i64, b: i64 },
    /// The lead's Telegram start link (https://t.me/<bot>?start=…): pressing Start links it.
    TelegramLink { id: i64 },
    /// Mark the lead do not market: nothing automatic goes to it.
    DoNotMarket {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Undo do not market by hand, saying why.
    Market {
        id: i64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct PropertyArgs {
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    location: Option<String>,
    #[arg(long, value_name = "AED", allow_negative_numbers = true)]
    price: Option<i64>,
    #[arg(long = "type", value_name = "T")]
    property_type: Option<String>,
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    bedrooms: Option<i64>,
    #[arg(long, value_name = "sale|rent")]
    purpose: Option<String>,
    /// RERA permit number.
    #[arg(long, value_name = "P")]
    permit: Option<String>,
    /// The listing's reference (as on the portals), which enquiries name.
    #[arg(long, value_name = "R")]
    reference: Option<String>,
}

impl PropertyArgs {
    fn into_input(self) -> PropertyInput {
        PropertyInput {
            title: self.title,
            location: self.location,
            price: self.price,
            property_type: self.property_type,
            bedrooms: self.bedrooms,
            purpose: self.purpose,
            permit: self.permit,
            reference: self.reference,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PropertyCommand {
    /// Add a listing and tell every matching buyer at once.
    Add(PropertyArgs),
    List,
    Show { id: i64 },
    /// Every lead the listing matches, ranked by grade then fit.
    Matches { id: i64 },
    /// available, reserved or sold; made available again, it is announced to new matches.
    Status { id: i64, status: String },
    /// Change a listing: only the fields given (a permit added releases its held alerts).
    Update {
        id: i64,
        #[command(flatten)]
        args: PropertyArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Every message, oldest first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long = "lead", value_name = "ID")]
        lead: Option<i64>,
    },
    /// Deliver every due message now through the configured channels.
    Send,
    /// Try a failed or deferred message again now.
    Retry { id: i64 },
    /// Do not send a waiting message.
    Cancel { id: i64 },
    /// A message to send by hand (channel manual) was sent by hand.
    Done { id: i64 },
    /// Decide on a draft held for review: send it (`--approve`, with `--text` to change it) or
    /// not (`--reject`).
    Review {
        id: i64,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long, requires = "approve")]
        text: Option<String>,
    },
    /// Settle a message in state `unknown` (the app died while sending it): it arrived
    /// (`--sent`) or it did not and may go again (`--not-sent`).
    Confirm {
        id: i64,
        #[arg(long, conflicts_with = "not_sent", required_unless_present = "not_sent")]
        sent: bool,
        #[arg(long = "not-sent")]
        not_sent: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowupCommand {
    /// Queue every follow-up step that is due now (what the app does every 60 s).
    Run,
    /// Steps due today and overdue, earliest first.
    Due {
        #[arg(long, default_value_t = 500)]
        limit: usize,
    },
    /// Hold a lead's follow-ups.
    Pause { lead: i64 },
    /// Let a paused lead's follow-ups go on.
    Resume { lead: i64 },
    /// A lead's campaigns and where it stands in them.
    Status { lead: i64 },
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Save a provider's settings and token. Options not given keep their saved values (an
    /// empty one clears it). A token of `-` is read from standard input (so it stays out of the
    /// shell's history); no token keeps the saved one.
    Set {
        #[command(subcommand)]
        provider: ChannelSet,
    },
    /// Each provider's state and settings (never a token).
    List,
    /// Ask the provider who we are (telegram, whatsapp or twilio); email logs in to both its
    /// IMAP and SMTP servers and says which failed.
    Test { provider: String },
    /// Forget a provider's settings and token.
    Remove { provider: String },
    /// Remove the webhook set on the Telegram bot, so Leadbook hears its messages again
    /// (`channel delete-webhook telegram`).
    DeleteWebhook { provider: String },
}

#[derive(Debug, Subcommand)]
pub enum ChannelSet {
    Telegram {
        #[arg(long)]
        token: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
        #[arg(long = "bot-username", value_name = "U")]
        bot_username: Option<String>,
    },
    Whatsapp {
        #[arg(long)]
        token: Option<String>,
        #[arg(long = "phone-number-id", value_name = "ID")]
        phone_number_id: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
        #[arg(long = "api-version", value_name = "vNN.N")]
        api_version: Option<String>,
        /// The approved template sent outside the 24-hour window (its one parameter: the first name).
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
        #[arg(long = "template-language", value_name = "CODE")]
        template_language: Option<String>,
    },
    Twilio {
        #[arg(long = "account-sid", value_name = "SID")]
        account_sid: Option<String>,
        #[arg(long = "auth-token", value_name = "T")]
        auth_token: Option<String>,
        #[arg(long, value_name = "F")]
        from: Option<String>,
        #[arg(long = "whatsapp-from", value_name = "NUMBER")]
        whatsapp_from: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
    },
    /// The agent's mailbox: IMAP to read it, SMTP submission to send from it (SPEC §12).
    /// Security is tls (the default), starttls, or none (only for 127.0.0.1, ::1, localhost).
    Email {
        #[arg(long = "imap-host", value_name = "H")]
        imap_host: Option<String>,
        #[arg(long = "imap-port", value_name = "N")]
        imap_port: Option<u16>,
        #[arg(long = "imap-security", value_name = "tls|starttls|none")]
        imap_security: Option<String>,
        #[arg(long = "smtp-host", value_name = "H")]
        smtp_host: Option<String>,
        #[arg(long = "smtp-port", value_name = "N")]
        smtp_port: Option<u16>,
        #[arg(long = "smtp-security", value_name = "tls|starttls|none")]
        smtp_security: Option<String>,
        #[arg(long, value_name = "U")]
        username: Option<String>,
        /// The password or app password; `-` reads it from standard input.
        #[arg(long, value_name = "P|-")]
        password: Option<String>,
        /// The address mail is sent from.
        #[arg(long, value_name = "ADDRESS")]
        from: Option<String>,
        /// The folder read (INBOX by default).
        #[arg(long, value_name = "F")]
        folder: Option<String>,
    },
}

impl ChannelSet {
    fn split(self) -> (Provider, Settings, Option<String>) {
        match self {
            ChannelSet::Telegram { token, base_url, bot_username } => (Provider::Telegram, Settings { base_url, bot_username, ..Settings::default() }, token),
            ChannelSet::Whatsapp { token, phone_number_id, base_url, api_version, template, template_language } => (
                Provider::Whatsapp,
                Settings { base_url, phone_number_id, api_version, default_template: template, default_template_language: template_language, ..Settings::default() },
                token,
            ),
            ChannelSet::Twilio { account_sid, auth_token, from, whatsapp_from, base_url } => {
                (Provider::Twilio, Settings { base_url, account_sid, from, whatsapp_from, ..Settings::default() }, auth_token)
            }
            ChannelSet::Email { imap_host, imap_port, imap_security, smtp_host, smtp_port, smtp_security, username, password, from, folder } => (
                Provider::Email,
                Settings { imap_host, imap_port, imap_security, smtp_host, smtp_port, smtp_security, username, from, folder, ..Settings::default() },
                password,
            ),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Save a portal's key and settings. A key, secret or token of `-` is read from standard
    /// input; one not given keeps the saved one; --base-url not given keeps the saved address.
    Set {
        #[command(subcommand)]
        portal: PortalSet,
    },
    /// Each portal's state and settings (never a key).
    List,
    /// Ask the portal for leads with the saved key (property_finder, bayut or dubizzle).
    Test { portal: String },
    /// Forget a portal's key, settings and where its polling had reached.
    Remove { portal: String },
}

#[derive(Debug, Subcommand)]
pub enum PortalSet {
    /// Property Finder's Enterprise API (PF Expert → Developer Resources).
    #[command(name = "property_finder", alias = "property-finder")]
    PropertyFinder {
        #[arg(long = "api-key", value_name = "K")]
        api_key: Option<String>,
        #[arg(long = "api-secret", value_name = "S")]
        api_secret: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
    },
    /// Bayut's Profolio leads API.
    Bayut {
        #[arg(long, value_name = "T")]
        token: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
        /// Read only the older api-v7 endpoint.
        #[arg(long)]
        legacy: bool,
    },
    /// dubizzle's Profolio leads API.
    Dubizzle {
        #[arg(long, value_name = "T")]
        token: Option<String>,
        #[arg(long = "base-url", value_name = "URL")]
        base_url: Option<String>,
        #[arg(long)]
        legacy: bool,
    },
}

impl PortalSet {
    fn split(self) -> Result<(Portal, Option<String>, bool, PortalSecrets)> {
        let stdin = |v: Option<String>| -> Result<Option<String>> {
            match v.as_deref() {
                Some("-") => Ok(Some(read_stdin_secret()?)),
                _ => Ok(v),
            }
        };
        Ok(match self {
            PortalSet::PropertyFinder { api_key, api_secret, base_url } => {
                if api_key.as_deref() == Some("-") && api_secret.as_deref() == Some("-") {
                    return Err(Error::validation("api_secret", "only one of --api-key and --api-secret can be read from standard input"));
                }
                let given = PortalSecrets { api_key: stdin(api_key)?, api_secret: stdin(api_secret)?, token: None };
                (Portal::PropertyFinder, base_url, false, given)
            }
            PortalSet::Bayut { token, base_url, legacy } => (Portal::Bayut, base_url, legacy, PortalSecrets { token: stdin(token)?, ..Default::default() }),
            PortalSet::Dubizzle { token, base_url, legacy } => (Portal::Dubizzle, base_url, legacy, PortalSecrets { token: stdin(token)?, ..Default::default() }),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum LlmCommand {
    /// Set the model up: its base URL (http://127.0.0.1:11434 for a local Ollama), its name and
    /// key (`-` reads it from standard input; none keeps the saved one; an empty one removes it).
    Set {
        #[arg(long = "base-url", value_name = "URL")]
        base_url: String,
        #[arg(long, value_name = "M")]
        model: String,
        #[arg(long = "api-key", value_name = "K")]
        api_key: Option<String>,
        /// Seconds the model may take per message before the template goes instead (default 20).
        #[arg(long, value_name = "S")]
        timeout: Option<u64>,
    },
    /// Hold every message the model writes for the agent's review (on, the default) or let them
    /// go (off). A draft adding a link, price or phone number is held either way.
    Review { mode: String },
    /// The model's settings (never its key).
    Show,
}

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Fetch what leads wrote since the last sync and take it in.
    Sync,
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// The senders whose mail is read as enquiries: the portals' own and the lead senders you list.
    Senders {
        #[command(subcommand)]
        command: SendersCommand,
    },
    /// Enquiry mails that could not be read (open ones; --all for every one), with their text.
    Unparsed {
        #[arg(long)]
        all: bool,
    },
    /// Done with an unparsed mail: it leaves the list.
    Dismiss { id: i64 },
    /// Take in mail files (RFC 5322, .eml) as if they had arrived in the mailbox, each once.
    Take {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SendersCommand {
    /// Read mail from ADDRESS, or from any address @DOMAIN, as enquiries (of portal NAME:
    /// property_finder, bayut, dubizzle).
    Add {
        #[arg(value_name = "ADDRESS|@DOMAIN")]
        pattern: String,
        #[arg(long, value_name = "NAME")]
        portal: Option<String>,
    },
    List,
    /// Stop reading a lead sender's mail as enquiries.
    Remove {
        #[arg(value_name = "ADDRESS|@DOMAIN")]
        pattern: String,
    },
}

/// The most a mail file given to `email take` may be (bytes).
const MAX_MAIL_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    List,
    /// A/B figures per variant of every step under test: sent, replied, reply rate and its 95 %
    /// interval, the test against variant A.
    Stats,
    /// End a step's A/B test: VARIANT (A, B, …) becomes the step's only text.
    Promote { campaign: i64, step: i64, variant: String },
    /// Hold the campaign's messages for the agent's review before they go (on|off).
    Review { campaign: i64, mode: String },
}

pub enum Parsed {
    Command(Cli),
    App(Global),
    Exit(i32),
}

pub fn parse(args: Vec<OsString>) -> Parsed {
    match Cli::try_parse_from(args) {
        Ok(Cli { command: None, global }) => Parsed::App(global),
        Ok(cli) => Parsed::Command(cli),
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand { Parsed::Exit(2) } else { Parsed::Exit(0) }
            }
            _ => {
                let message = e.render().to_string();
                let first = message.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ").to_string();
                print_error(&Error::Usage(first));
                Parsed::Exit(2)
            }
        },
    }
}

fn print_error(e: &Error) {
    eprintln!("{}", serde_json::to_string(e).unwrap_or_else(|_| r#"{"code":"internal","message":"error"}"#.into()));
}

/// Runs one command; returns the exit code. A panic becomes an `internal` error, never a trace.
pub fn execute(cli: Cli) -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| run(cli)).unwrap_or_else(|p| {
        let what = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned());
        Err(Error::internal(format!("unexpected failure: {}", what.unwrap_or_default())))
    });
    match outcome {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(e) => {
            print_error(&e);
            if e.is_user_error() { 2 } else { 1 }
        }
    }
}

pub fn clock_from(now: Option<&str>) -> Result<Arc<dyn Clock>> {
    Ok(match now {
        // Within 2000-01-01 … 2200-12-31: a time past 9999 would be written and never read back.
        Some(t) => Arc::new(FixedClock::new(leadbook_core::clock::parse_now(t)?)),
        None => Arc::new(SystemClock),
    })
}

pub fn open_book(global: &Global) -> Result<Book> {
    let clock = clock_from(global.now.as_deref())?;
    let path = global.db_path();
    Book::open_in(&path, clock, global.folder(&path, &crate::paths::default_db()))
}

/// "A" → 0, "b" → 1, …
fn variant_index(text: &str) -> Result<usize> {
    let t = text.trim().to_ascii_uppercase();
    match t.as_bytes() {
        [c @ b'A'..=b'Z'] => Ok((c - b'A') as usize),
        _ => Err(Error::validation("variant", format!("'{text}' is not a variant letter (A, B, …)"))),
    }
}

/// The secret store of the book `global` names.
fn secrets_for(global: &Global) -> Box<dyn leadbook_core::secrets::SecretStore> {
    crate::secrets::for_book(&global.db.clone().unwrap_or_else(crate::paths::default_db))
}

fn http() -> Result<reqwest::Client> {
    leadbook_core::messaging::channels::http_client()
}

/// A runtime for one command's network calls.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Error::internal_from(format!("no async runtime: {e}"), e))
}

fn read_stdin_secret() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

fn out<T: Serialize>(v: T) -> Result<String> {
    serde_json::to_string(&v).map_err(|e| Error::internal_from(e.to_string(), e))
}

fn parse_opt<T>(v: Option<String>, f: fn(&str, &str) -> Result<T>, field: &str) -> Result<Option<T>> {
    v.map(|s| f(field, &s)).transpose()
}

fn run(cli: Cli) -> Result<String> {
    let Some(command) = cli.command else {
        return Err(Error::Usage("no command".into()));
    };
    if let Command::Restore { file } = &command {
        // Before opening the book: a restore works whatever state the live file is in.
        let path = cli.global.db_path();
        let now = clock_from(cli.global.now.as_deref())?.now();
        let folder = cli.global.folder(&path, &crate::paths::default_db());
        let done = leadbook_core::transfer::backup::restore(&path, file, folder, now)?;
        return out(serde_json::json!({"restored": path, "from": file, "before": done.before}));
    }
    let mut book = open_book(&cli.global)?;
    // A read that finds the file corrupt marks the book: no later command writes to it.
    run_on(&mut book, cli.global, command).map_err(|e| book.note(e))
}

fn run_on(book: &mut Book, global: Global, command: Command) -> Result<String> {
    if let Command::Workspace { command } = &command {
        return match command {
            WorkspaceCommand::Add { name, timezone } => out(book.add_workspace(name, timezone.as_deref())?),
            WorkspaceCommand::List => out(book.workspaces()?),
            WorkspaceCommand::Sample { language } => out(book.open_sample(leadbook_core::model::Language::parse("language", language)?)?),
            WorkspaceCommand::RemoveSample => match leadbook_core::sample::find(book.conn())? {
                Some(sample) => out(book.remove_sample(sample.id)?),
                None => Err(Error::not_found(leadbook_core::Entity::Workspace, "'sample book'")),
            },
        };
    }
    let ws = book.workspace(global.workspace.as_deref().unwrap_or(leadbook_core::workspace::DEFAULT))?;
    match command {
        Command::Workspace { .. } | Command::Restore { .. } => Err(Error::Usage("handled above".into())),
        Command::Dashboard => out(book.dashboard(&ws)?),
        Command::Import { file, format } => {
            let never = std::sync::atomic::AtomicBool::new(false);
            out(book.import_file(&ws, &file, &format, None, &mut |_, _| {}, &never)?)
        }
        Command::Export { file } => out(book.export(&ws, &file)?),
        Command::Followup { command } => match command {
            FollowupCommand::Run => out(book.followup_tick(&ws)?),
            FollowupCommand::Due { limit } => out(book.due_queue(&ws, limit)?),
            FollowupCommand::Pause { lead } => out(book.pause_followups(&ws, lead)?),
            FollowupCommand::Resume { lead } => out(book.resume_followups(&ws, lead)?),
            FollowupCommand::Status { lead } => out(book.enrolments(&ws, lead)?),
        },
        Command::Campaign { command } => match command {
            CampaignCommand::List => out(book.campaigns(&ws)?),
            CampaignCommand::Stats => out(book.campaign_stats(&ws)?),
            CampaignCommand::Promote { campaign, step, variant } => {
                let v = variant_index(&variant)?;
                out(book.promote_variant(&ws, campaign, step, v)?)
            }
            CampaignCommand::Review { campaign, mode } => {
                let on = match mode.trim().to_ascii_lowercase().as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err(Error::validation("mode", "review is on or off")),
                };
                out(book.set_campaign_review(&ws, campaign, on)?)
            }
        },
        Command::Property { command } => match command {
            PropertyCommand::Add(args) => {
                let added = book.add_property(&ws, &args.into_input())?;
                out(serde_json::json!({
                    "id": added.id,
                    "matched": added.notified.matched,
                    "queued": added.notified.queued,
                    "unreachable": added.notified.unreachable,
                    "unreachable_leads": added.notified.unreachable_leads,
                }))
            }
            PropertyCommand::List => out(book.properties(&ws)?),
            PropertyCommand::Show { id } => out(book.property(&ws, id)?),
            PropertyCommand::Matches { id } => out(book.property_matches(&ws, id)?),
            PropertyCommand::Status { id, status } => {
                let status = PropertyStatus::parse("status", &status)?;
                out(book.set_property_status(&ws, id, status)?)
            }
            PropertyCommand::Update { id, args } => {
                let p = book.property(&ws, id)?;
                let given = args.into_input();
                let input = PropertyInput {
                    title: given.title.or(Some(p.title)),
                    location: given.location.or(Some(p.location)),
                    price: given.price.or(Some(p.price)),
                    property_type: given.property_type.or(p.property_type.map(|t| t.as_str().to_string())),
                    bedrooms: given.bedrooms.or(p.bedrooms),
                    purpose: given.purpose.or(Some(p.purpose.as_str().to_string())),
                    permit: given.permit.or(p.permit),
                    reference: given.reference.or(p.reference),
                };
                out(book.update_property(&ws, id, &input)?)
            }
        },
        Command::Compliance { command } => match command {
            ComplianceCommand::Report { file, from, to, lead, channel, rule } => {
                let f = LogFilter { from, to, lead_id: lead, channel, rule, outcome: None };
                out(book.compliance_report(&ws, &f, &file)?)
            }
            ComplianceCommand::Log { lead, limit } => {
                let f = LogFilter { lead_id: lead, ..LogFilter::default() };
                out(book.contact_log(&ws, &f, None, limit)?)
            }
        },
        Command::Dncr { command } => match command {
            DncrCommand::Import { file } => {
                let r = book.import_dncr(&ws, &file)?;
                out(serde_json::json!({
                    "numbers": r.numbers, "leads_affected": r.leads_affected, "refused": r.refused_count, "refused_rows": r.refused,
                }))
            }
            DncrCommand::Show => {
                let r = book.dncr_summary(&ws)?;
                out(serde_json::json!({ "numbers": r.numbers, "leads_affected": r.leads_affected }))
            }
        },
        Command::Consent { command } => match command {
            ConsentCommand::Set { lead, channel, source } => {
                let (channel, source) = (Channel::parse("channel", &channel)?, ConsentSource::parse("source", &source)?);
                out(book.set_consent(&ws, lead, channel, source)?)
            }
            ConsentCommand::Withdraw { lead, channel } => out(book.withdraw_consent(&ws, lead, Channel::parse("channel", &channel)?)?),
            ConsentCommand::Show { lead } => out(book.lead_compliance(&ws, lead)?),
        },
        Command::Outbox { command } => match command {
            OutboxCommand::List { status, lead } => {
                let status = parse_opt(status, MessageStatus::parse, "status")?;
                out(book.outbox(&ws, status, lead)?)
            }
            OutboxCommand::Confirm { id, sent, not_sent } => out(book.confirm_message(&ws, id, sent && !not_sent)?),
            OutboxCommand::Send => {
                // The window's delivery round, stopping at the first failure.
                let secrets = secrets_for(&global);
                let (http, mut pacer) = (http()?, Pacer::default());
                let report = runtime()?.block_on(round::run(book.store(), &ws, secrets.as_ref(), &http, &mut pacer, Policy::Strict))?;
                out(serde_json::to_value(report).map_err(|e| Error::internal_from(e.to_string(), e))?)
            }
            OutboxCommand::Review { id, approve, reject, text } => out(book.review_message(&ws, id, approve && !reject, text.as_deref())?),
            OutboxCommand::Retry { id } => out(book.retry_message(&ws, id)?),
            OutboxCommand::Cancel { id } => out(book.cancel_message(&ws, id)?),
            OutboxCommand::Done { id } => out(book.mark_message_done(&ws, id)?),
        },
        Command::Llm { command } => {
            let secrets = secrets_for(&global);
            match command {
                LlmCommand::Set { base_url, model, api_key, timeout } => {
                    let key = match api_key.as_deref() {
                        Some("-") => Some(read_stdin_secret()?),
                        _ => api_key,
                    };
                    out(book.set_llm(secrets.as_ref(), &base_url, &model, key.as_deref(), timeout)?)
                }
                LlmCommand::Review { mode } => {
                    let on = match mode.trim().to_ascii_lowercase().as_str() {
                        "on" => true,
                        "off" => false,
                        _ => return Err(Error::validation("mode", "review is on or off")),
                    };
                    out(book.set_llm_review(on)?)
                }
                LlmCommand::Show => out(book.llm_settings()?),
            }
        }
        Command::Inbox { command: InboxCommand::Sync } => {
            let secrets = secrets_for(&global);
            let ch = book.load_channels(&ws, secrets.as_ref(), &http()?)?;
            let portals = book.load_portals(&ws, secrets.as_ref(), &http()?)?;
            let rt = runtime()?;
            let mut report = rt.block_on(book.sync_inbox(&ws, &ch, std::time::Duration::ZERO))?;
            let polled = rt.block_on(book.poll_portals(&ws, &portals))?;
            report.add_portals(polled);
            if report.received == 0 && report.emails == 0 && report.portal_leads == 0 && !report.errors.is_empty() {
                return Err(Error::offline(report.errors.join("; "), None));
            }
            out(report)
        }
        Command::Portal { command } => {
            let secrets = secrets_for(&global);
            match command {
                PortalCommand::Set { portal } => {
                    let (portal, base_url, legacy, given) = portal.split()?;
                    // --base-url not given keeps the saved one; an empty one clears it.
                    let saved = book.portal_settings(&ws, portal)?.unwrap_or_default();
                    let settings = PortalSettings { base_url: base_url.or(saved.base_url), legacy };
                    out(book.set_portal(&ws, secrets.as_ref(), portal, &settings, &given)?)
                }
                PortalCommand::List => out(book.portals(&ws, secrets.as_ref())?),
                PortalCommand::Test { portal } => {
                    let portal = Portal::parse("portal", &portal)?;
                    let portals = book.load_portals(&ws, secrets.as_ref(), &http()?)?;
                    out(runtime()?.block_on(book.test_portal(&ws, &portals, portal))?)
                }
                PortalCommand::Remove { portal } => {
                    let portal = Portal::parse("portal", &portal)?;
                    out(book.remove_portal(&ws, secrets.as_ref(), portal)?)
                }
            }
        }
        Command::Email { command } => match command {
            EmailCommand::Senders { command: SendersCommand::Add { pattern, portal } } => {
                let portal = parse_opt(portal, leadbook_core::model::Portal::parse, "portal")?;
                out(book.add_email_sender(&ws, &pattern, portal)?)
            }
            EmailCommand::Senders { command: SendersCommand::List } => out(book.email_senders(&ws)?),
            EmailCommand::Senders { command: SendersCommand::Remove { pattern } } => {
                book.remove_email_sender(&ws, &pattern)?;
                out(serde_json::json!({ "removed": pattern.trim().to_lowercase() }))
            }
            EmailCommand::Unparsed { all } => out(book.unparsed_mail(&ws, all)?),
            EmailCommand::Dismiss { id } => out(book.dismiss_unparsed(&ws, id)?),
            EmailCommand::Take { files } => {
                let mut taken = vec![];
                for file in files {
                    let size = std::fs::metadata(&file).map_err(|e| Error::validation("file", format!("cannot read {}: {e}", file.display())))?.len();
                    if size > MAX_MAIL_FILE {
                        return Err(Error::validation("file", format!("{} is larger than 64 MB", file.display())));
                    }
                    let raw = std::fs::read(&file).map_err(|e| Error::validation("file", format!("cannot read {}: {e}", file.display())))?;
                    taken.push(serde_json::json!({ "file": file, "taken": book.take_mail(&ws, &raw)? }));
                }
                out(taken)
            }
        },
        Command::Channel { command } => {
            let secrets = secrets_for(&global);
            match command {
                ChannelCommand::Set { provider } => {
                    let (provider, given, secret) = provider.split();
                    // Options not given keep their saved values; an empty one clears.
                    let settings = book.channel_settings(&ws, provider)?.unwrap_or_default().overlay(&given);
                    let secret = match secret.as_deref() {
                        Some("-") => Some(read_stdin_secret()?),
                        _ => secret,
                    };
                    out(book.set_channel(&ws, secrets.as_ref(), provider, &settings, secret.as_deref())?)
                }
                ChannelCommand::List => out(book.channels(&ws, secrets.as_ref())?),
                ChannelCommand::Test { provider } => {
                    let provider = Provider::parse("provider", &provider)?;
                    let ch = book.load_channels(&ws, secrets.as_ref(), &http()?)?;
                    out(runtime()?.block_on(book.test_channel(&ws, &ch, provider))?)
                }
                ChannelCommand::Remove { provider } => {
                    let provider = Provider::parse("provider", &provider)?;
                    out(book.remove_channel(&ws, secrets.as_ref(), provider)?)
                }
                ChannelCommand::DeleteWebhook { provider } => {
                    let provider = Provider::parse("provider", &provider)?;
                    let ch = book.load_channels(&ws, secrets.as_ref(), &http()?)?;
                    out(runtime()?.block_on(book.delete_webhook(&ws, &ch, provider))?)
                }
            }
        }
        Command::Today => out(book.today(&ws)?),
        Command::Task { command } => match command {
            TaskCommand::Add { title, lead, property, due, kind } => {
                let kind = parse_opt(kind, TaskKind::parse, "kind")?;
                let t = book.add_task(&ws, &TaskInput { title, lead_id: lead, property_id: property, due_at: due, kind, detail: None })?;
                out(serde_json::json!({ "id": t.id }))
            }
            TaskCommand::List { open, due_before } => out(book.tasks(&ws, &TaskFilter { open, due_before, ..Default::default() })?),
            TaskCommand::Done { id } => out(book.task_done(&ws, id)?),
            TaskCommand::Snooze { id, until } => out(book.snooze_task(&ws, id, &until)?),
        },
        Command::Call { command } => match command {
            CallCommand::Log { lead, outcome, notes, duration } => {
                let outcome = CallOutcome::parse("outcome", &outcome)?;
                out(book.log_call(&ws, lead, outcome, notes.as_deref(), duration)?)
            }
            CallCommand::List { lead } => out(book.calls(&ws, lead)?),
        },
        Command::Viewing { command } => match command {
            ViewingCommand::Add { lead, property, at, duration_min, place } => {
                let booked = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: property, at, duration_min, place })?;
                out(serde_json::json!({ "id": booked.id, "confirmation_queued": booked.confirmation_queued, "reminder_at": booked.reminder_at }))
            }
            ViewingCommand::List { from, to } => {
                let time = |f: &str, v: Option<String>| v.map(|s| leadbook_core::tasks::parse_input_time(f, &s)).transpose();
                out(book.viewings(&ws, &ViewingFilter { from: time("from", from)?, to: time("to", to)?, ..Default::default() })?)
            }
            ViewingCommand::Status { id, status } => out(book.set_viewing_status(&ws, id, ViewingStatus::parse("status", &status)?)?),
        },
        Command::Calendar { command: CalendarCommand::Export { file } } => out(book.export_calendar(&ws, &file)?),
        Command::Deal { command } => match command {
            DealCommand::Add { lead, property, kind, value, stage, close, notes } => {
                let input = DealInput {
                    lead_id: lead,
                    property_id: property,
                    kind: DealKind::parse("kind", &kind)?,
                    value,
                    stage: parse_opt(stage, DealStage::parse, "stage")?,
                    expected_close: close,
                    notes,
                };
                let d = book.add_deal(&ws, &input)?;
                out(serde_json::json!({ "id": d.id, "commission": d.commission, "vat": d.vat, "agent_share": d.agent_share }))
            }
            DealCommand::Stage { id, stage } => out(book.set_deal_stage(&ws, id, DealStage::parse("stage", &stage)?)?),
            DealCommand::List { stage } => out(book.deals(&ws, parse_opt(stage, DealStage::parse, "stage")?)?),
        },
        Command::List { command } => match command {
            ListCommand::Save { name, grade, status, source, search, do_not_market } => {
                let q = LeadQuery {
                    grade: parse_opt(grade, Grade::parse, "grade")?,
                    status: parse_opt(status, Status::parse, "status")?,
                    source: parse_opt(source, Source::parse, "source")?,
                    search,
                    do_not_market,
                    ..Default::default()
                };
                out(book.save_list(&ws, &name, &q)?)
            }
            ListCommand::Show { name, limit } => out(book.show_list(&ws, &name, limit)?.rows),
            ListCommand::Delete { name } => {
                book.delete_list(&ws, &name)?;
                out(serde_json::json!({ "deleted": name }))
            }
            ListCommand::All => out(book.lists(&ws)?),
        },
        Command::Backup { to } => match to {
            Some(dest) => {
                book.backup_to(&dest)?;
                out(serde_json::json!({ "path": dest }))
            }
            None => out(serde_json::json!({ "path": book.daily_backup()? })),
        },
        Command::Lead { command } => match command {
            LeadCommand::Add { args, separate: false } => out(book.add_lead(&ws, &args.into_input())?),
            LeadCommand::Add { args, separate: true } => out(book.add_lead_separately(&ws, &args.into_input())?),
            LeadCommand::List { grade, status, source, search, limit } => {
                let q = LeadQuery {
                    grade: parse_opt(grade, Grade::parse, "grade")?,
                    status: parse_opt(status, Status::parse, "status")?,
                    source: parse_opt(source, Source::parse, "source")?,
                    search,
                    limit,
                    ..Default::default()
                };
                out(book.list_leads(&ws, &q)?.rows)
            }
            LeadCommand::Show { id } => out(book.lead_detail(&ws, id)?),
            LeadCommand::Status { id, status } => {
                let status = Status::parse("status", &status)?;
                book.set_status(&ws, id, status)?;
                out(book.lead_detail(&ws, id)?.lead)
            }
            LeadCommand::Reply { id, text, channel } => {
                let channel = parse_opt(channel, Channel::parse, "channel")?;
                book.record_reply(&ws, id, &text, channel)?;
                out(book.lead_detail(&ws, id)?.lead)
            }
            LeadCommand::Edit { id, fields } => out(book.update_lead(&ws, id, &fields.into_input())?),
            LeadCommand::Merge { keep, other } => out(book.merge_leads(&ws, keep, other)?),
            LeadCommand::Duplicates { offset, limit } => out(book.possible_duplicates(&ws, offset, limit)?),
            LeadCommand::NotDuplicate { a, b } => {
                book.dismiss_duplicate(&ws, a, b)?;
                out(serde_json::json!({ "dismissed": [a.min(b), a.max(b)] }))
            }
            LeadCommand::DoNotMarket { id, reason } => out(book.set_do_not_market(&ws, id, true, &reason)?),
            LeadCommand::Market { id, reason } => out(book.set_do_not_market(&ws, id, false, &reason)?),
            LeadCommand::TelegramLink { id } => {
                let (url, token) = book.telegram_link(&ws, id)?;
                out(serde_json::json!({ "url": url, "token": token }))
            }
        },
    }
}
