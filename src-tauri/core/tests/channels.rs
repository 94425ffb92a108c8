//! Delivery and the inbox against local servers that speak the providers' real HTTP contracts
//! (tests/servers): exactly once through 429s and outages, opt-outs, replies, new leads,
//! Telegram start links, WhatsApp's 24-hour window and refused tokens.

use chrono::Duration;
use leadbook_core::messaging::channels::config::{Channels, Settings};
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::model::{Channel, MessageStatus};
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{Telegram, TgUser, Twilio, WhatsApp};
use std::collections::HashSet;
use std::sync::Arc;

const TOKEN: &str = "7000000001:AAE-test-token";
const SID: &str = "AC0123456789abcdef0123456789abcdef";

struct World {
    book: Book,
    ws: Workspace,
    clock: Arc<FixedClock>,
    secrets: MemoryStore,
}

impl World {
    fn new() -> World {
        // Inside the quiet-hours window in Dubai.
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        World { book, ws, clock, secrets: MemoryStore::default() }
    }

    fn telegram(&mut self, server: &Telegram) {
        let s = Settings { base_url: Some(server.base_url()), bot_username: Some("leadbook_test_bot".into()), ..Settings::default() };
        self.book.set_channel(&self.ws, &self.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
    }

    fn twilio(&mut self, server: &Twilio) {
        let s = Settings {
            base_url: Some(server.base_url()),
            account_sid: Some(SID.into()),
            from: Some("+97145550000".into()),
            whatsapp_from: Some("+14155238886".into()),
            ..Settings::default()
        };
        self.book.set_channel(&self.ws, &self.secrets, Provider::Twilio, &s, Some("twilio-secret")).unwrap();
    }

    fn whatsapp(&mut self, server: &WhatsApp) {
        let s = Settings {
            base_url: Some(server.base_url()),
            phone_number_id: Some("106540352242922".into()),
            default_template: Some("new_listing".into()),
            default_template_language: Some("en_US".into()),
            ..Settings::default()
        };
        self.book.set_channel(&self.ws, &self.secrets, Provider::Whatsapp, &s, Some("wa-token")).unwrap();
    }

    fn channels(&self) -> Channels {
        self.book.load_channels(&self.ws, &self.secrets, &channels::http_client().unwrap()).unwrap()
    }

    fn lead(&mut self, input: LeadInput) -> i64 {
        let input = LeadInput { locations: vec!["JVC".into()], ..input };
        self.book.add_lead(&self.ws, &input).unwrap().id
    }

    /// A listing every lead wants: one alert queued per reachable lead.
    fn announce(&mut self) -> usize {
        let p = PropertyInput { title: Some("JVC studio".into()), location: Some("JVC".into()), price: Some(1), permit: Some("71000000001".into()), ..Default::default() };
        self.book.add_property(&self.ws, &p).unwrap().notified.queued
    }

    fn deliver(&mut self, pacer: &mut Pacer) -> leadbook_core::messaging::delivery::Report {
        let ch = self.channels();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(self.book.deliver(&self.ws, &ch, pacer)).unwrap()
    }

    fn sync(&mut self) -> leadbook_core::messaging::inbox::SyncReport {
        let ch = self.channels();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(self.book.sync_inbox(&self.ws, &ch, std::time::Duration::ZERO)).unwrap()
    }

    fn statuses(&self) -> Vec<MessageStatus> {
        self.book.outbox(&self.ws, None, None).unwrap().into_iter().map(|m| m.status).collect()
    }

    /// Delivers round after round, the clock an hour on each time, until nothing waits.
    fn drain(&mut self, max_rounds: usize) -> usize {
        let mut pacer = Pacer::default();
        for round in 0..max_rounds {
            self.deliver(&mut pacer);
            if self.statuses().iter().all(|s| !matches!(s, MessageStatus::Queued | MessageStatus::Deferred)) {
                return round + 1;
            }
            self.clock.advance(Duration::hours(1));
        }
        panic!("still waiting after {max_rounds} rounds: {:?}", self.statuses());
    }
}

fn tg_lead(id: i64) -> LeadInput {
    LeadInput { name: Some(format!("Lead {id}")), telegram_id: Some(id), ..Default::default() }
}

fn distinct_chats(server: &Telegram) -> (usize, usize) {
    let sent = server.sent();
    let set: HashSet<i64> = sent.iter().map(|m| m.chat_id).collect();
    (sent.len(), set.len())
}

#[test]
fn every_message_is_delivered_exactly_once_through_429s() {
    let server = Telegram::start(TOKEN);
    server.limit_rate(10);
    let mut w = World::new();
    w.telegram(&server);
    for i in 0..40 {
        w.lead(tg_lead(1000 + i));
    }
    assert_eq!(w.announce(), 40);
    w.drain(20);
    assert!(server.rejected_429() > 0, "the server's limit was reached");
    assert_eq!(distinct_chats(&server), (40, 40), "each lead got it once");
    assert!(w.statuses().iter().all(|s| *s == MessageStatus::Sent));
    let deferred_once = w.book.outbox(&w.ws, None, None).unwrap().iter().filter(|m| m.attempts > 1).count();
    assert!(deferred_once > 0, "some were deferred by retry_after and sent later");
}

#[test]
fn a_server_that_is_down_for_a_while_gets_everything_once_when_it_comes_back() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    for i in 0..12 {
        w.lead(tg_lead(2000 + i));
    }
    w.announce();
    server.down();
    let mut pacer = Pacer::default();
    let r = w.deliver(&mut pacer);
    assert!(r.offline);
    assert_eq!(r.sent, 0);
    assert!(w.statuses().iter().all(|s| matches!(s, MessageStatus::Queued | MessageStatus::Deferred)), "nothing lost, nothing failed");
    let status = w.book.delivery_status(&w.ws).unwrap();
    assert_eq!(status.waiting, 12, "offline — 12 waiting");
    server.up();
    w.clock.advance(Duration::hours(1));
    w.drain(5);
    assert_eq!(distinct_chats(&server), (12, 12));
}

