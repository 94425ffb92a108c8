//! The portals' lead APIs against local servers that speak their documented contracts
//! (tests/servers): Property Finder's token exchange, paging from the last `createdAt` and
//! 429s; Bayut's and dubizzle's Profolio v1 in Dubai time, the older array endpoint and an
//! expired key's login page; settings, secrets and workspaces; and speed to lead.

use chrono::Duration;
use leadbook_core::messaging::channels::portals::Portal;
use leadbook_core::messaging::channels::{self};
use leadbook_core::messaging::portals::{PollReport, PortalSecrets, PortalSettings};
use leadbook_core::secrets::{MemoryStore, SecretStore};
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{Bayut, ByLead, PfLead, PropertyFinder};
use std::sync::Arc;

/// Noon in Dubai, a Monday: inside the sending window.
const NOW: &str = "2026-03-02T08:00:00Z";

struct World {
    book: Book,
    ws: Workspace,
    clock: Arc<FixedClock>,
    secrets: MemoryStore,
}

impl World {
    fn new() -> World {
        let clock = Arc::new(FixedClock::at(NOW));
        let book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        World { book, ws, clock, secrets: MemoryStore::default() }
    }

    fn property_finder(&mut self, server: &PropertyFinder) {
        let s = PortalSettings { base_url: Some(server.base_url()), legacy: false };
        let keys = PortalSecrets { api_key: Some("key-1".into()), api_secret: Some("secret-1".into()), token: None };
        self.book.set_portal(&self.ws, &self.secrets, Portal::PropertyFinder, &s, &keys).unwrap();
    }

