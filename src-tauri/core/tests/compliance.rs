//! Compliance evidence (SPEC §14) through the real delivery round, against the local Telegram
//! Bot API server: each "may I contact?" check alone, the contact log and its report, the Do
//! Not Call Register, consent, permits — and each kept per workspace.
//!
//! Dubai is UTC+4: the sending window 09:00–18:00 there is 05:00–14:00 UTC.

use leadbook_core::compliance::consent::ConsentSource;
use leadbook_core::compliance::report::LogFilter;
use leadbook_core::compliance::{Check, HoldReason, ContactOutcome, ContactPurpose};
use leadbook_core::enquiries::Enquiry;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::{Pacer, Report};
use leadbook_core::model::{Channel, EnquiryKind, EnquiryVia, MessageStatus, Portal};
use leadbook_core::outbox::Message;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::workspace::{Workspace, WorkspacePatch};
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{TgUser, Telegram};
use std::sync::Arc;

const TOKEN: &str = "7000000002:AAE-compliance";
/// Monday 2 March 2026, 12:00 in Dubai.
const MONDAY_NOON: &str = "2026-03-02T08:00:00Z";

struct World {
    book: Book,
    clock: Arc<FixedClock>,
    ws: Workspace,
    secrets: MemoryStore,
    telegram: Telegram,
    rt: tokio::runtime::Runtime,
}

impl World {
    fn new() -> World {
        let clock = Arc::new(FixedClock::at(MONDAY_NOON));
        let mut book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        let (telegram, secrets) = (Telegram::start(TOKEN), MemoryStore::default());
        let s = Settings { base_url: Some(telegram.base_url()), ..Settings::default() };
        book.set_channel(&ws, &secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { book, clock, ws, secrets, telegram, rt }
    }

    fn buyer(&mut self, telegram_id: i64, phone: Option<&str>) -> i64 {
        let input = LeadInput {
            name: Some(format!("Buyer {telegram_id}")),
            telegram_id: Some(telegram_id),
            phone: phone.map(String::from),
            locations: vec!["JVC".into()],
            ..Default::default()
        };
        self.book.add_lead(&self.ws, &input).unwrap().id
    }

    fn listing(&mut self, permit: Option<&str>) -> i64 {
        let p = PropertyInput {
            title: Some("JVC 1BR".into()),
            location: Some("JVC".into()),
            price: Some(900_000),
            permit: permit.map(String::from),
            ..Default::default()
        };
        self.book.add_property(&self.ws, &p).unwrap().id
    }

    fn deliver(&mut self) -> Report {
        let http = channels::http_client().unwrap();
        let ch = self.book.load_channels(&self.ws, &self.secrets, &http).unwrap();
        let ws = self.ws.clone();
        self.rt.block_on(self.book.deliver(&ws, &ch, &mut Pacer::default())).unwrap()
    }

    fn alerts(&self) -> Vec<Message> {
        self.book.outbox(&self.ws, None, None).unwrap().into_iter().filter(|m| m.kind.as_str() == "property").collect()
    }

    fn log(&self) -> Vec<leadbook_core::compliance::report::ContactEntry> {
        let mut e = self.book.contact_log(&self.ws, &LogFilter::default(), None, 500).unwrap().entries;
        e.reverse();
        e
    }

    fn patch(&mut self, p: WorkspacePatch) {
        self.ws = self.book.update_workspace(self.ws.id, &p).unwrap();
    }
}

#[test]
fn an_alert_that_goes_is_logged_with_every_check_it_passed() {
    let mut w = World::new();
    w.buyer(5001, None);
    w.listing(Some("71234567890"));
    assert_eq!(w.deliver().sent, 1);
    let log = w.log();
    assert_eq!(log.len(), 1);
    let e = &log[0];
    assert_eq!((e.channel.as_str(), e.purpose, e.outcome, e.held_by), ("telegram", ContactPurpose::Marketing, ContactOutcome::Sent, None));
    assert_eq!(e.passed, [Check::OptOut, Check::DoNotMarket, Check::Dncr, Check::Permit, Check::QuietHours, Check::Pacing]);
    assert!(w.telegram.sent()[0].text.contains("JVC 1BR"));
}

#[test]
fn a_listing_without_a_permit_holds_its_alerts_until_the_permit_is_added_then_each_buyer_is_told_once() {
    let mut w = World::new();
    assert!(w.ws.require_permits, "on by default in Dubai");
    w.buyer(5101, None);
    w.buyer(5102, None);
    let p = w.listing(None);
    let r = w.deliver();
    assert_eq!((r.sent, r.held), (0, 2));
    assert!(w.alerts().iter().all(|m| m.status == MessageStatus::Held && m.held_for == Some(HoldReason::NoPermit)));
    assert!(w.telegram.sent().is_empty());
    assert_eq!(w.book.delivery_status(&w.ws).unwrap().held, 2);
    // Another round holds nothing twice and logs nothing new.
    assert_eq!(w.deliver().held, 0);
    assert_eq!(w.log().len(), 2);
    assert!(w.log().iter().all(|e| e.outcome == ContactOutcome::Held && e.held_by == Some(HoldReason::NoPermit)));

    let mut input = PropertyInput { title: Some("JVC 1BR".into()), location: Some("JVC".into()), price: Some(900_000), ..Default::default() };
    input.permit = Some("71234567890".into());
    w.book.update_property(&w.ws, p, &input).unwrap();
    assert!(w.alerts().iter().all(|m| m.status == MessageStatus::Queued), "released by the permit");
    assert_eq!(w.deliver().sent, 2);
    assert_eq!(w.deliver().sent, 0);
    assert_eq!(w.telegram.sent().len(), 2, "each buyer told once");
    assert!(w.telegram.sent().iter().all(|m| m.text.contains("(permit 71234567890)")), "written again with its permit");
    let sent: Vec<_> = w.log().into_iter().filter(|e| e.outcome == ContactOutcome::Sent).collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|e| e.passed.contains(&Check::Permit)));
}

