//! Twilio after the send and Twilio's inbound listing (SPEC §6a, issue #14 item 19), against
//! the Twilio stand-in (tests/servers): each sent message is followed on later delivery rounds
//! to its final status and late failures are recorded and acted on; a busy day's inbound list
//! is read to its oldest message; a number whose poll failed keeps its cursor.

use chrono::Duration;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::messaging::inbox::SyncReport;
use leadbook_core::messaging::receipts;
use leadbook_core::messaging::round::{self, Policy, RoundReport};
use leadbook_core::model::{Channel, MessageStatus};
use leadbook_core::outbox::Message;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{Fate, Twilio};
use std::sync::Arc;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const SECRET: &str = "twilio-secret";
const SMS_FROM: &str = "+97145550000";
const WA_FROM: &str = "whatsapp:+14155238886";

struct World {
    book: Book,
    ws: Workspace,
    clock: Arc<FixedClock>,
    secrets: MemoryStore,
    rt: tokio::runtime::Runtime,
    pacer: Pacer,
}

impl World {
    fn new(twilio: &Twilio) -> World {
        // Inside the quiet-hours window in Dubai.
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let mut book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        let secrets = MemoryStore::default();
        let s = Settings {
            base_url: Some(twilio.base_url()),
            account_sid: Some(SID.into()),
            from: Some(SMS_FROM.into()),
            whatsapp_from: Some("+14155238886".into()),
            ..Settings::default()
        };
        book.set_channel(&ws, &secrets, Provider::Twilio, &s, Some(SECRET)).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { book, ws, clock, secrets, rt, pacer: Pacer::default() }
    }

    fn lead(&mut self, input: LeadInput) -> i64 {
        let input = LeadInput { locations: vec!["JVC".into()], ..input };
        self.book.add_lead(&self.ws, &input).unwrap().id
    }

    /// A listing every lead wants: one alert queued per reachable lead.
    fn announce(&mut self) {
        let p = PropertyInput { title: Some("JVC studio".into()), location: Some("JVC".into()), price: Some(1), permit: Some("71000000009".into()), ..Default::default() };
        self.book.add_property(&self.ws, &p).unwrap();
    }

    /// One delivery round as the window and `outbox send` run it: drafts, delivery, receipts.
    /// The clock then moves on a few minutes.
    fn round(&mut self) -> RoundReport {
        let http = channels::http_client().unwrap();
        let ws = self.ws.clone();
        let r = self.rt.block_on(round::run(self.book.store(), &ws, &self.secrets, &http, &mut self.pacer, Policy::Strict)).unwrap();
        self.clock.advance(Duration::minutes(5));
        r
    }

    fn sync(&mut self) -> SyncReport {
        let http = channels::http_client().unwrap();
        let ch = self.book.load_channels(&self.ws, &self.secrets, &http).unwrap();
        self.rt.block_on(self.book.sync_inbox(&self.ws, &ch, std::time::Duration::ZERO)).unwrap()
    }

    fn messages(&self, lead: i64) -> Vec<Message> {
        self.book.outbox(&self.ws, None, Some(lead)).unwrap()
    }