    fn profolio(&mut self, portal: Portal, server: &Bayut, legacy: bool) {
        let s = PortalSettings { base_url: Some(server.base_url()), legacy };
        let keys = PortalSecrets { token: Some("tok".into()), ..Default::default() };
        self.book.set_portal(&self.ws, &self.secrets, portal, &s, &keys).unwrap();
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    fn poll_with(&mut self, p: &leadbook_core::messaging::portals::Portals) -> PollReport {
        Self::rt().block_on(self.book.poll_portals(&self.ws, p)).unwrap()
    }

    fn poll(&mut self) -> PollReport {
        let p = self.book.load_portals(&self.ws, &self.secrets, &channels::http_client().unwrap()).unwrap();
        self.poll_with(&p)
    }

    fn test(&mut self, portal: Portal) -> channels::Identity {
        let p = self.book.load_portals(&self.ws, &self.secrets, &channels::http_client().unwrap()).unwrap();
        Self::rt().block_on(self.book.test_portal(&self.ws, &p, portal)).unwrap()
    }

    fn info(&self, portal: Portal) -> leadbook_core::messaging::portals::PortalInfo {
        self.book.portals(&self.ws, &self.secrets).unwrap().into_iter().find(|i| i.portal == portal).unwrap()
    }

    fn leads(&mut self) -> Vec<leadbook_core::leads::Lead> {
        self.book.list_leads(&self.ws, &Default::default()).unwrap().rows
    }
}

fn pf_server() -> PropertyFinder {
    let pf = PropertyFinder::start("key-1", "secret-1");
    pf.set_now(NOW);
    pf
}

fn pf_leads(pf: &PropertyFinder, n: usize) {
    for i in 0..n {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap() + Duration::minutes(i as i64);
        let phone = format!("+9715012{:05}", i);
        pf.add_lead(PfLead::new(&format!("pf-{i}"), &at.to_rfc3339(), &format!("Buyer {i}")).phone(&phone).listing("AP-101"));
    }
}

#[test]
fn property_finder_leads_page_by_page_become_leads_and_the_cursor_follows_the_last_created_at() {
    let pf = pf_server();
    pf_leads(&pf, 120);
    let mut w = World::new();
    w.property_finder(&pf);
    let p = w.book.load_portals(&w.ws, &w.secrets, &channels::http_client().unwrap()).unwrap();
    let r = w.poll_with(&p);
    assert_eq!((r.portal_leads, r.new_leads), (120, 120), "{r:?}");
    assert!(r.errors.is_empty(), "{r:?}");
    let queries = pf.lead_queries();
    assert_eq!(queries.len(), 3, "50 + 50 + 20");
    let q = &queries[0];
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!((get("perPage"), get("orderBy"), get("orderDirection")), (Some("50"), Some("createdAt"), Some("asc")));
    assert_eq!(get("createdAtFrom"), Some("2026-02-23T08:00:00Z"), "a first poll reads the last 7 days");
    assert_eq!(w.info(Portal::PropertyFinder).cursor.as_deref(), Some("2026-03-01T11:59:00Z"));
    assert_eq!(pf.token_requests(), 1, "one token for the whole round");
    // The next round asks from the last lead seen: it comes again, and is not a second lead.
    pf.add_lead(PfLead::new("pf-new", "2026-03-02T07:30:00Z", "Late Buyer").email("late@example.ae").channel("call"));
    let r = w.poll_with(&p);
    assert_eq!((r.portal_leads, r.new_leads), (1, 1), "{r:?}");
    assert_eq!(pf.lead_queries().last().unwrap().iter().find(|(k, _)| k == "createdAtFrom").unwrap().1, "2026-03-01T11:59:00Z");
    assert_eq!(w.leads().len(), 121);
    assert_eq!(pf.token_requests(), 1, "the token is kept until it runs out");
}

#[test]
fn an_expired_token_is_asked_for_again() {
    let pf = pf_server();
    pf_leads(&pf, 2);
    let mut w = World::new();
    w.property_finder(&pf);
    let p = w.book.load_portals(&w.ws, &w.secrets, &channels::http_client().unwrap()).unwrap();
    assert_eq!(w.poll_with(&p).portal_leads, 2);
    pf.expire_tokens();
    pf_leads_at(&pf, "pf-x", "2026-03-02T07:00:00Z");
    let r = w.poll_with(&p);
    assert_eq!((r.portal_leads, r.errors.len()), (1, 0), "{r:?}");
    assert_eq!(pf.token_requests(), 2);
}

fn pf_leads_at(pf: &PropertyFinder, id: &str, at: &str) {
    pf.add_lead(PfLead::new(id, at, "Someone").phone("+971509990000"));
}

#[test]
fn a_429_stops_the_round_with_the_cursor_of_the_pages_taken_and_the_next_round_goes_on() {
    let pf = pf_server();
    pf_leads(&pf, 120);
    pf.limits(60, 1);
    let mut w = World::new();
    w.property_finder(&pf);
    let p = w.book.load_portals(&w.ws, &w.secrets, &channels::http_client().unwrap()).unwrap();
    let r = w.poll_with(&p);
    assert_eq!(r.portal_leads, 50, "{r:?}");
    assert!(r.errors.iter().any(|e| e.contains("limiting")), "{r:?}");
    assert_eq!(w.info(Portal::PropertyFinder).cursor.as_deref(), Some("2026-03-01T10:49:00Z"), "the first page's last lead");
    // Within the back-off nothing is asked.
    let before = pf.requests();
    let r = w.poll_with(&p);
    assert_eq!((r.portal_leads, pf.requests()), (0, before));
    // A fresh start (the back-off over) goes on from the cursor.
    pf.limits(60, 650);
    let r = w.poll();
    assert_eq!(r.portal_leads, 70, "{r:?}");
    assert_eq!(w.leads().len(), 120);
}

#[test]
fn a_refused_key_or_a_missing_scope_needs_attention_in_plain_words() {
    let pf = pf_server();
    pf_leads(&pf, 1);
    pf.scope_leads(false);
    let mut w = World::new();
    w.property_finder(&pf);
    assert_eq!(w.info(Portal::PropertyFinder).state, "untested");
    let id = w.test(Portal::PropertyFinder);
    assert!(!id.ok);
    let info = w.info(Portal::PropertyFinder);
    assert_eq!(info.state, "needs_attention");
    assert!(info.detail.as_deref().unwrap().contains("leads:read"), "{info:?}");
    assert_eq!(w.poll().portal_leads, 0, "a portal that needs the agent is not polled");
    pf.scope_leads(true);
    assert!(w.test(Portal::PropertyFinder).ok);
    assert_eq!(w.info(Portal::PropertyFinder).state, "ok");
    assert_eq!(w.poll().portal_leads, 1);
    pf.set_credentials("key-2", "secret-2");
    let r = w.poll();
    assert!(r.errors[0].contains("did not accept the API key"), "{r:?}");
    assert_eq!(w.info(Portal::PropertyFinder).state, "needs_attention");
}

#[test]
fn bayut_v1_reads_dubai_times_and_pages_past_the_total() {
    let b = Bayut::start("tok");
    for i in 0..150 {
        b.add_lead(ByLead::new(&format!("sms|{i:04}"), &format!("2026-03-01 {:02}:{:02}:00", 8 + i / 60, i % 60), &format!("Omid {i}"))
            .phone(&format!("+9715055{:05}", i)).listing("BY-7"));
    }
    let mut w = World::new();
    w.profolio(Portal::Bayut, &b, false);
    assert!(w.test(Portal::Bayut).ok);
    let r = w.poll();
    assert_eq!((r.portal_leads, r.errors.len()), (150, 0), "{r:?}");
    let q = b.v1_queries();
    assert_eq!(q.len(), 3, "the test's page, then 100 + 50");
    let get = |k: &str| q[1].iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!((get("is_lead"), get("per_page"), get("created_from")), (Some("1".into()), Some("100".into()), Some("2026-02-23".into())));
    assert_eq!(w.info(Portal::Bayut).cursor.as_deref(), Some("2026-03-01 10:29:00"), "Dubai wall-clock time of the last");
    let first = w.leads().into_iter().find(|l| l.name == "Omid 0").unwrap();
    let arrived = leadbook_core::leads::arrived_at(w.book.conn(), &w.ws, first.id).unwrap().unwrap();
    assert_eq!(leadbook_core::clock::fmt_time(arrived), "2026-03-01T04:00:00Z", "08:00 in Dubai");
    assert_eq!(first.source.as_str(), "bayut");
    // The next poll asks from the last lead's Dubai day; everything again is a repeat.
    assert_eq!(w.poll().portal_leads, 0);
    assert_eq!(b.v1_queries().last().unwrap().iter().find(|(k, _)| k == "created_from").unwrap().1, "2026-03-01");
}

#[test]
fn dubizzle_falls_back_to_the_older_endpoint_when_v1_is_gone_and_takes_each_lead_once() {
    let b = Bayut::start("tok");
    b.v1_answers(Some(404));
    b.older_repeats(true);
    b.add_lead(ByLead::new("sms|a", "2026-03-02 09:00:00", "Sara").phone("+971501110000").message("Is it available?"));
    b.add_lead(ByLead::new("sms|b", "2026-03-02 10:00:00", "Reza").email("reza@example.com"));
    let mut w = World::new();
    w.profolio(Portal::Dubizzle, &b, false);
    let r = w.poll();
    assert_eq!((r.portal_leads, r.errors.len()), (2, 0), "{r:?}");
    assert_eq!(b.older_queries().len(), 1);
    assert_eq!(w.info(Portal::Dubizzle).cursor.as_deref(), Some("2026-03-02 10:00:00"));
    let q = &b.older_queries()[0];
    assert!(q.contains(&("is_trulead".into(), "1".into())), "{q:?}");
    // With --legacy, v1 is never asked.
    let b2 = Bayut::start("tok");
    let mut w2 = World::new();
    w2.profolio(Portal::Bayut, &b2, true);
    w2.poll();
    assert_eq!((b2.v1_queries().len(), b2.older_queries().len()), (0, 1));
}

#[test]
fn an_expired_bayut_key_answering_its_login_page_needs_attention_and_makes_no_lead() {
    let b = Bayut::start("tok");
    b.add_lead(ByLead::new("sms|a", "2026-03-02 09:00:00", "Sara").phone("+971501110000"));
    b.expire_key(true);
    let mut w = World::new();
    w.profolio(Portal::Bayut, &b, false);
    let r = w.poll();
    assert_eq!(r.portal_leads, 0);
    assert!(r.errors[0].contains("login page"), "{r:?}");
    assert_eq!(w.info(Portal::Bayut).state, "needs_attention");
    assert!(w.leads().is_empty());
}

#[test]
fn portal_keys_live_in_the_secret_store_only_and_each_workspace_has_its_own_portals() {
    let pf = pf_server();
    let mut w = World::new();
    w.property_finder(&pf);
    let dump: String = w.book.conn().query_row("SELECT group_concat(settings || coalesce(detail, '')) FROM portals", [], |r| r.get(0)).unwrap();
    assert!(!dump.contains("key-1") && !dump.contains("secret-1"), "{dump}");
    let shown = serde_json::to_string(&w.book.portals(&w.ws, &w.secrets).unwrap()).unwrap();
    assert!(!shown.contains("secret-1") && !shown.contains("key-1"), "{shown}");
    // A second save without the secret keeps it; a first save without one is refused.
    let s = PortalSettings { base_url: Some(pf.base_url()), legacy: false };
    w.book.set_portal(&w.ws, &w.secrets, Portal::PropertyFinder, &s, &PortalSecrets::default()).unwrap();
    let err = w.book.set_portal(&w.ws, &w.secrets, Portal::Bayut, &PortalSettings::default(), &PortalSecrets::default()).unwrap_err();
    assert_eq!(err.field(), Some("token"));
    // The saved key is not sent to another host.
    let moved = PortalSettings { base_url: Some("https://example.invalid".into()), legacy: false };
    assert_eq!(w.book.set_portal(&w.ws, &w.secrets, Portal::PropertyFinder, &moved, &PortalSecrets::default()).unwrap_err().field(), Some("api_key"));
    let other = w.book.add_workspace("Abu Dhabi", None).unwrap();
    let theirs = w.book.portals(&other, &w.secrets).unwrap();
    assert!(theirs.iter().all(|i| i.state == "unconfigured"), "{theirs:?}");
    w.book.remove_portal(&other, &w.secrets, Portal::PropertyFinder).unwrap();
    assert_eq!(w.info(Portal::PropertyFinder).state, "untested", "removing it there leaves this one");
    w.book.remove_portal(&w.ws, &w.secrets, Portal::PropertyFinder).unwrap();
    assert_eq!(w.info(Portal::PropertyFinder).state, "unconfigured");
    assert!(w.secrets.get(&format!("{}/{}/portal/property_finder/key", leadbook_core::messaging::channels::config::book_id(w.book.conn()).unwrap(), w.ws.id)).unwrap().is_none());
}

#[test]
fn a_portal_lead_is_answered_at_once_inside_the_sending_window_and_its_speed_to_lead_is_measured() {
    let pf = pf_server();
    pf.add_lead(PfLead::new("pf-1", "2026-03-02T07:50:00Z", "Sara").phone("+971501234567"));
    let mut w = World::new();
    w.property_finder(&pf);
    assert_eq!(w.poll().new_leads, 1);
    let lead = w.leads().pop().unwrap();
    let tick = w.book.followup_tick(&w.ws).unwrap();
    assert_eq!(tick.queued, 1, "the first step goes now, not after its hour: {tick:?}");
    let d = w.book.dashboard(&w.ws).unwrap().speed_to_lead;
    assert_eq!((d.unanswered.len(), d.unanswered[0].id, d.unanswered[0].age_minutes), (1, lead.id, 10), "{d:?}");
    assert_eq!(d.median_minutes, None);
    // The message reaches the lead four minutes later.
    w.clock.advance(Duration::minutes(4));
    w.book.write(|tx, now| leadbook_core::leads::mark_contacted(tx, &w.ws, lead.id, "sms", now).map(|_| ())).unwrap();
    w.clock.advance(Duration::hours(2));
    w.book.write(|tx, now| leadbook_core::leads::mark_contacted(tx, &w.ws, lead.id, "sms", now).map(|_| ())).unwrap();
    let d = w.book.dashboard(&w.ws).unwrap().speed_to_lead;
    assert_eq!((d.median_minutes, d.answered_this_week, d.unanswered_total), (Some(14), 1, 0), "arrival 07:50, first answer 08:04: {d:?}");
}

#[test]
fn outside_the_sending_window_a_portal_leads_first_step_waits_for_the_morning() {
    let pf = pf_server();
    pf.set_now("2026-03-02T18:00:00Z");
    pf.add_lead(PfLead::new("pf-1", "2026-03-02T17:55:00Z", "Night Owl").phone("+971501234567"));
    let mut w = World::new();
    w.clock.set(chrono::DateTime::parse_from_rfc3339("2026-03-02T18:00:00Z").unwrap().with_timezone(&chrono::Utc));
    w.property_finder(&pf);
    assert_eq!(w.poll().new_leads, 1);
    let tick = w.book.followup_tick(&w.ws).unwrap();
    assert_eq!((tick.queued, tick.deferred), (0, 1), "22:00 in Dubai: {tick:?}");
}

#[test]
fn speed_to_lead_median_is_over_this_weeks_answers() {
    let mut w = World::new();
    let mut ids = vec![];
    for (i, minutes) in [2i64, 30, 7].iter().enumerate() {
        let input = leadbook_core::leads::validate::LeadInput { name: Some(format!("L{i}")), phone: Some(format!("+97150100000{i}")), source: Some("portal".into()), ..Default::default() };
        let id = w.book.write(|tx, now| leadbook_core::workflows::add_inbound_lead(tx, &w.ws, &input, now)).unwrap().id;
        let at = w.book.now() + Duration::minutes(*minutes);
        w.book.write(|tx, _| leadbook_core::leads::note_answered(tx, &w.ws, id, at)).unwrap();
        ids.push(id);
    }
    // An imported lead is not a lead who came to us.
    let input = leadbook_core::leads::validate::LeadInput { name: Some("Imported".into()), source: Some("import".into()), ..Default::default() };
    w.book.add_lead(&w.ws, &input).unwrap();
    w.clock.advance(Duration::hours(1));
    let d = w.book.dashboard(&w.ws).unwrap().speed_to_lead;
    assert_eq!((d.median_minutes, d.answered_this_week, d.unanswered_total), (Some(7), 3, 0), "{d:?}");
    // Another workspace's leads are not counted here.
    let other = w.book.add_workspace("Other", None).unwrap();
    assert_eq!(w.book.dashboard(&other).unwrap().speed_to_lead.answered_this_week, 0);
}

#[test]
fn the_same_enquiry_by_api_and_by_email_is_one_lead_either_way_round() {
    let mail = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mail/pf-enquiry.eml")).unwrap();
    for api_first in [true, false] {
        let pf = pf_server();
        pf.add_lead(PfLead::new("pf-77", "2026-03-02T05:15:00Z", "John Smith").phone("+971501234567").email("john.smith@example.com").listing("PH-4521"));
        let mut w = World::new();
        w.property_finder(&pf);
        if api_first {
            assert_eq!(w.poll().new_leads, 1);
            w.book.take_mail(&w.ws, &mail).unwrap();
        } else {
            w.book.take_mail(&w.ws, &mail).unwrap();
            let r = w.poll();
            assert_eq!((r.portal_leads, r.new_leads), (0, 0), "the email's enquiry again: {r:?}");
        }
        let leads = w.leads();
        assert_eq!(leads.len(), 1, "api first: {api_first}");
        assert_eq!(w.book.lead_enquiries(&w.ws, leads[0].id).unwrap().len(), 1, "one enquiry on the lead, api first: {api_first}");
        // Polled again, the portal's lead id is a repeat.
        assert_eq!(w.poll().portal_leads, 0);
    }
}

#[test]
fn a_lead_who_writes_first_on_telegram_is_answered_at_once_and_the_send_records_its_first_answer() {
    use leadbook_core::messaging::channels::config::Settings;
    use leadbook_core::messaging::channels::Provider;
    use leadbook_test_servers::{Telegram, TgUser};
    let server = Telegram::start("7000000001:AAE-test-token");
    let mut w = World::new();
    let s = Settings { base_url: Some(server.base_url()), bot_username: Some("leadbook_test_bot".into()), ..Settings::default() };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some("7000000001:AAE-test-token")).unwrap();
    server.push_message(TgUser::new(555001, "Maryam"), "Hello, do you have a 2 bedroom in JVC?");
    let ch = w.book.load_channels(&w.ws, &w.secrets, &channels::http_client().unwrap()).unwrap();
    let r = World::rt().block_on(w.book.sync_inbox(&w.ws, &ch, std::time::Duration::ZERO)).unwrap();
    assert_eq!(r.new_leads, 1);
    let lead = w.leads().pop().unwrap();
    assert!(w.book.enrolments(&w.ws, lead.id).unwrap().iter().all(|e| e.state == "active"), "her first message is no reply to us");
    assert_eq!(w.book.followup_tick(&w.ws).unwrap().queued, 1, "answered at once, not in an hour");
    w.clock.advance(Duration::minutes(2));
    let mut pacer = leadbook_core::messaging::delivery::Pacer::default();
    let sent = World::rt().block_on(w.book.deliver(&w.ws, &ch, &mut pacer)).unwrap();
    assert_eq!(sent.sent, 1, "{sent:?}");
    assert_eq!(server.sent().len(), 1);
    let answered = leadbook_core::leads::first_answered_at(w.book.conn(), &w.ws, lead.id).unwrap();
    assert_eq!(answered.as_deref(), Some("2026-03-02T08:02:00Z"));
    assert_eq!(w.book.dashboard(&w.ws).unwrap().speed_to_lead.answered_this_week, 1);
}
