//! The delivery round both shells run (`messaging::round`), against the local Telegram and
//! OpenAI-compatible servers (tests/servers): the model's draft goes, a round changes nothing
//! twice, and a model whose settings cannot be read stops the command line's round but not the
//! window's.

use leadbook_core::error::Result;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::messaging::round::{self, Policy, RoundReport, Step};
use leadbook_core::model::MessageStatus;
use leadbook_core::secrets::{MemoryStore, SecretStore};
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, Error, FixedClock};
use leadbook_test_servers::{OpenAi, Telegram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const TOKEN: &str = "7000000001:AAE-round";

/// Memory secrets whose language-model key cannot be read while `broken` is set (a locked
/// keychain); the channel tokens still can.
#[derive(Default)]
struct Secrets {
    inner: MemoryStore,
    broken: AtomicBool,
}

impl SecretStore for Secrets {
    fn get(&self, name: &str) -> Result<Option<String>> {
        if name.ends_with("/llm") && self.broken.load(Ordering::Relaxed) {
            return Err(Error::internal("the keychain is locked"));
        }
        self.inner.get(name)
    }
    fn set(&self, name: &str, secret: &str) -> Result<()> {
        self.inner.set(name, secret)
    }
    fn delete(&self, name: &str) -> Result<()> {
        self.inner.delete(name)
    }
    fn kind(&self) -> &'static str {
        "memory"
    }
}

struct World {
    book: Book,
    ws: Workspace,
    secrets: Secrets,
    telegram: Telegram,
    model: OpenAi,
    rt: tokio::runtime::Runtime,
}

impl World {
    fn new() -> World {
        // Inside the quiet-hours window in Dubai.
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let mut book = Book::open_in_memory(clock).unwrap();
        let ws = book.workspace("Default").unwrap();
        let (telegram, model, secrets) = (Telegram::start(TOKEN), OpenAi::start(Some("sk-local")), Secrets::default());
        let s = Settings { base_url: Some(telegram.base_url()), ..Settings::default() };
        book.set_channel(&ws, &secrets, Provider::Telegram, &s, Some(TOKEN)).unwrap();
        book.set_llm(&secrets, &model.base_url(), "llama3.1", Some("sk-local"), None).unwrap();
        // The model's drafts go without the agent's review here: the round is what is tested.
        book.set_llm_review(false).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { book, ws, secrets, telegram, model, rt }
    }

    /// A buyer and a listing for them: one alert queued.
    fn alert(&mut self, telegram_id: i64) {
        let buyer = LeadInput { name: Some(format!("Buyer {telegram_id}")), telegram_id: Some(telegram_id), locations: vec!["JVC".into()], ..Default::default() };
        self.book.add_lead(&self.ws, &buyer).unwrap();
        let p = PropertyInput { title: Some("JVC 1BR".into()), location: Some("JVC".into()), price: Some(telegram_id), permit: Some("71000000009".into()), ..Default::default() };
        assert_eq!(self.book.add_property(&self.ws, &p).unwrap().notified.queued, 1);
    }

    fn round(&mut self, policy: Policy) -> Result<RoundReport> {
        let http = channels::http_client().unwrap();
        let ws = self.ws.clone();
        self.rt.block_on(round::run(self.book.store(), &ws, &self.secrets, &http, &mut Pacer::default(), policy))
    }

    fn statuses(&self) -> Vec<(Option<String>, MessageStatus)> {
        self.book.outbox(&self.ws, None, None).unwrap().into_iter().map(|m| (m.draft, m.status)).collect()
    }
}

#[test]
fn a_round_drafts_with_the_model_then_delivers_and_does_nothing_twice() {
    let mut w = World::new();
    w.model.answer_with("Buyer, a JVC 1BR just came up. Shall we see it?");
    w.alert(4242);
    let r = w.round(Policy::Strict).unwrap();
    assert_eq!((r.drafted.rewritten, r.delivered.sent), (1, 1));
    assert!(r.problems.is_empty() && r.changed_outbox());
    assert_eq!(w.telegram.sent()[0].text, "Buyer, a JVC 1BR just came up. Shall we see it?");
    assert_eq!(w.statuses(), [(Some("model".into()), MessageStatus::Sent)]);
    // What the command line prints: the delivery report with the drafts beside it.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!((json["sent"].as_u64(), json["drafted"]["rewritten"].as_u64()), (Some(1), Some(1)));
    assert!(json.get("problems").is_none() && json.get("offline").is_none());

    let again = w.round(Policy::KeepGoing).unwrap();
    assert!(!again.changed_outbox(), "{again:?}");
    assert_eq!((w.model.chats().len(), w.telegram.sent().len()), (1, 1));
}

#[test]
fn an_unreadable_model_stops_a_strict_round_but_the_window_delivers_the_template() {
    let mut w = World::new();
    w.alert(4343);
    w.secrets.broken.store(true, Ordering::Relaxed);

    let e = w.round(Policy::Strict).unwrap_err();
    assert_eq!(e.code(), "internal");
    assert_eq!(w.statuses(), [(None, MessageStatus::Queued)], "nothing drafted or sent after the failure");
    assert!(w.telegram.sent().is_empty());

    let r = w.round(Policy::KeepGoing).unwrap();
    assert_eq!(r.problems.len(), 1);
    assert_eq!((r.problems[0].step, r.problems[0].error.code()), (Step::Model, "internal"));
    assert_eq!((r.drafted.templates, r.delivered.sent), (1, 1), "drafted without the model, and delivered");
    assert_eq!(w.statuses(), [(Some("template".into()), MessageStatus::Sent)]);
    assert!(w.model.chats().is_empty());
}

#[test]
fn a_channel_that_cannot_load_ends_the_round_under_either_policy() {
    let mut w = World::new();
    w.alert(4444);
    // A stored base URL that is not http(s): the channels cannot be built.
    w.book.write(|tx, _| Ok(tx.execute("UPDATE channels SET settings = '{\"base_url\":\"ftp://x\"}'", [])?)).unwrap();
    for policy in [Policy::Strict, Policy::KeepGoing] {
        let e = w.round(policy).unwrap_err();
        assert_eq!(e.field(), Some("base_url"), "{policy:?}");
    }
    assert_eq!(w.statuses(), [(None, MessageStatus::Queued)]);
}
