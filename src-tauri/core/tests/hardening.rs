//! Issue #14's links, secrets, the model and bounds: a Telegram start link links once and
//! never merges, a provider's secret never follows a new host, the model's drafts are
//! reviewed, and numbers and dates at the edge are refused instead of overflowing.

use chrono::Duration;
use leadbook_core::followups::{Step, MAX_OFFSET_MINUTES};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::messaging::drafting;
use leadbook_core::model::MessageStatus;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::workspace::Workspace;
use leadbook_core::{tasks, Book, FixedClock};
use leadbook_test_servers::{OpenAi, Telegram, TgUser, Twilio, WhatsApp};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const TOKEN: &str = "7000000001:AAE-hardening";
const SID: &str = "AC0123456789abcdef0123456789abcdef";

struct World {
    book: Book,
    ws: Workspace,
    clock: Arc<FixedClock>,
    secrets: MemoryStore,
    rt: tokio::runtime::Runtime,
}

impl World {
    fn new() -> World {
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { book, ws, clock, secrets: MemoryStore::default(), rt }
    }

    fn telegram(&mut self, server: &Telegram) {
        let s = Settings { base_url: Some(server.base_url()), bot_username: Some("leadbook_test_bot".into()), ..Settings::default() };
        self.book.set_channel(&self.ws, &self.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
    }

    fn lead(&mut self, input: LeadInput) -> i64 {
        self.book.add_lead(&self.ws, &input).unwrap().id
    }

    fn sync(&mut self) -> leadbook_core::messaging::inbox::SyncReport {
        let ch = self.book.load_channels(&self.ws, &self.secrets, &channels::http_client().unwrap()).unwrap();
        let ws = self.ws.clone();
        self.rt.block_on(self.book.sync_inbox(&ws, &ch, std::time::Duration::ZERO)).unwrap()
    }

    fn tasks(&self) -> Vec<tasks::Task> {
        tasks::open(self.book.conn(), &self.ws).unwrap()
    }

    fn lead_count(&mut self) -> usize {
        self.book.list_leads(&self.ws, &Default::default()).unwrap().rows.len()
    }

    fn lead_with_telegram(&mut self, tg: i64) -> Option<leadbook_core::leads::Lead> {
        self.book.list_leads(&self.ws, &Default::default()).unwrap().rows.into_iter().find(|l| l.telegram_id == Some(tg))
    }

    /// The replies on lead `id`'s timeline (without the channel the timeline adds).
    fn replies(&mut self, id: i64) -> Vec<String> {
        let detail = self.book.lead_detail(&self.ws, id).unwrap();
        detail.timeline.into_iter().filter(|e| e.kind == "replied").map(|e| e.detail.trim_end_matches(" via telegram").to_string()).collect()
    }
}

fn user(id: i64, name: &str, username: &str) -> TgUser {
    let mut u = TgUser::new(id, name);
    u.username = Some(username.into());
    u
}

// --- 11. Telegram start links ---

#[test]
fn a_forwarded_start_link_links_only_its_first_user_and_the_second_becomes_a_task() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let aisha = w.lead(LeadInput { name: Some("Aisha Khan".into()), email: Some("aisha@example.com".into()), ..Default::default() });
    let (_, token) = w.book.telegram_link(&w.ws, aisha).unwrap();
    server.push_message(user(111, "Aisha", "aisha_k"), &format!("/start {token}"));
    assert_eq!(w.sync().linked, 1);
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, Some(111));
    // She presses it again (Telegram sends /start each time): still hers, nothing for the agent.
    server.push_message(user(111, "Aisha", "aisha_k"), &format!("/start {token}"));
    w.sync();
    assert!(w.tasks().is_empty());

    // The link was forwarded: someone else presses it.
    server.push_message(user(222, "Stranger", "someone_else"), &format!("/start {token}"));
    let report = w.sync();
    assert_eq!((report.linked, report.new_leads), (0, 1), "{report:?}");
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, Some(111), "never re-linked");
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!((tasks[0].origin.as_str(), tasks[0].lead_id), (tasks::TELEGRAM_LINK, Some(aisha)));
    assert!(tasks[0].detail.contains("@someone_else (222)") && tasks[0].detail.contains("used already"), "{}", tasks[0].detail);
    // What they wrote is on their own, new lead.
    let stranger = w.lead_with_telegram(222).expect("a lead of their own");
    assert_eq!(w.replies(stranger.id), [format!("/start {token}")]);
    // And the lead's page says it too.
    assert!(w.book.lead_detail(&w.ws, aisha).unwrap().timeline.iter().any(|e| e.kind == "task" && e.detail.contains("222")));
}