#[test]
fn a_workspace_that_does_not_require_permits_tells_at_once() {
    let mut w = World::new();
    w.patch(WorkspacePatch { require_permits: Some(false), ..Default::default() });
    w.buyer(5201, None);
    w.listing(None);
    assert_eq!(w.deliver().sent, 1);
    assert!(!w.log()[0].passed.contains(&Check::Permit), "not asked, so not claimed");
}

#[test]
fn permits_default_on_only_in_dubai_time() {
    let mut w = World::new();
    let other = w.book.add_workspace("London", Some("Europe/London")).unwrap();
    assert!(!other.require_permits);
    let moved = w.book.update_workspace(other.id, &WorkspacePatch { timezone: Some("Asia/Dubai".into()), ..Default::default() }).unwrap();
    assert!(moved.require_permits, "an unset rule follows the zone");
}

#[test]
fn a_number_on_the_register_holds_marketing_in_any_spelling_and_reimporting_replaces_the_list() {
    let mut w = World::new();
    let listed = w.buyer(5301, Some("+971 50 111 2222"));
    let free = w.buyer(5302, Some("050 333 4444"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dncr.csv");
    // Mixed spellings, a header, a blank and a line that is no number.
    std::fs::write(&file, "Phone Number\n00971501112222\n\n+971-50-999-0000\nnot a number\n(050) 999 0000\n").unwrap();
    let out = w.book.import_dncr(&w.ws, &file).unwrap();
    assert_eq!((out.numbers, out.leads_affected, out.refused_count), (2, 1, 1));
    assert_eq!(out.refused[0].row, 5);
    assert!(w.book.lead_compliance(&w.ws, listed).unwrap().dncr);
    assert!(!w.book.lead_compliance(&w.ws, free).unwrap().dncr);

    w.listing(Some("71234567890"));
    let r = w.deliver();
    assert_eq!((r.sent, r.held), (1, 1));
    let held: Vec<_> = w.alerts().into_iter().filter(|m| m.status == MessageStatus::Held).collect();
    assert_eq!((held.len(), held[0].lead_id, held[0].held_for), (1, listed, Some(HoldReason::Dncr)));
    let e = w.log().into_iter().find(|e| e.outcome == ContactOutcome::Held).unwrap();
    assert_eq!((e.lead_id, e.held_by), (listed, Some(HoldReason::Dncr)));
    assert_eq!(e.passed, [Check::OptOut, Check::DoNotMarket], "the checks before the one that held it");

    // A new list without the number: its alert goes, once.
    std::fs::write(&file, "0509990000\n").unwrap();
    let out = w.book.import_dncr(&w.ws, &file).unwrap();
    assert_eq!((out.numbers, out.leads_affected), (1, 0));
    assert_eq!(w.deliver().sent, 1);
    assert_eq!(w.telegram.sent().len(), 2);
}

#[test]
fn a_register_with_no_number_is_refused_and_changes_nothing() {
    let mut w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dncr.txt");
    std::fs::write(&file, "0501112222\n").unwrap();
    w.book.import_dncr(&w.ws, &file).unwrap();
    std::fs::write(&file, "hello\nworld\n").unwrap();
    let e = w.book.import_dncr(&w.ws, &file).unwrap_err();
    assert_eq!(e.field(), Some("file"));
    assert_eq!(w.book.dncr_summary(&w.ws).unwrap().numbers, 1, "the old list stands");
}

#[test]
fn a_viewing_confirmation_is_transactional_and_goes_to_a_listed_number() {
    let mut w = World::new();
    w.patch(WorkspacePatch { require_permits: Some(false), ..Default::default() });
    let input = LeadInput { name: Some("Viewer".into()), telegram_id: Some(5401), phone: Some("0501112222".into()), ..Default::default() };
    let lead = w.book.add_lead(&w.ws, &input).unwrap().id;
    // No buyer wants it: nothing but the confirmation goes.
    let property = w.listing(None);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dncr.txt");
    std::fs::write(&file, "0501112222\n").unwrap();
    w.book.import_dncr(&w.ws, &file).unwrap();
    let when = w.book.now() + chrono::Duration::days(2);
    let v = leadbook_core::tasks::viewings::ViewingInput {
        lead_id: lead,
        property_id: property,
        at: leadbook_core::clock::fmt_time(when),
        duration_min: None,
        place: None,
    };
    assert!(w.book.book_viewing(&w.ws, &v).unwrap().confirmation_queued);
    let r = w.deliver();
    assert_eq!((r.sent, r.held), (1, 0));
    let e = &w.log()[0];
    assert_eq!((e.purpose, e.outcome), (ContactPurpose::Transactional, ContactOutcome::Sent));
}

#[test]
fn requiring_consent_holds_marketing_without_it_and_consent_by_hand_releases_it() {
    let mut w = World::new();
    w.patch(WorkspacePatch { require_consent: Some(true), ..Default::default() });
    let lead = w.buyer(5501, None);
    w.listing(Some("71234567890"));
    assert_eq!(w.deliver().held, 1);
    assert_eq!(w.alerts()[0].held_for, Some(HoldReason::NoConsent));
    let c = w.book.set_consent(&w.ws, lead, Channel::Telegram, ConsentSource::Verbal).unwrap();
    assert_eq!((c.len(), c[0].source), (1, ConsentSource::Verbal));
    assert_eq!(w.deliver().sent, 1);
    let e = w.log().into_iter().find(|e| e.outcome == ContactOutcome::Sent).unwrap();
    assert!(e.passed.contains(&Check::Consent));
}

#[test]
fn a_lead_who_wrote_first_on_telegram_has_inbound_consent_for_it() {
    let mut w = World::new();
    w.telegram.push_message(TgUser::new(5601, "Sara"), "Hi, I'm looking for a 2BR in JVC");
    let http = channels::http_client().unwrap();
    let ch = w.book.load_channels(&w.ws, &w.secrets, &http).unwrap();
    let ws = w.ws.clone();
    w.rt.block_on(w.book.sync_inbox(&ws, &ch, std::time::Duration::ZERO)).unwrap();
    let lead = w.book.list_leads(&w.ws, &Default::default()).unwrap().rows[0].id;
    let c = w.book.lead_compliance(&w.ws, lead).unwrap().consents;
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].channel, c[0].source), (Channel::Telegram, ConsentSource::Inbound));
}