#[test]
fn going_down_in_the_middle_of_a_drain_never_sends_a_message_twice() {
    let server = Arc::new(Telegram::start(TOKEN));
    let mut w = World::new();
    w.telegram(&server);
    for i in 0..30 {
        w.lead(tg_lead(3000 + i));
    }
    w.announce();
    let s = server.clone();
    let flip = std::thread::spawn(move || {
        while s.sent().len() < 8 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        s.down();
        std::thread::sleep(std::time::Duration::from_millis(300));
        s.up();
    });
    let mut pacer = Pacer::default();
    w.deliver(&mut pacer);
    flip.join().unwrap();
    for _ in 0..6 {
        w.clock.advance(Duration::hours(1));
        w.deliver(&mut pacer);
    }
    let (total, distinct) = distinct_chats(&server);
    assert_eq!(total, distinct, "no chat got a message twice");
    let messages = w.book.outbox(&w.ws, None, None).unwrap();
    let sent = messages.iter().filter(|m| m.status == MessageStatus::Sent).count();
    let unknown = messages.iter().filter(|m| m.status == MessageStatus::Unknown).count();
    assert_eq!(sent + unknown, 30, "every message is sent, or left for the agent to confirm");
    assert!(total >= sent && total <= sent + unknown);
}

#[test]
fn blocked_bot_fails_the_message_and_marks_telegram_unusable_for_that_lead() {
    let server = Telegram::start(TOKEN);
    server.block(4001);
    server.unknown_chat(4002);
    let mut w = World::new();
    w.telegram(&server);
    let blocked = w.lead(tg_lead(4001));
    let gone = w.lead(tg_lead(4002));
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.failed, r.sent), (2, 0));
    let lead = w.book.lead(&w.ws, blocked).unwrap();
    assert_eq!(lead.unusable_channels, vec![Channel::Telegram]);
    assert!(w.book.lead(&w.ws, gone).unwrap().unusable_channels.is_empty(), "chat not found fails only the message");
    let m = w.book.outbox(&w.ws, None, Some(blocked)).unwrap().remove(0);
    assert!(m.error.unwrap().contains("blocked"));
}

#[test]
fn a_refused_token_holds_messages_until_the_agent_saves_a_new_one() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    w.lead(tg_lead(5001));
    w.announce();
    server.set_token("7000000001:NEW");
    w.deliver(&mut Pacer::default());
    let info = w.book.channels(&w.ws, &w.secrets).unwrap().channels.remove(0);
    assert_eq!(info.state, "needs_attention");
    assert_eq!(w.statuses(), vec![MessageStatus::Queued], "nothing lost");
    w.deliver(&mut Pacer::default());
    assert_eq!(w.statuses(), vec![MessageStatus::Queued], "it waits rather than going another way");
    let s = Settings { base_url: Some(server.base_url()), ..Settings::default() };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some("7000000001:NEW")).unwrap();
    w.deliver(&mut Pacer::default());
    assert_eq!(w.statuses(), vec![MessageStatus::Sent]);
    assert_eq!(server.sent().len(), 1);
}

#[test]
fn a_reply_stops_the_campaign_rescores_and_is_on_the_timeline() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let id = w.lead(tg_lead(336435018));
    let before = w.book.lead(&w.ws, id).unwrap().score;
    w.clock.advance(Duration::minutes(5));
    server.push_message(TgUser::new(336435018, "Ray"), "Thursday works");
    let r = w.sync();
    assert_eq!((r.received, r.matched, r.new_leads), (1, 1, 0));
    let detail = w.book.lead_detail(&w.ws, id).unwrap();
    assert!(detail.lead.score > before, "a reply raises the score");
    assert!(detail.timeline.iter().any(|e| e.kind == "replied" && e.detail.contains("Thursday works")));
    let enrolments = w.book.enrolments(&w.ws, id).unwrap();
    assert!(enrolments.iter().all(|e| e.state != "active"), "follow-ups stopped: {enrolments:?}");
    // The offset is kept: the same update is not taken in twice.
    assert_eq!(w.sync().received, 0);
}

