//! Messages written by a language model, against a local OpenAI-compatible server
//! (tests/servers): its text is used when it answers, the template when it does not (down,
//! slow, refusing), the prompt and answer are kept, review mode holds drafts, and nothing is
//! sent twice.

use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::model::MessageStatus;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{OpenAi, Telegram};
use std::sync::Arc;

const TOKEN: &str = "7000000001:AAE-llm";

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
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        let telegram = Telegram::start(TOKEN);
        let mut w = World { book, clock, ws, secrets: MemoryStore::default(), telegram, rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap() };
        let s = Settings { base_url: Some(w.telegram.base_url()), ..Settings::default() };
        w.book.set_channel(&w.ws, &w.secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
        w
    }

    fn model(&mut self, server: &OpenAi, timeout: Option<u64>) {
        self.book.set_llm(&self.secrets, &server.base_url(), "llama3.1", Some("sk-local"), timeout).unwrap();
    }

    /// One buyer who wants JVC and writes Persian.
    fn buyer(&mut self) -> i64 {
        let input = LeadInput {
            name: Some("Sara Ahmadi".into()),
            telegram_id: Some(4242),
            locations: vec!["JVC".into()],
            budget_max: Some(1_500_000),
            language: Some("fa".into()),
            ..Default::default()
        };
        self.book.add_lead(&self.ws, &input).unwrap().id
    }

    /// The buyer and a listing for her: one alert queued.
    fn alert(&mut self) -> i64 {
        let id = self.buyer();
        let p = PropertyInput { title: Some("JVC 1BR".into()), location: Some("JVC".into()), price: Some(1_200_000), permit: Some("71000000009".into()), ..Default::default() };
        assert_eq!(self.book.add_property(&self.ws, &p).unwrap().notified.queued, 1);
        id
    }

    /// What the app's courier does each round: draft, then deliver.
    fn round(&mut self) -> (leadbook_core::messaging::drafting::DraftReport, leadbook_core::messaging::delivery::Report) {
        let http = channels::http_client().unwrap();
        let llm = self.book.load_llm(&self.secrets, &http).unwrap();
        let ch = self.book.load_channels(&self.ws, &self.secrets, &http).unwrap();
        let ws = self.ws.clone();
        let drafted = self.rt.block_on(self.book.draft_messages(&ws, llm.as_ref())).unwrap();
        let sent = self.rt.block_on(self.book.deliver(&ws, &ch, &mut Pacer::default())).unwrap();
        (drafted, sent)
    }

    fn message(&self) -> leadbook_core::outbox::Message {
        self.book.outbox(&self.ws, None, None).unwrap().remove(0)
    }
}

#[test]
fn the_models_text_goes_and_its_prompt_and_answer_are_kept() {
    let model = OpenAi::start(Some("sk-local"));
    model.answer_with("سارا جان، یک آپارتمان یک‌خوابه در JVC به قیمت ۱٬۲۰۰٬۰۰۰ درهم آمده؛ ببینیمش؟");
    let mut w = World::new();
    w.model(&model, None);
    // Review of the model's messages is on by default; the agent turned it off.
    w.book.set_llm_review(false).unwrap();
    w.alert();
    let (drafted, sent) = w.round();
    assert_eq!((drafted.rewritten, sent.sent), (1, 1));
    let chats = model.chats();
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0].model, "llama3.1");
    let (system, user) = (&chats[0].messages[0].1, &chats[0].messages[1].1);
    assert!(system.contains("Persian"), "asks in the lead's language: {system}");
    assert!(user.contains("Sara Ahmadi") && user.contains("JVC") && user.contains("1,500,000"), "{user}");
    let m = w.message();
    assert_eq!((m.draft.as_deref(), m.status), (Some("model"), MessageStatus::Sent));
    assert!(m.llm_prompt.unwrap().contains("Sara Ahmadi"));
    assert_eq!(m.llm_answer.as_deref(), Some(m.body.as_str()));
    assert_eq!(w.telegram.sent()[0].text, m.body, "what was sent is what is stored");
    // Another round: nothing drafted or sent again.
    let (drafted, sent) = w.round();
    assert_eq!((drafted.rewritten + drafted.templates, sent.sent), (0, 0));
    assert_eq!((model.chats().len(), w.telegram.sent().len()), (1, 1));
}