    fn sid_of(&self, lead: i64) -> String {
        let id = self.messages(lead)[0].id;
        self.book.conn().query_row("SELECT provider_message_id FROM outbox WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    }

    fn cursor(&self) -> Option<String> {
        self.book.conn().query_row("SELECT cursor FROM channels WHERE provider = 'twilio'", [], |r| r.get(0)).unwrap()
    }

    fn seen(&self, sid: &str) -> bool {
        self.book.conn().query_row("SELECT count(*) FROM inbound_seen WHERE external_id = ?1", [sid], |r| r.get::<_, i64>(0)).unwrap() == 1
    }
}

fn sms_lead(name: &str, phone: &str) -> LeadInput {
    LeadInput { name: Some(name.into()), phone: Some(phone.into()), ..Default::default() }
}

#[test]
fn a_sent_sms_is_followed_on_later_rounds_to_delivered_and_then_no_longer_asked() {
    let twilio = Twilio::start(SID, SECRET);
    let mut w = World::new(&twilio);
    let id = w.lead(sms_lead("Dana", "0501230001"));
    w.announce();

    let first = w.round();
    assert_eq!(first.delivered.sent, 1);
    let sid = w.sid_of(id);
    // Asked at once: Twilio has only just moved it to `sent`; it stays sent with us.
    assert_eq!((first.receipts.checked, twilio.status_of(&sid).as_deref()), (1, Some("sent")));
    assert_eq!(w.messages(id)[0].status, MessageStatus::Sent);

    let second = w.round();
    assert_eq!((second.receipts.checked, second.receipts.delivered), (1, 1), "{:?}", second.receipts);
    let m = &w.messages(id)[0];
    assert_eq!((m.status, m.error.as_deref()), (MessageStatus::Delivered, None));
    assert!(second.changed_outbox(), "the window refreshes its outbox");

    // A final status is never asked about again, and nothing was sent twice.
    let third = w.round();
    assert_eq!(third.receipts.checked, 0);
    assert_eq!(twilio.fetches(&sid), 2);
    assert_eq!(twilio.sent().len(), 1);
}

#[test]
fn a_message_is_asked_about_at_most_once_a_minute_and_not_after_48_hours() {
    let twilio = Twilio::start(SID, SECRET);
    let mut w = World::new(&twilio);
    let id = w.lead(sms_lead("Eli", "0501230002"));
    w.announce();
    w.round();
    let sid = w.sid_of(id);
    assert_eq!(twilio.fetches(&sid), 1);
    // Asked again within the minute: not asked.
    let http = channels::http_client().unwrap();
    let ch = w.book.load_channels(&w.ws, &w.secrets, &http).unwrap();
    let ws = w.ws.clone();
    w.clock.advance(Duration::minutes(-5) + Duration::seconds(30));
    let r = w.rt.block_on(receipts::follow(w.book.store(), &ws, &ch)).unwrap();
    assert_eq!((r.checked, twilio.fetches(&sid)), (0, 1));
    // Two days on, still only `sent`: no longer followed; it stays `sent`.
    w.clock.advance(receipts::FOLLOW_FOR + Duration::minutes(1));
    let r = w.rt.block_on(receipts::follow(w.book.store(), &ws, &ch)).unwrap();
    assert_eq!((r.checked, twilio.fetches(&sid)), (0, 1));
    assert_eq!(w.messages(id)[0].status, MessageStatus::Sent);
}

#[test]
fn a_late_30005_fails_the_message_with_its_code_and_makes_sms_unusable_for_the_lead() {
    let twilio = Twilio::start(SID, SECRET);
    twilio.fate("+971501230003", Fate::Undelivered(30005));
    let mut w = World::new(&twilio);
    let id = w.lead(sms_lead("Farid", "0501230003"));
    w.announce();
    w.round();
    assert_eq!(w.messages(id)[0].status, MessageStatus::Sent);
    let r = w.round();
    assert_eq!(r.receipts.failed, 1);
    let m = &w.messages(id)[0];
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().unwrap_or("").contains("30005"), "{:?}", m.error);
    assert_eq!(w.book.lead(&w.ws, id).unwrap().unusable_channels, vec![Channel::Sms]);
    // Never resent by itself.
    w.round();
    assert_eq!(twilio.sent().len(), 1);
    assert_eq!(w.book.delivery_status(&w.ws).unwrap().failed, 1);
}

#[test]
fn a_late_21610_fails_the_message_and_opts_the_lead_out_of_sms() {
    let twilio = Twilio::start(SID, SECRET);
    twilio.fate("+971501230004", Fate::Failed(21610));
    let mut w = World::new(&twilio);
    let id = w.lead(sms_lead("Gita", "0501230004"));
    w.announce();
    w.round();
    w.round();
    let m = &w.messages(id)[0];
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().unwrap_or("").contains("21610"), "{:?}", m.error);
    let lead = w.book.lead(&w.ws, id).unwrap();
    assert_eq!(lead.opt_outs, vec![Channel::Sms]);
    assert!(lead.unusable_channels.is_empty());
    assert_eq!(twilio.sent().len(), 1);
}