#[test]
fn stop_opts_the_lead_out_and_nothing_more_goes_that_way() {
    let server = Telegram::start(TOKEN);
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.telegram(&server);
    w.twilio(&twilio);
    let id = w.lead(LeadInput { phone: Some("0501234567".into()), ..tg_lead(6001) });
    server.push_message(TgUser::new(6001, "Sara"), "STOP");
    let r = w.sync();
    assert_eq!(r.opt_outs, 1);
    assert_eq!(w.book.lead(&w.ws, id).unwrap().opt_outs, vec![Channel::Telegram]);
    w.announce();
    w.deliver(&mut Pacer::default());
    assert!(server.sent().is_empty(), "nothing more on Telegram");
    assert_eq!(twilio.sent().len(), 1, "SMS instead");
    // START opts back in.
    server.push_message(TgUser::new(6001, "Sara"), "start");
    w.sync();
    assert!(w.book.lead(&w.ws, id).unwrap().opt_outs.is_empty());
}

#[test]
fn persian_and_arabic_stop_words_opt_out_too() {
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.twilio(&twilio);
    let a = w.lead(LeadInput { name: Some("A".into()), whatsapp: Some("0501111111".into()), ..Default::default() });
    let b = w.lead(LeadInput { name: Some("B".into()), phone: Some("0502222222".into()), ..Default::default() });
    twilio.push_inbound("whatsapp:+971501111111", "whatsapp:+14155238886", "لغو");
    twilio.push_inbound("+971502222222", "+97145550000", " إلغاء ");
    let r = w.sync();
    assert_eq!(r.opt_outs, 2);
    assert_eq!(w.book.lead(&w.ws, a).unwrap().opt_outs, vec![Channel::Whatsapp]);
    assert_eq!(w.book.lead(&w.ws, b).unwrap().opt_outs, vec![Channel::Sms]);
}

#[test]
fn an_unknown_sender_becomes_a_new_lead_in_the_default_campaign() {
    let server = Telegram::start(TOKEN);
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.telegram(&server);
    w.twilio(&twilio);
    let mut user = TgUser::new(777001, "Omid");
    user.last_name = Some("Rahimi".into());
    user.username = Some("omid_r".into());
    user.language_code = Some("fa".into());
    server.push_message(user, "سلام، آپارتمان در مارینا دارید؟");
    twilio.push_inbound("whatsapp:+971509998877", "whatsapp:+14155238886", "Hi, is the villa still available?");
    let r = w.sync();
    assert_eq!((r.received, r.new_leads), (2, 2));
    let leads = w.book.list_leads(&w.ws, &Default::default()).unwrap().rows;
    let omid = leads.iter().find(|l| l.telegram_id == Some(777001)).unwrap();
    assert_eq!((omid.name.as_str(), omid.telegram_username.as_deref(), omid.source.as_str()), ("Omid Rahimi", Some("omid_r"), "telegram"));
    assert_eq!(omid.language.map(|l| l.as_str()), Some("fa"));
    let wa = leads.iter().find(|l| l.whatsapp.as_deref() == Some("+971509998877")).unwrap();
    assert_eq!(wa.source.as_str(), "whatsapp");
    assert!(!w.book.enrolments(&w.ws, wa.id).unwrap().is_empty(), "joined the default campaign");
    // The same Twilio message listed again is not taken in twice.
    assert_eq!(w.sync().received, 0);
}

#[test]
fn pressing_start_on_the_leads_link_links_its_telegram_account() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let id = w.lead(LeadInput { name: Some("Aisha".into()), email: Some("aisha@example.com".into()), ..Default::default() });
    let (url, token) = w.book.telegram_link(&w.ws, id).unwrap();
    assert_eq!(url, format!("https://t.me/leadbook_test_bot?start={token}"));
    assert_eq!(w.book.telegram_link(&w.ws, id).unwrap().1, token, "one link per lead");
    let mut user = TgUser::new(880001, "Aisha");
    user.username = Some("aisha_k".into());
    server.push_message(user, &format!("/start {token}"));
    assert_eq!(w.sync().linked, 1);
    let lead = w.book.lead(&w.ws, id).unwrap();
    assert_eq!((lead.telegram_id, lead.telegram_username.as_deref()), (Some(880001), Some("aisha_k")));
    // Now Telegram reaches her.
    w.announce();
    w.deliver(&mut Pacer::default());
    assert_eq!(server.sent()[0].chat_id, 880001);
}

#[test]
fn outside_the_24_hour_window_whatsapp_sends_the_template_instead() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.approve_template("new_listing");
    let mut w = World::new();
    w.whatsapp(&wa);
    let id = w.lead(LeadInput { name: Some("Layla Haddad".into()), whatsapp: Some("0503334444".into()), ..Default::default() });
    // Our book believes she wrote an hour ago; WhatsApp says the window is closed (131047).
    w.book.conn().execute("UPDATE leads SET whatsapp_inbound_at = '2026-03-02T07:00:00Z' WHERE id = ?1", [id]).unwrap();
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.sent, 1);
    let sent = wa.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].kind.as_str(), sent[0].template.as_deref()), ("template", Some("new_listing")));
    assert_eq!(sent[0].params, vec!["Layla".to_string()]);
}