#[test]
fn a_start_link_pressed_by_another_leads_account_never_merges_the_two() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let aisha = w.lead(LeadInput { name: Some("Aisha Khan".into()), email: Some("aisha@example.com".into()), ..Default::default() });
    let bob = w.lead(LeadInput { name: Some("Bob".into()), telegram_id: Some(222), ..Default::default() });
    let (_, token) = w.book.telegram_link(&w.ws, aisha).unwrap();
    server.push_message(user(222, "Bob", "bob_b"), &format!("/start {token}"));
    let report = w.sync();
    assert_eq!((report.linked, report.matched, report.new_leads), (0, 1, 0), "{report:?}");
    assert_eq!(w.lead_count(), 2, "both leads are still there");
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, None);
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().email.as_deref(), Some("aisha@example.com"));
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].detail.contains(&format!("#{aisha}")) && tasks[0].detail.contains(&format!("lead #{bob}")), "{}", tasks[0].detail);
    assert_eq!(w.replies(bob), [format!("/start {token}")], "the message is Bob's");
    // The press spent the link: the next one for Aisha is new.
    assert_ne!(w.book.telegram_link(&w.ws, aisha).unwrap().1, token);
}

#[test]
fn a_lead_linked_to_another_telegram_account_keeps_it() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let aisha = w.lead(LeadInput { name: Some("Aisha Khan".into()), telegram_id: Some(111), ..Default::default() });
    let (_, token) = w.book.telegram_link(&w.ws, aisha).unwrap();
    server.push_message(user(222, "Someone", "someone_else"), &format!("/start {token}"));
    assert_eq!(w.sync().linked, 0);
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, Some(111), "111 → 222 never happens by itself");
    let tasks = w.tasks();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].detail.contains("linked to Telegram 111 already"), "{}", tasks[0].detail);
    assert!(w.lead_with_telegram(222).is_some(), "the sender has a lead of their own");
}

#[test]
fn a_start_link_expires_after_30_days_and_the_lead_then_gets_a_new_one() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let aisha = w.lead(LeadInput { name: Some("Aisha Khan".into()), email: Some("aisha@example.com".into()), ..Default::default() });
    let (_, old) = w.book.telegram_link(&w.ws, aisha).unwrap();
    w.clock.advance(Duration::days(29));
    assert_eq!(w.book.telegram_link(&w.ws, aisha).unwrap().1, old, "the same link within 30 days");
    w.clock.advance(Duration::days(2));
    let (_, fresh) = w.book.telegram_link(&w.ws, aisha).unwrap();
    assert_ne!(fresh, old, "a new link after 30 days");

    // The old one, pressed now (made long ago, whatever the machine's clock says), links nobody.
    w.book.conn().execute("UPDATE telegram_links SET created_at = '2000-01-01T00:00:00Z' WHERE token = ?1", [&old]).unwrap();
    server.push_message(user(111, "Aisha", "aisha_k"), &format!("/start {old}"));
    assert_eq!(w.sync().linked, 0);
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, None);
    assert!(w.tasks()[0].detail.contains("expired"), "{:?}", w.tasks());
    // The fresh one links whoever presses it first.
    server.push_message(user(112, "Aisha", "aisha_k2"), &format!("/start {fresh}"));
    assert_eq!(w.sync().linked, 1);
    assert_eq!(w.book.lead(&w.ws, aisha).unwrap().telegram_id, Some(112));
}

// --- 12. Base URLs and secrets ---

/// A server on 127.0.0.1 that answers every request with `body` (200, JSON) and counts them.
fn canned(body: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 8192];
            let mut head = Vec::new();
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    (url, count)
}