#[test]
fn a_reply_after_we_wrote_first_is_not_inbound_consent() {
    let mut w = World::new();
    let lead = w.buyer(5651, None);
    w.listing(Some("71234567890"));
    assert_eq!(w.deliver().sent, 1);
    w.book.record_reply(&w.ws, lead, "yes please", Some(Channel::Telegram)).unwrap();
    assert!(w.book.lead_compliance(&w.ws, lead).unwrap().consents.is_empty());
}

#[test]
fn a_portal_enquiry_has_enquiry_consent_for_the_ways_the_enquirer_gave() {
    let mut w = World::new();
    let mut e = Enquiry::new(Some(Portal::PropertyFinder), EnquiryKind::Message, EnquiryVia::Email, w.book.now());
    e.name = Some("Omar".into());
    e.phone = Some("+971507778888".into());
    e.email = Some("omar@example.com".into());
    let taken = w.book.take_enquiry(&w.ws, &e).unwrap();
    let c = w.book.lead_compliance(&w.ws, taken.lead_id).unwrap().consents;
    let got: Vec<(Channel, ConsentSource)> = c.iter().map(|c| (c.channel, c.source)).collect();
    assert_eq!(got, [(Channel::Email, ConsentSource::Enquiry), (Channel::Sms, ConsentSource::Enquiry), (Channel::Whatsapp, ConsentSource::Enquiry)]);
}