#[test]
fn twilio_unsubscribed_records_the_opt_out() {
    let twilio = Twilio::start(SID, "twilio-secret");
    twilio.unsubscribed("+971505556666");
    let mut w = World::new();
    w.twilio(&twilio);
    let id = w.lead(LeadInput { name: Some("N".into()), phone: Some("0505556666".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.failed, 1);
    assert_eq!(w.book.lead(&w.ws, id).unwrap().opt_outs, vec![Channel::Sms]);
}

#[test]
fn with_no_channel_set_up_a_message_becomes_a_click_to_chat_task() {
    let mut w = World::new();
    let id = w.lead(LeadInput { name: Some("Hand".into()), phone: Some("0507778888".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.manual, 1);
    let m = w.book.outbox(&w.ws, None, Some(id)).unwrap().remove(0);
    assert_eq!((m.status, m.channel.as_deref()), (MessageStatus::Queued, Some("manual")));
    assert!(m.manual_link.unwrap().starts_with("https://wa.me/971507778888?text="));
    let done = w.book.mark_message_done(&w.ws, m.id).unwrap();
    assert_eq!(done.status, MessageStatus::Sent);
    assert_eq!(w.book.lead(&w.ws, id).unwrap().status.as_str(), "contacted");
}

#[test]
fn test_connection_reads_each_providers_identity() {
    let server = Telegram::start(TOKEN);
    let wa = WhatsApp::start("wa-token", "106540352242922");
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.telegram(&server);
    w.whatsapp(&wa);
    w.twilio(&twilio);
    let ch = w.channels();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let tg = rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Telegram)).unwrap();
    assert_eq!(tg.identity.as_deref(), Some("@leadbook_test_bot"));
    assert!(rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Whatsapp)).unwrap().ok);
    assert!(rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Twilio)).unwrap().ok);
    server.set_token("7000000001:OTHER");
    let refused = rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Telegram)).unwrap();
    assert!(!refused.ok);
    assert_eq!(w.book.channels(&w.ws, &w.secrets).unwrap().channels[0].state, "needs_attention");
}

#[test]
fn another_workspaces_channels_and_messages_are_never_touched() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    w.lead(tg_lead(9001));
    w.announce();
    let other = w.book.add_workspace("Other", None).unwrap();
    let ch = w.book.load_channels(&other, &w.secrets, &channels::http_client().unwrap()).unwrap();
    assert!(!ch.any(), "Other has no channels of its own");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let r = rt.block_on(w.book.deliver(&other, &ch, &mut Pacer::default())).unwrap();
    assert_eq!((r.sent, r.manual), (0, 0));
    assert_eq!(w.statuses(), vec![MessageStatus::Queued]);
    assert_eq!(w.book.retry_message(&other, 1).unwrap_err().code(), "not_found");
    assert_eq!(w.book.telegram_link(&other, 1).unwrap_err().field(), Some("bot_username"));
}

#[test]
fn a_reply_from_a_hot_or_warm_lead_raises_a_notice_and_a_cold_one_does_not() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let hot = w.lead(LeadInput {
        name: Some("Hot Buyer".into()),
        telegram_id: Some(111),
        phone: Some("0501110000".into()),
        email: Some("hot@example.ae".into()),
        source: Some("referral".into()),
        budget_max: Some(3_000_000),
        property_type: Some("villa".into()),
        bedrooms: Some(4),
        ..Default::default()
    });
    // A stranger Leadbook knows nothing about but a Telegram id, long since gone quiet.
    w.book.add_lead(&w.ws, &tg_lead(222)).unwrap();
    w.clock.advance(Duration::days(60));
    server.push_message(TgUser::new(111, "Hot"), "Can we view it on Saturday?");
    server.push_message(TgUser::new(222, "Cold"), "ok");
    let r = w.sync();
    assert_eq!(r.received, 2);
    assert_eq!(r.notices.len(), 1, "{:?}", r.notices);
    assert_eq!(r.notices[0].lead_id, hot);
    assert!(matches!(r.notices[0].grade, leadbook_core::model::Grade::A | leadbook_core::model::Grade::B));
}

#[test]
fn a_sender_no_lead_can_be_made_of_is_skipped_without_blocking_the_others() {
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.twilio(&twilio);
    twilio.push_inbound("+1", "+97145550000", "hello from nowhere");
    twilio.push_inbound("+971504445555", "+97145550000", "Is the JVC flat free?");
    let r = w.sync();
    assert_eq!((r.received, r.new_leads), (2, 1), "{r:?}");
    assert_eq!(w.sync().received, 0, "neither is taken in twice");
}

#[test]
fn replies_are_understood_and_drive_the_lead() {
    let server = Telegram::start(TOKEN);
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.telegram(&server);
    w.twilio(&twilio);
    let leaving = w.lead(tg_lead(501));
    let cold = w.lead(tg_lead(502));
    let keen = w.lead(tg_lead(503));
    let stranger = w.lead(LeadInput { name: Some("Number Owner".into()), whatsapp: Some("0507654321".into()), ..Default::default() });
    server.push_message(TgUser::new(501, "A"), "Please remove me from your list");
    server.push_message(TgUser::new(502, "B"), "Thanks but I'm not interested anymore, we bought already");
    server.push_message(TgUser::new(503, "C"), "Yes! I'm interested, can we view it this weekend?");
    twilio.push_inbound("whatsapp:+971507654321", "whatsapp:+14155238886", "Wrong number, I don't know anyone by that name");
    let r = w.sync();
    assert_eq!((r.received, r.opt_outs, r.wrong_numbers), (4, 1, 1), "{r:?}");
    assert_eq!(w.book.lead(&w.ws, leaving).unwrap().opt_outs, vec![Channel::Telegram]);
    let detail = w.book.lead_detail(&w.ws, cold).unwrap();
    let reply = detail.timeline.iter().find(|e| e.kind == "replied").unwrap();
    assert_eq!(reply.reply_class.as_deref(), Some("not_interested"));
    assert!(w.book.enrolments(&w.ws, cold).unwrap().iter().all(|e| e.state != "active"), "follow-ups stopped");
    assert!(r.notices.iter().any(|n| n.lead_id == keen), "an interested reply is worth a notification whatever the grade");
    let owner = w.book.lead(&w.ws, stranger).unwrap();
    assert!(owner.unusable_channels.contains(&Channel::Whatsapp) && owner.unusable_channels.contains(&Channel::Sms));
    assert_eq!(owner.status.as_str(), "new", "someone else's answer is not the lead's reply");
}