#[test]
fn a_new_host_for_a_provider_needs_its_secret_again() {
    let telegram = Telegram::start(TOKEN);
    let whatsapp = WhatsApp::start("wa-token", "106540352242922");
    let twilio = Twilio::start(SID, "twilio-secret");
    let (elsewhere, hits) = canned(r#"{"ok":true,"result":{"username":"stolen"}}"#);
    let mut w = World::new();
    w.telegram(&telegram);
    let wa = Settings { base_url: Some(whatsapp.base_url()), phone_number_id: Some("106540352242922".into()), ..Settings::default() };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Whatsapp, &wa, Some("wa-token")).unwrap();
    let tw = Settings { base_url: Some(twilio.base_url()), account_sid: Some(SID.into()), from: Some("+97145550000".into()), ..Settings::default() };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Twilio, &tw, Some("twilio-secret")).unwrap();

    for (provider, field) in [(Provider::Telegram, "token"), (Provider::Whatsapp, "token"), (Provider::Twilio, "auth_token")] {
        let stored = w.book.channel_settings(&w.ws, provider).unwrap().unwrap();
        let moved = Settings { base_url: Some(elsewhere.clone()), ..stored.clone() };
        let e = w.book.set_channel(&w.ws, &w.secrets, provider, &moved, None).unwrap_err();
        assert_eq!((e.code(), e.field()), ("validation", Some(field)), "{provider}: {e}");
        assert!(e.to_string().contains(&elsewhere.replace("http://", "")), "{provider}: the message says where to: {e}");
        assert_eq!(w.book.channel_settings(&w.ws, provider).unwrap(), Some(stored.clone()), "{provider}: nothing saved");
        // Back to the provider's own public host is a new host too.
        let default = Settings { base_url: Some(String::new()), ..stored.clone() };
        assert_eq!(w.book.set_channel(&w.ws, &w.secrets, provider, &default, None).unwrap_err().field(), Some(field), "{provider}");
        // The same host, or a new one with its secret, is fine.
        w.book.set_channel(&w.ws, &w.secrets, provider, &stored, None).unwrap();
    }
    // "channel test" still goes to the host the token was given for.
    let ch = w.book.load_channels(&w.ws, &w.secrets, &channels::http_client().unwrap()).unwrap();
    let id = w.rt.block_on(ch.test(Provider::Telegram)).unwrap();
    assert_eq!(id.identity.as_deref(), Some("@leadbook_test_bot"));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the new host never saw a request");
    let moved = Settings { base_url: Some(elsewhere.clone()), ..w.book.channel_settings(&w.ws, Provider::Telegram).unwrap().unwrap() };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &moved, Some("7000000002:AAE-its-own")).unwrap();
}

#[test]
fn a_new_host_for_the_language_model_needs_its_key_again() {
    let model = OpenAi::start(Some("sk-local"));
    let (elsewhere, _) = canned("{}");
    let mut w = World::new();
    w.book.set_llm(&w.secrets, &model.base_url(), "llama3.1", Some("sk-local"), None).unwrap();
    let e = w.book.set_llm(&w.secrets, &elsewhere, "llama3.1", None, None).unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("api_key")), "{e}");
    assert_eq!(w.book.llm_settings().unwrap().unwrap().base_url, model.base_url(), "nothing saved");
    // The same host keeps the key; a new host with its key, or a model without a key, is fine.
    w.book.set_llm(&w.secrets, &format!("{}/", model.base_url()), "llama3.2", None, None).unwrap();
    w.book.set_llm(&w.secrets, &elsewhere, "llama3.1", Some("sk-other"), None).unwrap();
    let mut keyless = World::new();
    keyless.book.set_llm(&keyless.secrets, &model.base_url(), "llama3.1", None, None).unwrap();
    keyless.book.set_llm(&keyless.secrets, &elsewhere, "llama3.1", None, None).unwrap();
}