#[test]
fn a_late_63016_fails_the_whatsapp_message_and_closes_the_leads_window() {
    let twilio = Twilio::start(SID, SECRET);
    twilio.fate("+971501230005", Fate::Undelivered(63016));
    let mut w = World::new(&twilio);
    let id = w.lead(LeadInput { name: Some("Hana".into()), whatsapp: Some("0501230005".into()), ..Default::default() });
    // The lead wrote to our WhatsApp sender: the window is open, free text goes through Twilio.
    twilio.push_inbound("whatsapp:+971501230005", WA_FROM, "Anything in JVC?");
    w.sync();
    let window = |w: &World| -> Option<String> {
        w.book.conn().query_row("SELECT whatsapp_inbound_at FROM leads WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert!(window(&w).is_some());
    w.announce();
    w.round();
    assert_eq!(twilio.sent()[0].to, "whatsapp:+971501230005");
    let r = w.round();
    assert_eq!(r.receipts.failed, 1);
    let m = &w.messages(id)[0];
    assert_eq!((m.status, m.channel.as_deref()), (MessageStatus::Failed, Some("whatsapp")));
    assert!(m.error.as_deref().unwrap_or("").contains("63016"), "{:?}", m.error);
    assert_eq!(window(&w), None, "the window is closed");
    assert!(w.book.lead(&w.ws, id).unwrap().opt_outs.is_empty());
    assert_eq!(twilio.sent().len(), 1);
}

#[test]
fn a_busy_day_of_more_pages_than_the_old_cap_is_all_taken_in_oldest_included() {
    let twilio = Twilio::start(SID, SECRET);
    let mut w = World::new(&twilio);
    w.lead(sms_lead("Iman", "0501230006"));
    // 2 150 messages on the clock's day: 22 pages of 100, more than the 20 pages once read.
    let day = 1_772_409_600; // 2026-03-02T00:00:00Z
    let oldest = twilio.push_inbound_at("+971501230006", SMS_FROM, "the oldest", day + 1);
    for i in 0..2_149 {
        twilio.push_inbound_at("+971501230006", SMS_FROM, &format!("message {i}"), day + 2 + i);
    }
    let r = w.sync();
    assert_eq!(r.received, 2_150, "{:?}", r.errors);
    assert!(w.seen(&oldest), "the oldest message of the day is taken in");
    // Read again from the same day: nothing twice.
    assert_eq!(w.sync().received, 0);
}

#[test]
fn a_failed_poll_of_one_number_leaves_its_cursor_and_the_next_sync_takes_in_what_it_missed() {
    let twilio = Twilio::start(SID, SECRET);
    let mut w = World::new(&twilio);
    w.lead(sms_lead("Jamal", "0501230007"));
    w.lead(LeadInput { name: Some("Kian".into()), whatsapp: Some("0501230008".into()), ..Default::default() });
    let day = 1_772_409_600; // 2026-03-02T00:00:00Z, the clock's day
    // Late yesterday a lead wrote on WhatsApp; this morning another by SMS. The WhatsApp
    // sender's poll fails.
    let missed = twilio.push_inbound_at("whatsapp:+971501230008", WA_FROM, "late last night", day - 1_800);
    twilio.push_inbound_at("+971501230007", SMS_FROM, "sms this morning", day + 60);
    twilio.list_fails(WA_FROM);
    let r = w.sync();
    assert_eq!((r.received, r.errors.len()), (1, 1), "{:?}", r.errors);
    let cursor = w.cursor().unwrap();
    assert!(cursor.contains(r#""+97145550000":"2026-03-02""#), "the SMS number moved on: {cursor}");
    assert!(cursor.contains(r#""whatsapp:+14155238886":"2026-03-01""#), "the WhatsApp sender did not: {cursor}");
    assert!(!w.seen(&missed));

    // The next sync asks the WhatsApp sender from its own day, and the SMS number nothing twice.
    twilio.list_works(WA_FROM);
    let r = w.sync();
    assert_eq!(r.received, 1, "{:?}", r.errors);
    assert!(w.seen(&missed));
}

#[test]
fn the_older_single_day_cursor_still_reads_for_every_number() {
    let twilio = Twilio::start(SID, SECRET);
    let mut w = World::new(&twilio);
    w.lead(sms_lead("Lina", "0501230009"));
    let day = 1_772_409_600;
    // A cursor as Leadbook wrote it before each number had its own: three days back.
    w.book.conn().execute("UPDATE channels SET cursor = '2026-02-27' WHERE provider = 'twilio'", []).unwrap();
    let old = twilio.push_inbound_at("+971501230009", SMS_FROM, "from friday", day - 2 * 86_400);
    assert_eq!(w.sync().received, 1);
    assert!(w.seen(&old));
}