#[test]
fn a_template_refused_for_the_window_routes_on_instead_of_trying_whatsapp_forever() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.approve_template("new_listing");
    // Both the free text and the template come back "outside the 24-hour window".
    let outside = serde_json::json!({"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047}});
    wa.fail_next(2, 400, outside);
    let mut w = World::new();
    w.whatsapp(&wa);
    let id = w.lead(LeadInput { name: Some("Layla".into()), whatsapp: Some("0503334444".into()), ..Default::default() });
    w.book.conn().execute("UPDATE leads SET whatsapp_inbound_at = '2026-03-02T07:00:00Z' WHERE id = ?1", [id]).unwrap();
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.sent, r.manual), (0, 1), "{r:?}");
    assert!(wa.sent().is_empty());
}

#[test]
fn a_5xx_or_a_page_that_is_not_json_after_the_provider_took_the_message_is_unknown_and_never_resent() {
    let server = Telegram::start(TOKEN);
    // A gateway in front of the provider gives up waiting and answers 502 (JSON) or an HTML
    // 504 page — after the provider took the message.
    server.answer_after_receive(1, 502, "application/json", r#"{"ok":false,"error_code":502,"description":"Bad Gateway"}"#);
    let mut w = World::new();
    w.telegram(&server);
    w.lead(tg_lead(10_001));
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.unknown, r.deferred, r.sent), (1, 0, 0), "{r:?}");
    server.answer_after_receive(1, 504, "text/html", "<html><body>504 Gateway Time-out</body></html>");
    w.lead(tg_lead(10_002));
    w.announce();
    w.deliver(&mut Pacer::default());
    // The first lead's second alert waits a day (one marketing message a day, and one whose
    // fate is unknown counts).
    for _ in 0..4 {
        w.clock.advance(Duration::hours(6));
        w.deliver(&mut Pacer::default());
    }
    // Three alerts (the second listing goes to both leads): one sendMessage each, however often
    // delivery runs; the two answered badly are the agent's to confirm.
    assert_eq!(server.sent().len(), 3);
    let mut statuses = w.statuses();
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(statuses, vec![MessageStatus::Sent, MessageStatus::Unknown, MessageStatus::Unknown]);
    // A 429 is the provider's "not now": nothing was taken, it goes again later.
    let twilio = Twilio::start(SID, "twilio-secret");
    twilio.fail_next(1, 429, serde_json::json!({"code": 20429, "message": "Too Many Requests", "status": 429}));
    w.twilio(&twilio);
    w.lead(LeadInput { name: Some("S".into()), phone: Some("0501212121".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.deferred, 1, "{r:?}");
}

#[test]
fn a_voice_note_a_photo_a_document_a_location_or_a_contact_is_a_reply_recorded_with_its_kind_and_caption() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    w.telegram(&server);
    let ids: Vec<i64> = (0..5).map(|i| w.lead(tg_lead(20_000 + i))).collect();
    let before: Vec<i64> = ids.iter().map(|id| w.book.lead(&w.ws, *id).unwrap().score).collect();
    w.clock.advance(Duration::minutes(5));
    server.push_voice(TgUser::new(20_000, "V"), 7);
    server.push_photo(TgUser::new(20_001, "P"), Some("the view from the balcony"));
    server.push_document(TgUser::new(20_002, "D"), "passport.pdf", Some("my passport for the offer"));
    server.push_location(TgUser::new(20_003, "L"), 25.0805, 55.1403);
    server.push_contact(TgUser::new(20_004, "C"), "+971501234567", "Omar");
    let r = w.sync();
    assert_eq!((r.received, r.matched), (5, 5), "{r:?}");
    let shown = ["[voice note]", "[photo] the view from the balcony", "[document] my passport for the offer", "[location] 25.080500, 55.140300", "[contact] Omar +971501234567"];
    for ((id, before), shown) in ids.iter().zip(before).zip(shown) {
        let detail = w.book.lead_detail(&w.ws, *id).unwrap();
        assert!(detail.timeline.iter().any(|e| e.kind == "replied" && e.detail.contains(shown)), "{shown}: {:?}", detail.timeline);
        assert!(detail.lead.score > before, "{shown}: a reply raises the score");
        assert!(w.book.enrolments(&w.ws, *id).unwrap().iter().all(|e| e.state != "active"), "{shown}: follow-ups stopped");
    }
    assert_eq!(w.sync().received, 0, "confirmed once recorded, never twice");
}