#[test]
fn plain_http_is_accepted_only_for_this_machine() {
    let mut w = World::new();
    for bad in ["http://api.example.com", "http://10.0.0.5:8081", "http://127.0.0.1.example.com", "http://user@evil.example.com"] {
        let s = Settings { base_url: Some(bad.into()), ..Settings::default() };
        let e = w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap_err();
        assert_eq!(e.field(), Some("base_url"), "{bad}: {e}");
        assert_eq!(w.book.set_llm(&w.secrets, bad, "llama3.1", Some("k"), None).unwrap_err().field(), Some("base_url"), "{bad}");
    }
    for good in ["http://127.0.0.1:8081", "http://127.1.2.3", "http://localhost:11434", "http://[::1]:8081", "https://api.example.com", "HTTPS://Bot.Example.com:8443"] {
        let s = Settings { base_url: Some(good.into()), ..Settings::default() };
        w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap_or_else(|e| panic!("{good}: {e}"));
        w.book.set_llm(&w.secrets, good, "llama3.1", Some("k"), None).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

// --- 13. Review of the model's drafts ---

struct Model {
    w: World,
    telegram: Telegram,
    model: OpenAi,
}

impl Model {
    fn new() -> Model {
        let telegram = Telegram::start(TOKEN);
        let model = OpenAi::start(None);
        let mut w = World::new();
        let s = Settings { base_url: Some(telegram.base_url()), ..Settings::default() };
        w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
        w.book.set_llm(&w.secrets, &model.base_url(), "llama3.1", None, None).unwrap();
        Model { w, telegram, model }
    }

    /// A buyer of JVC and a listing for her: one alert queued.
    fn alert(&mut self, tg: i64) {
        // Each buyer an area of her own: one alert per listing.
        let area = format!("Zone {tg}");
        let input = LeadInput { name: Some("Sara Ahmadi".into()), telegram_id: Some(tg), locations: vec![area.clone()], ..Default::default() };
        self.w.book.add_lead(&self.w.ws, &input).unwrap();
        let p = PropertyInput { title: Some("JVC 1BR".into()), location: Some(area), price: Some(1_200_000), permit: Some("71000000009".into()), ..Default::default() };
        assert_eq!(self.w.book.add_property(&self.w.ws, &p).unwrap().notified.queued, 1);
    }

    fn round(&mut self) -> (drafting::DraftReport, leadbook_core::messaging::delivery::Report) {
        let http = channels::http_client().unwrap();
        let llm = self.w.book.load_llm(&self.w.secrets, &http).unwrap();
        let ch = self.w.book.load_channels(&self.w.ws, &self.w.secrets, &http).unwrap();
        let ws = self.w.ws.clone();
        let drafted = self.w.rt.block_on(self.w.book.draft_messages(&ws, llm.as_ref())).unwrap();
        let sent = self.w.rt.block_on(self.w.book.deliver(&ws, &ch, &mut Pacer::default())).unwrap();
        (drafted, sent)
    }

    fn last(&self) -> leadbook_core::outbox::Message {
        self.w.book.outbox(&self.w.ws, None, None).unwrap().into_iter().max_by_key(|m| m.id).unwrap()
    }
}

#[test]
fn a_model_written_listing_alert_waits_for_review_once_a_model_is_set_up() {
    let mut m = Model::new();
    assert!(m.w.book.llm_settings().unwrap().unwrap().review, "on by default");
    m.alert(4242);
    let (drafted, sent) = m.round();
    assert_eq!((drafted.rewritten, drafted.held_for_review, sent.sent), (1, 1, 0));
    let held = m.last();
    assert_eq!((held.draft.as_deref(), held.review.as_deref(), held.status), (Some("model"), Some("pending"), MessageStatus::Queued));
    assert!(held.draft_note.as_deref().is_some_and(|n| n.contains("review")), "{:?}", held.draft_note);
    assert!(m.telegram.sent().is_empty());
    // The agent turns review off: the model's next alert goes by itself.
    m.w.book.write(|tx, _| drafting::set_review(tx, false)).unwrap();
    m.alert(4343);
    let (drafted, sent) = m.round();
    assert_eq!((drafted.rewritten, drafted.held_for_review, sent.sent), (1, 0, 1));
    // Setting the model up again keeps the agent's choice.
    let url = m.model.base_url();
    assert!(!m.w.book.set_llm(&m.w.secrets, &url, "llama3.2", None, None).unwrap().review);
}

#[test]
fn a_draft_that_invents_a_link_or_a_discount_is_held_whatever_the_setting() {
    let mut m = Model::new();
    m.w.book.write(|tx, _| drafting::set_review(tx, false)).unwrap();
    m.model.answer_with("Sara, JVC 1BR now AED 1,080,000 — 10% off this week only: https://deals.example.com/jvc");
    m.alert(4242);
    let (drafted, sent) = m.round();
    assert_eq!((drafted.held_for_review, sent.sent), (1, 0));
    let held = m.last();
    assert_eq!(held.review.as_deref(), Some("pending"));
    let note = held.draft_note.unwrap_or_default();
    assert!(note.contains("https://deals.example.com/jvc") && note.contains("1,080,000") && note.contains("a price (10)"), "{note}");
    assert!(m.telegram.sent().is_empty());
    // A rewrite that keeps to the template's facts goes.
    m.model.answer_with("Sara, a JVC 1BR in Zone 4343 for AED 1,200,000 just came in — shall I send the details?");
    m.alert(4343);
    assert_eq!(m.round().1.sent, 1);
}

#[test]
fn with_the_models_review_off_a_campaign_in_review_mode_still_holds_its_follow_ups() {
    let mut m = Model::new();
    m.w.book.write(|tx, _| drafting::set_review(tx, false)).unwrap();
    let campaign = m.w.book.campaigns(&m.w.ws).unwrap()[0].id;
    m.w.book.set_campaign_review(&m.w.ws, campaign, true).unwrap();
    m.w.book.add_lead(&m.w.ws, &LeadInput { name: Some("Omid".into()), telegram_id: Some(77), ..Default::default() }).unwrap();
    m.w.clock.advance(Duration::minutes(61));
    assert_eq!(m.w.book.followup_tick(&m.w.ws).unwrap().queued, 1);
    let (drafted, sent) = m.round();
    assert_eq!((drafted.held_for_review, sent.sent), (1, 0));
    assert!(m.last().draft_note.unwrap_or_default().contains("campaign"));
}

// --- 16. Bounds ---

#[test]
fn money_beyond_a_trillion_is_refused_and_matching_never_overflows() {
    let mut w = World::new();
    let huge = PropertyInput { title: Some("Palace".into()), location: Some("JVC".into()), price: Some(i64::MAX), ..Default::default() };
    let e = w.book.add_property(&w.ws, &huge).err().unwrap();
    assert_eq!((e.code(), e.field()), ("validation", Some("price")));
    let e = w.book.add_lead(&w.ws, &LeadInput { name: Some("Rich".into()), budget_max: Some(i64::MAX), ..Default::default() }).unwrap_err();
    assert_eq!(e.field(), Some("budget_max"));
    // At the bound everything still adds up; and a book with budgets from before the bound
    // (written straight to the database here) ranks without overflowing.
    let rich = w.lead(LeadInput {
        name: Some("Rich".into()),
        telegram_id: Some(9),
        locations: vec!["JVC".into()],
        budget_min: Some(900_000_000_000),
        budget_max: Some(1_000_000_000_000),
        ..Default::default()
    });
    let old = w.lead(LeadInput { name: Some("Old".into()), telegram_id: Some(10), locations: vec!["JVC".into()], budget_min: Some(1), ..Default::default() });
    w.book.conn().execute("UPDATE lead_match SET budget_min = ?2, budget_max = ?2 WHERE lead_id = ?1", rusqlite::params![old, i64::MAX - 1]).unwrap();
    let p = PropertyInput { title: Some("Tower".into()), location: Some("JVC".into()), price: Some(1_000_000_000_000), ..Default::default() };
    let added = w.book.add_property(&w.ws, &p).unwrap();
    assert!(added.notified.matched >= 1, "{:?}", added.notified);
    assert!(w.book.property_matches(&w.ws, added.property.id).unwrap().iter().any(|m| m.id == rich));
}

#[test]
fn a_campaign_step_more_than_ten_years_on_is_refused() {
    let mut w = World::new();
    let campaign = w.book.campaigns(&w.ws).unwrap()[0].clone();
    let step = |offset: i64| Step { offset_minutes: offset, ..campaign.steps[0].clone() };
    for offset in [MAX_OFFSET_MINUTES + 1, i64::MAX] {
        let e = w.book.update_campaign_steps(&w.ws, campaign.id, &[step(offset)]).unwrap_err();
        assert_eq!((e.code(), e.field()), ("validation", Some("offset_minutes")), "{offset}");
    }
    w.book.update_campaign_steps(&w.ws, campaign.id, &[step(MAX_OFFSET_MINUTES)]).unwrap();
    // A lead joining now gets a due date ten years on that reads back.
    let id = w.lead(LeadInput { name: Some("Patient".into()), telegram_id: Some(5), ..Default::default() });
    let due = w.book.enrolments(&w.ws, id).unwrap()[0].next_due_at.clone();
    assert!(due.as_deref().is_some_and(|d| d.starts_with("2036-")), "{due:?}");
    w.book.followup_tick(&w.ws).unwrap();
}

#[test]
fn a_telegram_update_id_without_a_successor_is_passed_over() {
    let (url, _) = canned(
        r#"{"ok":true,"result":[
            {"update_id":9223372036854775807,"message":{"message_id":1,"date":1767225600,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"Max"},"text":"hi"}},
            {"update_id":41,"message":{"message_id":2,"date":1767225600,"chat":{"id":6,"type":"private"},"from":{"id":6,"is_bot":false,"first_name":"Real"},"text":"hello"}}
        ]}"#,
    );
    let client = channels::telegram::Telegram::new(channels::http_client().unwrap(), &url, TOKEN);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let updates = rt.block_on(client.updates(None, std::time::Duration::ZERO)).unwrap();
    assert_eq!(updates.next_offset, Some(42), "the offset never jumps past every real update");
    assert_eq!(updates.messages.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["hello"]);
}