#[test]
fn outside_the_window_a_queued_alert_waits_for_the_morning_then_goes() {
    let mut w = World::new();
    w.buyer(5701, None);
    w.listing(Some("71234567890"));
    // Offline until 21:00 in Dubai: back online, it must not go at night.
    w.clock.set(leadbook_core::clock::parse_time("2026-03-02T17:00:00Z").unwrap());
    let r = w.deliver();
    assert_eq!((r.sent, r.waiting), (0, 1));
    let m = &w.alerts()[0];
    assert_eq!((m.status, m.next_attempt_at.as_deref()), (MessageStatus::Queued, Some("2026-03-03T05:00:00Z")));
    assert_eq!(w.deliver().waiting, 0, "not asked again before its time");
    w.clock.set(leadbook_core::clock::parse_time("2026-03-03T05:00:00Z").unwrap());
    assert_eq!(w.deliver().sent, 1);
    assert!(w.log()[0].passed.contains(&Check::QuietHours));
}

#[test]
fn two_alerts_on_one_day_go_a_day_apart() {
    let mut w = World::new();
    w.buyer(5801, None);
    w.listing(Some("71234567890"));
    let second = PropertyInput { title: Some("JVC 2BR".into()), location: Some("JVC".into()), price: Some(1_200_000), permit: Some("7999".into()), ..Default::default() };
    w.book.add_property(&w.ws, &second).unwrap();
    let r = w.deliver();
    assert_eq!((r.sent, r.waiting), (1, 1));
    assert_eq!(w.alerts().iter().filter(|m| m.status == MessageStatus::Queued).count(), 1);
    w.clock.set(leadbook_core::clock::parse_time("2026-03-03T05:00:00Z").unwrap());
    assert_eq!(w.deliver().sent, 1);
    let days: Vec<String> = w.log().iter().map(|e| e.at[..10].to_string()).collect();
    assert_eq!(days, ["2026-03-02", "2026-03-03"]);
}

#[test]
fn a_call_is_logged_with_the_rules_it_kept_and_those_it_did_not() {
    let mut w = World::new();
    let lead = w.buyer(5901, Some("0501112222"));
    w.book.log_call(&w.ws, lead, leadbook_core::tasks::calls::CallOutcome::NoAnswer, None, None).unwrap();
    w.clock.set(leadbook_core::clock::parse_time("2026-03-02T16:00:00Z").unwrap());
    w.book.log_call(&w.ws, lead, leadbook_core::tasks::calls::CallOutcome::Answered, None, Some(60)).unwrap();
    let log = w.log();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].channel.as_str(), log[0].outcome), ("call", ContactOutcome::Call));
    assert!(log[0].broke.is_empty(), "{:?}", log[0].broke);
    assert_eq!(log[1].broke, [Check::QuietHours, Check::Pacing], "20:00 in Dubai, after an unanswered call today");
    let page = w.book.contact_log(&w.ws, &LogFilter { rule: Some("quiet_hours".into()), ..Default::default() }, None, 50).unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn the_report_writes_the_log_of_the_days_asked_to_xlsx_and_csv() {
    let mut w = World::new();
    w.buyer(6001, None);
    w.buyer(6002, None);
    w.listing(None);
    w.deliver();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("report.csv");
    let f = LogFilter { from: Some("2026-03-01".into()), to: Some("2026-03-31".into()), ..Default::default() };
    let out = w.book.compliance_report(&w.ws, &f, &csv).unwrap();
    assert_eq!((out.contacts, out.held), (0, 2));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("Time (Asia/Dubai)") && text.contains("no_permit") && text.contains("the listing has no permit number yet"), "{text}");
    let xlsx = dir.path().join("report.xlsx");
    assert_eq!(w.book.compliance_report(&w.ws, &f, &xlsx).unwrap().held, 2);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let later = LogFilter { from: Some("2026-04-01".into()), ..Default::default() };
    assert_eq!(w.book.compliance_report(&w.ws, &later, &csv).unwrap().held, 0, "outside the days asked");
    let bad = LogFilter { from: Some("2026-04-01".into()), to: Some("2026-03-01".into()), ..Default::default() };
    assert_eq!(w.book.compliance_report(&w.ws, &bad, &csv).unwrap_err().field(), Some("to"));
    assert!(w.book.compliance_report(&w.ws, &f, &dir.path().join("r.pdf")).is_err());
}

