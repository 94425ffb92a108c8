//! `cargo bench -p leadbook-core --bench drain` (run by `make bench`): draining the outbox into
//! the local Telegram server, limited like the real one to 30 messages/s overall and 1/s per
//! chat (SPEC §10: ≥ 95 % of the allowed rate, 0 duplicates).
//!
//! Baseline, measured in the same run: the bare client sending paced `sendMessage` calls with
//! no database at all — the most this machine and server let through at that limit.
//! `--messages N` (default 5 000).

use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::telegram::Telegram as Client;
use leadbook_core::messaging::channels::{self, Provider, SendOutcome};
use leadbook_core::messaging::delivery::{self, Pacer};
use leadbook_core::model::MessageStatus;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::Telegram;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "7000000001:AAE-bench";
const LIMIT: u32 = 30;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.iter().position(|a| a == "--messages").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");

    // Baseline: the client alone, paced at the same interval, 10 s worth of messages.
    let server = Telegram::start(TOKEN);
    server.limit_rate(LIMIT);
    server.limit_per_chat(1);
    let client = Client::new(channels::http_client().expect("client"), &server.base_url(), TOKEN);
    let bare_n = 300;
    let (interval, _) = delivery::rate(Provider::Telegram);
    let bare = rt.block_on(async {
        let start = Instant::now();
        let mut next = tokio::time::Instant::now();
        let mut ok = 0;
        for i in 0..bare_n {
            tokio::time::sleep_until(next).await;
            next += interval;
            if let SendOutcome::Sent { .. } = client.send(100_000 + i as i64, "baseline").await {
                ok += 1;
            }
        }
        (ok, start.elapsed())
    });
    let bare_rate = bare.0 as f64 / bare.1.as_secs_f64();
    drop(server);

    // Ours: n leads, one listing alert each, drained by delivery from a book on disk.
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
    let mut book = Book::open(&dir.path().join("drain.db"), clock).expect("book");
    let ws = book.workspace("Default").expect("workspace");
    let rows: Vec<LeadInput> = (0..n)
        .map(|i| LeadInput { name: Some(format!("Lead {i}")), telegram_id: Some(1_000_000 + i as i64), locations: vec!["JVC".into()], ..Default::default() })
        .collect();
    book.add_inputs(&ws, rows).expect("leads");
    let queued = book
        .add_property(&ws, &PropertyInput { title: Some("JVC studio".into()), location: Some("JVC".into()), price: Some(1), ..Default::default() })
        .expect("listing")
        .notified
        .queued;
    let server = Telegram::start(TOKEN);
    server.limit_rate(LIMIT);
    server.limit_per_chat(1);
    let secrets = MemoryStore::default();
    let settings = Settings { base_url: Some(server.base_url()), ..Settings::default() };
    book.set_channel(&ws, &secrets, Provider::Telegram, &settings, Some(TOKEN)).expect("channel");
    let ch = book.load_channels(&ws, &secrets, &channels::http_client().expect("client")).expect("channels");
    let start = Instant::now();
    let mut pacer = Pacer::default();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let r = rt.block_on(book.deliver(&ws, &ch, &mut pacer)).expect("deliver");
        let waiting = book.delivery_status(&ws).expect("status").waiting;
        if waiting == 0 || rounds > 50 || r.sent == 0 && r.deferred == 0 {
            break;
        }
        // Deferred by a 429: wait for retry_after in real time and go again.
        std::thread::sleep(Duration::from_secs(1));
    }
    let took = start.elapsed();
    let sent_db = book.outbox(&ws, Some(MessageStatus::Sent), None).expect("outbox").len();
    let received = server.sent();
    let distinct: HashSet<i64> = received.iter().map(|m| m.chat_id).collect();
    let duplicates = received.len() - distinct.len();
    let rate = sent_db as f64 / took.as_secs_f64();
    let share = rate / LIMIT as f64 * 100.0;
    let pass = share >= 95.0 && duplicates == 0 && sent_db == queued && received.len() == queued;
    println!("outbox drain into the local Telegram server limited to {LIMIT} msg/s overall, 1/s per chat");
    println!("  ours:     {sent_db} of {queued} messages in {:.1} s = {rate:.2} msg/s ({share:.1} % of the allowed rate), {} rounds", took.as_secs_f64(), rounds);
    println!("  baseline: bare client, no database: {} of {bare_n} in {:.1} s = {bare_rate:.2} msg/s", bare.0, bare.1.as_secs_f64());
    println!("  server:   {} received, {duplicates} duplicates, {} answered 429", received.len(), server.rejected_429());
    println!("  target:   ≥ 95 % of {LIMIT} msg/s (≥ {:.1}), 0 duplicates → {}", LIMIT as f64 * 0.95, if pass { "PASS" } else { "MISS" });
}