#[test]
fn an_inbound_text_loses_its_control_and_bidi_characters_but_keeps_its_lines() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    server.push_message(user(333, "Ali\u{202E}\u{7}", "ali_r"), "Hello\u{7}\r\n\u{202E}I want\tJVC\u{1b}[2J");
    w.sync();
    let ali = w.lead_with_telegram(333).unwrap();
    assert_eq!(ali.name, "Ali");
    assert_eq!(w.replies(ali.id), ["Hello\nI want\tJVC[2J"]);
}

#[test]
fn an_sms_step_over_ten_segments_in_any_language_is_refused_at_save_and_changes_nothing() {
    let mut w = World::new();
    let campaign = w.book.campaigns(&w.ws).unwrap()[0].clone();
    let sms = |en: String, fa: String, ar: String| Step { channel: Some("sms".into()), template_en: en, template_fa: fa, template_ar: ar, ..campaign.steps[0].clone() };
    let ok = || "Hi {first_name}".to_string();
    // 671 Persian/Arabic letters are 11 UCS-2 segments (the templates' 1 000-character cap lets
    // no GSM text reach 11: that takes 1 531 septets).
    for (field, step) in [
        ("template_fa", sms(ok(), "س".repeat(671), ok())),
        ("template_ar", sms(ok(), ok(), "ب".repeat(671))),
        ("template_en", sms(format!("{}😀", "a".repeat(669)), ok(), ok())),
    ] {
        let e = w.book.update_campaign_steps(&w.ws, campaign.id, &[step]).unwrap_err();
        assert_eq!((e.code(), e.field()), ("validation", Some(field)));
        assert!(e.to_string().contains("11 SMS segments"), "{e}");
    }
    assert_eq!(w.book.campaigns(&w.ws).unwrap()[0].steps, campaign.steps, "nothing was saved");
    // Ten segments are fine, and so is a long text on a step that does not go by SMS.
    w.book.update_campaign_steps(&w.ws, campaign.id, &[sms(ok(), "س".repeat(670), ok())]).unwrap();
    let telegram = Step { channel: Some("telegram".into()), template_fa: "س".repeat(671), ..campaign.steps[0].clone() };
    w.book.update_campaign_steps(&w.ws, campaign.id, &[telegram]).unwrap();
}

#[test]
fn a_step_offset_stored_beyond_the_bound_counts_as_ten_years_instead_of_overflowing() {
    let mut book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T09:00:00Z"))).unwrap();
    let ws = book.workspace("Default").unwrap();
    // An older build, or a hand edit, left offsets no save would take.
    book.conn().execute("UPDATE campaign_steps SET offset_minutes = 9223372036854775807 WHERE position >= 1", []).unwrap();
    let lead = book
        .add_lead(&ws, &leadbook_core::leads::validate::LeadInput { name: Some("Far Future".into()), phone: Some("0501234567".into()), ..Default::default() })
        .expect("adding a lead plans its first step without overflowing");
    let report = book.followup_tick(&ws).expect("the tick reads the offsets without overflowing");
    assert_eq!(report.queued, 0, "nothing is due for ten years");
    let next = book.lead(&ws, lead.id).unwrap().next_followup_at.expect("still enrolled");
    assert_eq!(next.format("%Y").to_string(), "2036");
}