#[test]
fn the_log_the_register_and_consent_are_each_workspaces_own() {
    let mut w = World::new();
    let lead = w.buyer(6101, Some("0501112222"));
    w.listing(Some("71234567890"));
    w.deliver();
    w.book.set_consent(&w.ws, lead, Channel::Sms, ConsentSource::Verbal).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dncr.txt");
    std::fs::write(&file, "0501112222\n").unwrap();
    w.book.import_dncr(&w.ws, &file).unwrap();

    let other = w.book.add_workspace("Other", None).unwrap();
    assert_eq!(w.book.contact_log(&other, &LogFilter::default(), None, 50).unwrap().total, 0);
    assert_eq!(w.book.dncr_summary(&other).unwrap().numbers, 0);
    assert_eq!(w.book.lead_compliance(&other, lead).unwrap_err().code(), "not_found");
    assert_eq!(w.book.set_consent(&other, lead, Channel::Sms, ConsentSource::Verbal).unwrap_err().code(), "not_found");
    let same = LeadInput { name: Some("Twin".into()), phone: Some("0501112222".into()), ..Default::default() };
    let twin = w.book.add_lead(&other, &same).unwrap().id;
    let c = w.book.lead_compliance(&other, twin).unwrap();
    assert!(!c.dncr && c.consents.is_empty(), "another workspace's register and consent do not reach it");
    assert_eq!(w.book.contact_log(&w.ws, &LogFilter::default(), None, 50).unwrap().total, 1);
}

#[test]
fn a_merge_keeps_the_other_leads_log_and_consent() {
    let mut w = World::new();
    let a = w.buyer(6201, None);
    let b = w.book.add_lead(&w.ws, &LeadInput { name: Some("Other".into()), email: Some("o@example.com".into()), ..Default::default() }).unwrap().id;
    w.book.set_consent(&w.ws, b, Channel::Email, ConsentSource::Verbal).unwrap();
    w.book.log_call(&w.ws, b, leadbook_core::tasks::calls::CallOutcome::Answered, None, None).unwrap();
    w.book.merge_leads(&w.ws, a, b).unwrap();
    let c = w.book.lead_compliance(&w.ws, a).unwrap();
    assert_eq!(c.consents.iter().map(|c| c.channel).collect::<Vec<_>>(), [Channel::Email]);
    let f = LogFilter { lead_id: Some(a), ..Default::default() };
    assert_eq!(w.book.contact_log(&w.ws, &f, None, 50).unwrap().total, 1);
}

#[test]
fn the_report_workbook_is_in_the_workspaces_language_and_its_csv_keeps_the_codes() {
    use calamine::{open_workbook_auto, Reader};
    let mut w = World::new();
    w.buyer(6101, None);
    w.listing(None);
    w.deliver();
    w.patch(WorkspacePatch { language: Some("fa".into()), ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("report.xlsx");
    let f = LogFilter::default();
    assert_eq!(w.book.compliance_report(&w.ws, &f, &xlsx).unwrap().held, 1);
    let mut book = open_workbook_auto(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["گزارش تماس‌ها"]);
    let sheet = book.worksheet_range("گزارش تماس‌ها").unwrap();
    let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(cells.contains(&"زمان (Asia/Dubai)".to_string()) && cells.contains(&"نتیجه".to_string()), "{cells:?}");
    assert!(cells.contains(&"بدون مجوز".to_string()) && cells.contains(&"آگهی هنوز شمارهٔ مجوز ندارد".to_string()), "{cells:?}");
    assert!(cells.contains(&"نگه داشته شد".to_string()) && cells.contains(&"بازاریابی".to_string()), "{cells:?}");
    for code in ["no_permit", "held", "marketing", "quiet_hours"] {
        assert!(!cells.iter().any(|c| c == code || c.split(", ").any(|p| p == code)), "the code {code} in {cells:?}");
    }
    let csv = dir.path().join("report.csv");
    w.book.compliance_report(&w.ws, &f, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("no_permit") && text.contains("Outcome"), "the CSV is the machine format: {text}");
}