#[test]
fn a_webhook_on_the_bot_shows_on_the_channel_and_removing_it_lets_the_replies_in() {
    let server = Telegram::start(TOKEN);
    server.set_webhook("https://example.com/hook");
    let mut w = World::new();
    w.telegram(&server);
    let id = w.lead(tg_lead(21_001));
    server.push_message(TgUser::new(21_001, "W"), "Is it still available?");
    let r = w.sync();
    assert_eq!(r.received, 0);
    assert!(r.errors.iter().any(|e| e.contains("webhook")), "{r:?}");
    let info = w.book.channels(&w.ws, &w.secrets).unwrap().channels.remove(0);
    assert_eq!(info.state, "needs_attention");
    assert!(info.detail.as_deref().is_some_and(|d| d.contains("webhook") && d.contains("delete-webhook")), "{info:?}");
    assert!(info.webhook, "the channel says a webhook is why, for the window's offer to remove it: {info:?}");
    let ch = w.channels();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let tested = rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Telegram)).unwrap();
    assert!(!tested.ok && tested.message.as_deref().is_some_and(|m| m.contains("webhook")), "test connection says so too: {tested:?}");
    let after = rt.block_on(w.book.delete_webhook(&w.ws, &ch, Provider::Telegram)).unwrap();
    assert!(after.ok, "{after:?}");
    assert_eq!(server.webhook(), None);
    let info = w.book.channels(&w.ws, &w.secrets).unwrap().channels.remove(0);
    assert_eq!((info.state.as_str(), info.webhook), ("ok", false));
    assert_eq!(w.sync().received, 1, "the message that waited is taken in");
    assert!(w.book.lead_detail(&w.ws, id).unwrap().timeline.iter().any(|e| e.kind == "replied"));
}

fn telegram_state(w: &World) -> (String, Option<String>) {
    let info = w.book.channels(&w.ws, &w.secrets).unwrap().channels.into_iter().find(|c| c.provider == Provider::Telegram).unwrap();
    (info.state, info.detail)
}

#[test]
fn a_saved_channel_is_connected_only_after_a_test_or_a_send_goes_through_and_says_when_it_cannot_be_reached() {
    let server = Telegram::start(TOKEN);
    let mut w = World::new();
    // Nothing listens on port 9 of this machine: the address is wrong.
    let wrong = Settings { base_url: Some("http://127.0.0.1:9".into()), bot_username: Some("leadbook_test_bot".into()), ..Settings::default() };
    let saved = w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &wrong, Some(TOKEN)).unwrap();
    assert_eq!(saved.state, "untested", "saved is not connected");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ch = w.channels();
    let err = rt.block_on(w.book.test_channel(&w.ws, &ch, Provider::Telegram)).unwrap_err();
    assert_eq!(err.code(), "offline", "{err}");
    let (state, detail) = telegram_state(&w);
    assert_eq!(state, "unreachable", "a failed test changes the state");
    assert!(detail.as_deref().is_some_and(|d| d.contains("cannot reach")), "{detail:?}");
    assert!(!detail.unwrap_or_default().contains(TOKEN), "the error never carries the token");

    // The right address: untested again until something goes through it — here a send.
    w.telegram(&server);
    assert_eq!(telegram_state(&w).0, "untested");
    w.lead(tg_lead(31_001));
    w.announce();
    server.down();
    let mut pacer = Pacer::default();
    assert!(w.deliver(&mut pacer).offline);
    assert_eq!(telegram_state(&w).0, "unreachable", "a send that cannot reach the provider changes it too");
    server.up();
    w.clock.advance(Duration::hours(1));
    w.drain(5);
    assert_eq!(server.sent().len(), 1);
    assert_eq!(telegram_state(&w), ("ok".to_string(), None), "a send went through: connected");
}

#[test]
fn a_bot_cannot_write_first_to_a_telegram_id_that_never_wrote() {
    let server = Telegram::start(TOKEN);
    server.require_start();
    let mut w = World::new();
    w.telegram(&server);
    let typed = w.lead(tg_lead(22_001));
    let wrote = w.lead(tg_lead(22_002));
    server.push_message(TgUser::new(22_002, "Wrote"), "hello");
    w.sync();
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.sent, r.failed), (1, 1), "{r:?}");
    assert_eq!(server.sent().iter().map(|m| m.chat_id).collect::<Vec<_>>(), vec![22_002]);
    let m = w.book.outbox(&w.ws, None, Some(typed)).unwrap().remove(0);
    assert!(m.error.unwrap().contains("can't initiate conversation"));
    assert_eq!(w.book.lead(&w.ws, typed).unwrap().unusable_channels, vec![Channel::Telegram]);
    assert!(w.book.lead(&w.ws, wrote).unwrap().unusable_channels.is_empty());
}

#[test]
fn a_window_opened_on_the_twilio_sender_never_lets_free_text_go_from_the_cloud_number() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.approve_template("new_listing");
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.whatsapp(&wa);
    w.twilio(&twilio);
    let id = w.lead(LeadInput { name: Some("Mona".into()), whatsapp: Some("0505550001".into()), ..Default::default() });
    twilio.push_inbound("whatsapp:+971505550001", "whatsapp:+14155238886", "Do you have anything in JVC?");
    w.sync();
    w.announce();
    let requests_before = wa.requests();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(wa.requests(), requests_before, "no free text tried from the Cloud number");
    let sent = twilio.sent();
    assert_eq!((sent.len(), sent[0].to.as_str(), sent[0].from.as_str()), (1, "whatsapp:+971505550001", "whatsapp:+14155238886"));
    assert_eq!(w.book.outbox(&w.ws, None, Some(id)).unwrap()[0].channel.as_deref(), Some("whatsapp"));
}

