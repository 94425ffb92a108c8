//! The UI's wire types: `ui/src/lib/wire.gen.ts` holds the TypeScript declaration (ts-rs) of
//! every Rust type a command takes or returns or an event carries. The test below rebuilds that
//! text from the types and fails when the committed file differs;
//! `UPDATE_WIRE_TYPES=1 cargo test -p leadbook --lib wire_types` rewrites it.

use crate::commands::{channels::TelegramLink, intelligence::LlmInfo, transfer};
use leadbook_core::error::{Code, Wire};
use leadbook_core::followups::{abtest::Comparison, Campaign, DueCursor, DueItem, DuePage, Enrolment, Step, StepStats, TickReport, Variant, VariantStats};
use leadbook_core::leads::{scoring::Factor, timeline::Entry, validate::LeadInput};
use leadbook_core::leads::{AddOutcome, DuplicateMatch, Lead, LeadDetail, LeadPage, LeadQuery, Learned, SortBy};
use leadbook_core::listings::{matching::Criterion, matching::Match, matching::MatchAlert, matching::Notified, properties::Property, properties::PropertyInput};
use leadbook_core::messaging::channels::config::{ChannelInfo, ChannelOverview, SecretStoreInfo, Settings};
use leadbook_core::messaging::channels::{Identity, Provider};
use leadbook_core::leads::replies::ReplyClass;
use leadbook_core::messaging::{delivery, drafting::LlmSettings, inbox::SyncReport};
use leadbook_core::model::{Channel, Grade, Language, ListingPurpose, MessageKind, MessageStatus, PropertyStatus, PropertyType, Purpose, Source, Status};
use leadbook_core::transfer::{export::Exported, import};
use leadbook_core::workspace::{Workspace, WorkspacePatch};
use leadbook_core::{book::PropertyAdded, dashboard::Dashboard, dashboard::SpeedToLead, dashboard::Unanswered, dashboard::Week};
use crate::commands::portals::PortalTested;
use leadbook_core::messaging::portals::{PollReport, PortalInfo, PortalSecrets, PortalSettings};
use ts_rs::{Config, TS};

/// The generated file, from the repository root.
pub const PATH: &str = "ui/src/lib/wire.gen.ts";
/// Set to rewrite the file instead of comparing.
pub const UPDATE: &str = "UPDATE_WIRE_TYPES";
const REGENERATE: &str = "UPDATE_WIRE_TYPES=1 cargo test -p leadbook --lib wire_types";

/// One declaration: its TypeScript name, its text and the names it refers to.
struct Decl {
    name: String,
    text: String,
    uses: Vec<String>,
}

fn decl<T: TS + 'static>(cfg: &Config) -> Decl {
    let mut text = T::docs().unwrap_or_default();
    text.push_str("export ");
    text.push_str(&layout(&T::decl(cfg)));
    Decl { name: T::ident(cfg), text, uses: T::dependencies(cfg).into_iter().map(|d| d.ts_name).collect() }
}

/// ts-rs writes an object type on one line; this puts each field (and its doc) on its own
/// line, so the file reads and diffs field by field. Other declarations stay as they are.
fn layout(decl: &str) -> String {
    let (Some(open), Some(body)) = (decl.find("= { "), decl.strip_suffix("};")) else { return decl.to_string() };
    let body = &body[open + 4..];
    let mut fields = vec![String::new()];
    let (mut depth, mut chars) = (0i32, body.chars().peekable());
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("one field at least");
        field.push(c);
        match c {
            '/' if chars.peek() == Some(&'*') => {
                // A doc comment: copied as it is, whatever brackets or commas it holds.
                while let Some(d) = chars.next() {
                    field.push(d);
                    if d == '*' && chars.peek() == Some(&'/') {
                        field.push('/');
                        chars.next();
                        break;
                    }
                }
            }
            '"' => {
                for d in chars.by_ref() {
                    field.push(d);
                    if d == '"' {
                        break;
                    }
                }
            }
            '{' | '[' | '(' | '<' => depth += 1,
            '}' | ']' | ')' | '>' => depth -= 1,
            ',' if depth == 0 => fields.push(String::new()),
            _ => {}
        }
    }
    let mut out = format!("{}{{\n", &decl[..open + 2]);
    for field in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        for line in field.lines() {
            out.push_str("  ");
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str("};");
    out
}

macro_rules! group {
    ($cfg:expr, $title:literal: $($t:ty),+ $(,)?) => {
        ($title, vec![$(decl::<$t>($cfg)),+])
    };
}