#[test]
fn a_model_that_is_down_or_slow_or_refusing_leaves_the_template_and_says_why() {
    for case in ["down", "slow", "refusing"] {
        let model = OpenAi::start(Some("sk-local"));
        let mut w = World::new();
        w.model(&model, Some(1));
        let template = {
            w.alert();
            w.message().body
        };
        match case {
            "down" => model.down(),
            "slow" => model.delay(std::time::Duration::from_secs(3)),
            _ => model.fail_next(1, 500, serde_json::json!({"error": {"message": "model not loaded", "type": "server_error"}})),
        }
        let (drafted, sent) = w.round();
        assert_eq!((drafted.templates, sent.sent), (1, 1), "{case}");
        let m = w.message();
        assert_eq!((m.draft.as_deref(), m.body.as_str()), (Some("template"), template.as_str()), "{case}");
        assert!(m.draft_note.is_some(), "{case}: the message says why");
        assert_eq!(w.telegram.sent().len(), 1, "{case}: sent once");
    }
}

#[test]
fn without_a_model_messages_go_as_templates_and_review_mode_holds_them_for_the_agent() {
    let mut w = World::new();
    let campaign = w.book.campaigns(&w.ws).unwrap()[0].id;
    // Review mode applies to the campaign's follow-ups; a listing alert has no campaign.
    w.book.set_campaign_review(&w.ws, campaign, true).unwrap();
    w.alert();
    let (drafted, sent) = w.round();
    assert_eq!((drafted.templates, drafted.held_for_review, sent.sent), (1, 0, 1));
    assert_eq!(w.message().draft_note.as_deref().map(|n| n.starts_with("no language model")), Some(true));
}

#[test]
fn a_held_draft_goes_only_when_approved_as_edited_and_a_rejected_one_never() {
    let model = OpenAi::start(None);
    let mut w = World::new();
    w.book.set_llm(&w.secrets, &model.base_url(), "llama3.1", None, None).unwrap();
    let campaign = w.book.campaigns(&w.ws).unwrap()[0].id;
    w.book.set_campaign_review(&w.ws, campaign, true).unwrap();
    let lead = w.buyer();
    // The campaign's first step is due an hour after the lead came in.
    w.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(w.book.followup_tick(&w.ws).unwrap().queued, 1);
    let (drafted, _) = w.round();
    assert_eq!(drafted.held_for_review, 1);
    let held: Vec<_> = w.book.outbox(&w.ws, None, Some(lead)).unwrap().into_iter().filter(|m| m.review.as_deref() == Some("pending")).collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, MessageStatus::Queued, "waits");
    let st = w.book.delivery_status(&w.ws).unwrap();
    assert_eq!((st.review, st.waiting), (1, 0), "held for the agent, not waiting for the network");
    let before = w.telegram.sent().len();
    w.round();
    assert_eq!(w.telegram.sent().len(), before, "nothing goes while held");
    let approved = w.book.review_message(&w.ws, held[0].id, true, Some("Sara, I picked three JVC homes for you — shall I send them?")).unwrap();
    assert_eq!((approved.review.as_deref(), approved.draft.as_deref()), (Some("approved"), Some("agent")));
    w.round();
    assert_eq!(w.telegram.sent().last().unwrap().text, "Sara, I picked three JVC homes for you — shall I send them?");
    assert_eq!(w.book.review_message(&w.ws, held[0].id, false, None).unwrap_err().field(), Some("review"), "decided once");
}