#[test]
fn a_template_goes_in_the_leads_language_with_exactly_its_declared_parameters() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.declare_template("new_listing", &["en_US", "fa"], 1);
    let mut w = World::new();
    let s = Settings {
        base_url: Some(wa.base_url()),
        phone_number_id: Some("106540352242922".into()),
        default_template: Some("new_listing".into()),
        default_template_language: Some("en_US".into()),
        template_language_fa: Some("fa".into()),
        template_language_ar: Some("ar".into()),
        ..Settings::default()
    };
    w.book.set_channel(&w.ws, &w.secrets, Provider::Whatsapp, &s, Some("wa-token")).unwrap();
    let fa = w.lead(LeadInput { name: Some("Omid Rahimi".into()), whatsapp: Some("0505550002".into()), language: Some("fa".into()), ..Default::default() });
    let en = w.lead(LeadInput { name: Some("Sara Lee".into()), whatsapp: Some("0505550003".into()), language: Some("en".into()), ..Default::default() });
    let ar = w.lead(LeadInput { name: Some("Huda Saleh".into()), whatsapp: Some("0505550004".into()), language: Some("ar".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.sent, r.failed), (2, 1), "{r:?}");
    let mut got: Vec<(String, Option<String>, Vec<String>)> = wa.sent().into_iter().map(|m| (m.to, m.language, m.params)).collect();
    got.sort();
    assert_eq!(got, vec![
        ("971505550002".to_string(), Some("fa".to_string()), vec!["Omid".to_string()]),
        ("971505550003".to_string(), Some("en_US".to_string()), vec!["Sara".to_string()]),
    ]);
    // Meta never approved it in Arabic: 132001, a clear failure naming the language.
    let m = w.book.outbox(&w.ws, None, Some(ar)).unwrap().remove(0);
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().is_some_and(|e| e.contains("132001")), "{m:?}");
    let _ = (fa, en);
    // A code that is not a language code is refused where it is typed.
    let bad = Settings { template_language_ar: Some("arabic".into()), ..s };
    let err = w.book.set_channel(&w.ws, &w.secrets, Provider::Whatsapp, &bad, None).unwrap_err();
    assert_eq!(err.field(), Some("template_language_ar"));
}

#[test]
fn a_whatsapp_account_error_puts_the_channel_in_needs_attention_and_the_messages_wait() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.approve_template("new_listing");
    let permission = serde_json::json!({"error": {"message": "(#10) Application does not have permission for this action", "type": "OAuthException", "code": 10}});
    wa.fail_next(2, 403, permission);
    let mut w = World::new();
    w.whatsapp(&wa);
    w.lead(LeadInput { name: Some("A".into()), whatsapp: Some("0505550005".into()), ..Default::default() });
    w.lead(LeadInput { name: Some("B".into()), whatsapp: Some("0505550006".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.failed, 0, "{r:?}");
    let info = w.book.channels(&w.ws, &w.secrets).unwrap().channels.remove(1);
    assert_eq!((info.provider, info.state.as_str()), (Provider::Whatsapp, "needs_attention"));
    assert!(w.statuses().iter().all(|s| *s == MessageStatus::Queued), "{:?}", w.statuses());
}

#[test]
fn a_lead_who_stopped_marketing_messages_misses_the_alert_but_is_not_opted_out_of_whatsapp() {
    let wa = WhatsApp::start("wa-token", "106540352242922");
    wa.approve_template("new_listing");
    wa.stopped_marketing("+971505550007");
    let mut w = World::new();
    w.whatsapp(&wa);
    let id = w.lead(LeadInput { name: Some("M".into()), whatsapp: Some("0505550007".into()), ..Default::default() });
    w.announce();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!(r.failed, 1, "{r:?}");
    let lead = w.book.lead(&w.ws, id).unwrap();
    assert!(lead.opt_outs.is_empty() && lead.unusable_channels.is_empty(), "{lead:?}");
    let m = w.book.outbox(&w.ws, None, Some(id)).unwrap().remove(0);
    assert!(m.error.unwrap().contains("131050"));
}

/// The body of every message waiting in the outbox becomes `body` (a reply the agent wrote).
fn rewrite_bodies(w: &World, body: &str) {
    w.book.conn().execute("UPDATE outbox SET body = ?1", [body]).unwrap();
}

#[test]
fn a_text_over_10_sms_segments_never_reaches_twilio_and_fails_saying_why() {
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.twilio(&twilio);
    let long = w.lead(LeadInput { name: Some("Long".into()), phone: Some("0505550001".into()), ..Default::default() });
    let fits = w.lead(LeadInput { name: Some("Fits".into()), phone: Some("0505550002".into()), ..Default::default() });
    assert_eq!(w.announce(), 2);
    // 671 Arabic letters are 11 UCS-2 segments; 670 are 10, the most an SMS may take.
    w.book.conn().execute("UPDATE outbox SET body = ?1 WHERE lead_id = ?2", (&"س".repeat(671), long)).unwrap();
    w.book.conn().execute("UPDATE outbox SET body = ?1 WHERE lead_id = ?2", (&"س".repeat(670), fits)).unwrap();
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.sent, r.failed, r.manual), (1, 1, 0));
    let sent = twilio.sent();
    assert_eq!(sent.len(), 1, "only the one that fits reached the provider");
    assert_eq!(sent[0].body.chars().count(), 670);
    let m = w.book.outbox(&w.ws, None, Some(long)).unwrap().remove(0);
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().unwrap_or_default().contains("11 SMS segments"), "{:?}", m.error);
    // It stays failed: the next round sends nothing more.
    w.deliver(&mut Pacer::default());
    assert_eq!(twilio.sent().len(), 1);
}