/// Every type that crosses the IPC boundary, by area, in the order the file lists them.
fn groups(cfg: &Config) -> Vec<(&'static str, Vec<Decl>)> {
    vec![
        group!(cfg, "Vocabulary": Source, PropertyType, Purpose, Language, Status, Channel, Grade, ListingPurpose,
            PropertyStatus, MessageKind, MessageStatus, Provider, ReplyClass),
        group!(cfg, "Errors": Code, Wire),
        group!(cfg, "Workspaces": Workspace, WorkspacePatch),
        group!(cfg, "Leads": Lead, LeadDetail, Factor, Entry, leadbook_core::leads::timeline::TimelineCursor,
            leadbook_core::leads::timeline::TimelinePage, Learned, LeadInput, AddOutcome, DuplicateMatch,
            leadbook_core::leads::possible::PossibleDuplicate, leadbook_core::leads::possible::PossibleDuplicates, SortBy,
            LeadQuery, LeadPage),
        group!(cfg, "Dashboard": Dashboard, Week, SpeedToLead, Unanswered),
        group!(cfg, "Listings and matching": Property, PropertyInput, Match, MatchAlert, Criterion, Notified, PropertyAdded),
        group!(cfg, "Outbox": leadbook_core::outbox::Message, leadbook_core::outbox::OutboxFilter, leadbook_core::outbox::OutboxPage, leadbook_core::outbox::OutboxCursor),
        group!(cfg, "Follow-ups": Step, Variant, Campaign, TickReport, DueItem, DueCursor, DuePage, Enrolment, StepStats, VariantStats,
            Comparison),
        group!(cfg, "Channels and delivery": ChannelOverview, SecretStoreInfo, ChannelInfo, Settings, Identity,
            delivery::Status, SyncReport, TelegramLink),
        group!(cfg, "Portals' lead APIs": PortalInfo, PortalSettings, PortalSecrets, PollReport, PortalTested),
        group!(cfg, "The language model": LlmSettings, LlmInfo),
        group!(cfg, "Enquiries": leadbook_core::model::Portal, leadbook_core::model::EnquiryKind, leadbook_core::model::EnquiryVia,
            leadbook_core::enquiries::Recorded, leadbook_core::enquiries::senders::Sender, leadbook_core::enquiries::unparsed::Unparsed),
        group!(cfg, "The agent's day": leadbook_core::today::Today, leadbook_core::today::CallToMake, leadbook_core::today::NewLead,
            leadbook_core::today::ReplyWaiting, leadbook_core::tasks::Task, leadbook_core::tasks::TaskKind, leadbook_core::tasks::TaskInput,
            leadbook_core::tasks::TaskFilter, leadbook_core::tasks::TaskCursor, leadbook_core::tasks::TaskPage, leadbook_core::tasks::calls::Call, leadbook_core::tasks::calls::CallOutcome,
            leadbook_core::workflows::CallLogged, leadbook_core::tasks::viewings::Viewing, leadbook_core::tasks::viewings::ViewingStatus,
            leadbook_core::tasks::viewings::ViewingInput, leadbook_core::workflows::ViewingBooked, leadbook_core::tasks::deals::Deal,
            leadbook_core::tasks::deals::DealKind, leadbook_core::tasks::deals::DealStage, leadbook_core::tasks::deals::DealInput,
            leadbook_core::tasks::deals::Pipeline, leadbook_core::tasks::deals::StageFigures, leadbook_core::leads::lists::SmartList,
            leadbook_core::transfer::calendar::Exported),
        group!(cfg, "Compliance evidence": leadbook_core::compliance::Check, leadbook_core::compliance::HoldReason,
            leadbook_core::compliance::ContactPurpose, leadbook_core::compliance::ContactOutcome, leadbook_core::compliance::LeadCompliance,
            leadbook_core::compliance::HeldCount, leadbook_core::compliance::consent::Consent, leadbook_core::compliance::consent::ConsentSource,
            leadbook_core::compliance::dncr::Imported, leadbook_core::compliance::dncr::Refused, leadbook_core::compliance::report::ContactEntry,
            leadbook_core::compliance::report::LogFilter, leadbook_core::compliance::report::ContactPage, leadbook_core::transfer::compliance::Written),
        group!(cfg, "Import and export": transfer::Preview, import::Field, transfer::Progress, import::Report,
            import::Rejected, Exported),
    ]
}

/// The text of the generated file.
pub fn render() -> String {
    // serde_json writes an i64 as a JSON number, and every one of ours fits a double.
    let cfg = Config::new().with_large_int("number");
    let groups = groups(&cfg);
    let names: Vec<&str> = groups.iter().flat_map(|(_, ds)| ds.iter().map(|d| d.name.as_str())).collect();
    let mut out = format!("// Generated by `{REGENERATE}` from the Rust types (ts-rs). Do not edit.\n");
    for (title, decls) in &groups {
        out.push_str(&format!("\n// ── {title}\n"));
        for d in decls {
            assert_eq!(names.iter().filter(|n| **n == d.name).count(), 1, "two wire types are named {}", d.name);
            for used in &d.uses {
                assert!(names.contains(&used.as_str()), "{} refers to {used}: add it to wire_types::groups", d.name);
            }
            out.push('\n');
            out.push_str(&d.text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_types_match_the_generated_file() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PATH);
        let want = render();
        if std::env::var_os(UPDATE).is_some_and(|v| !v.is_empty()) {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            let line = have.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(have.lines().count().min(want.lines().count()));
            panic!(
                "{PATH} is stale (first difference at line {}): the Rust wire types changed, or the file was edited by hand. Regenerate it with `{REGENERATE}`.",
                line + 1
            );
        }
    }
}