#[test]
fn a_text_over_4096_characters_never_reaches_telegram_or_whatsapp() {
    let tg = Telegram::start(TOKEN);
    let wa = WhatsApp::start("wa-token", "106540352242922");
    let twilio = Twilio::start(SID, "twilio-secret");
    let mut w = World::new();
    w.telegram(&tg);
    w.whatsapp(&wa);
    w.twilio(&twilio);
    let id = w.lead(LeadInput { name: Some("Layla".into()), telegram_id: Some(4242), whatsapp: Some("0503334444".into()), ..Default::default() });
    // She wrote on WhatsApp a minute ago: free text would go there, after Telegram.
    w.book.conn().execute("UPDATE leads SET whatsapp_inbound_at = '2026-03-02T07:59:00Z' WHERE id = ?1", [id]).unwrap();
    w.announce();
    rewrite_bodies(&w, &"a".repeat(4097));
    let r = w.deliver(&mut Pacer::default());
    assert_eq!((r.sent, r.failed), (0, 1));
    assert!(tg.sent().is_empty() && wa.sent().is_empty() && twilio.sent().is_empty(), "nothing over the limit reached a provider");
    let m = w.book.outbox(&w.ws, None, Some(id)).unwrap().remove(0);
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().unwrap_or_default().contains("too long"), "{:?}", m.error);

    // 4 096 characters exactly go to Telegram.
    let other = w.lead(LeadInput { name: Some("Omar".into()), telegram_id: Some(4343), ..Default::default() });
    let p = PropertyInput { title: Some("JVC 1BR".into()), location: Some("JVC".into()), price: Some(2), permit: Some("71000000002".into()), ..Default::default() };
    w.book.add_property(&w.ws, &p).unwrap();
    w.book.conn().execute("UPDATE outbox SET body = ?1 WHERE lead_id = ?2", (&"a".repeat(4096), other)).unwrap();
    w.deliver(&mut Pacer::default());
    let sent = tg.sent();
    assert!(sent.iter().all(|m| m.text.chars().count() <= 4096));
    assert!(sent.iter().any(|m| m.chat_id == 4343 && m.text.chars().count() == 4096), "{} sent", sent.len());
}

#[test]
fn the_outbox_is_read_a_page_at_a_time_with_its_total_and_only_the_workspaces_own() {
    let mut w = World::new();
    for i in 0..25 {
        w.lead(LeadInput { name: Some(format!("Buyer {i}")), phone: Some(format!("05077{i:05}")), ..Default::default() });
    }
    w.announce();
    use leadbook_core::outbox::OutboxFilter;
    let all = OutboxFilter::default();
    let first = w.book.outbox_page(&w.ws, &all, None, 10).unwrap();
    assert_eq!((first.messages.len(), first.total), (10, 25));
    let second = w.book.outbox_page(&w.ws, &all, first.next.as_ref(), 10).unwrap();
    let third = w.book.outbox_page(&w.ws, &all, second.next.as_ref(), 10).unwrap();
    assert_eq!(third.messages.len(), 5);
    assert!(third.next.is_none(), "the last page says it is the last");
    let ids: Vec<i64> = [first, second, third].into_iter().flat_map(|p| p.messages).map(|m| m.id).collect();
    let everything: Vec<i64> = w.book.outbox(&w.ws, None, None).unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(ids, everything, "the pages together are the outbox, in order, each message once");

    // No channel set up: every alert is the agent's to send by hand, and the filter finds them.
    let manual = OutboxFilter { manual: true, ..Default::default() };
    assert_eq!(w.book.outbox_page(&w.ws, &manual, None, 100).unwrap().total, 0, "not routed yet");
    w.deliver(&mut Pacer::default());
    let by_hand = w.book.outbox_page(&w.ws, &manual, None, 100).unwrap();
    assert_eq!(by_hand.total, 25);
    assert!(by_hand.messages.iter().all(|m| m.channel.as_deref() == Some("manual")));
    assert_eq!(w.book.outbox_page(&w.ws, &OutboxFilter { review: true, ..Default::default() }, None, 100).unwrap().total, 0);

    let other = w.book.add_workspace("Other", None).unwrap();
    assert_eq!(w.book.outbox_page(&other, &all, None, 100).unwrap().total, 0, "another workspace's outbox is empty");
    let theirs = OutboxFilter { lead_id: Some(1), ..Default::default() };
    assert_eq!(w.book.outbox_page(&other, &theirs, None, 100).unwrap_err().code(), "not_found");
}
