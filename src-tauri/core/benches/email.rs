//! `cargo bench -p leadbook-core --bench email` (run by `make bench`): reading N Property Finder
//! enquiry mails (A's fixture, each with its own sender, phone and Message-ID) from a REAL local
//! Dovecot into graded leads (SPEC §12: ≥ 200 messages/s, ≤ 2× a bare fetch).
//!
//! Baseline, measured in the same run on the same folder: a bare IMAP conversation fetching
//! every message's bytes (`UID FETCH 1:* (BODY.PEEK[])`) with no parsing and no database.
//! `--messages N` (default 10 000).

use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::secrets::MemoryStore;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{Dovecot, ImapTalk, Smtp};
use std::sync::Arc;
use std::time::Instant;

const USER: &str = "agent@leadbook.test";
const PASSWORD: &str = "bench-pass";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.iter().position(|a| a == "--messages").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mail/pf-enquiry.eml")).expect("the fixture");
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    for i in 0..n {
        let mail = fixture
            .replace("20260302051500.4521.pf", &format!("bench{i}.pf"))
            .replace("+971501234567", &format!("+97150{:07}", i))
            .replace("+971 50 123 4567", &format!("+97150{:07}", i))
            .replace("john.smith", &format!("buyer{i}"))
            .replace("John Smith", &format!("Buyer {i}"));
        imap.deliver(mail.replace("\r\n", "\n").replace('\n', "\r\n").as_bytes());
    }

    // Baseline: the bytes alone.
    let start = Instant::now();
    let mut talk = ImapTalk::connect(imap.port());
    talk.command(&format!("LOGIN \"{USER}\" \"{PASSWORD}\""));
    talk.command("EXAMINE INBOX");
    let fetched = talk.command("UID FETCH 1:* (UID BODY.PEEK[])").iter().filter(|l| l.contains("BODY[]")).count();
    talk.command("LOGOUT");
    let bare = start.elapsed();
    assert_eq!(fetched, n, "the bare fetch saw every message");

    // Leadbook: each mail taken (parsed, a lead made or merged, its enquiry on the timeline)
    // in its own transaction with the cursor, on a book on disk.
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut book = Book::open(&dir.path().join("bench.db"), Arc::new(FixedClock::at("2026-03-02T08:00:00Z"))).expect("a book");
    let ws = book.workspace("Default").expect("the workspace");
    let secrets = MemoryStore::default();
    let s = Settings {
        imap_host: Some("127.0.0.1".into()),
        imap_port: Some(imap.port()),
        imap_security: Some("none".into()),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(smtp.port()),
        smtp_security: Some("none".into()),
        username: Some(USER.into()),
        from: Some(USER.into()),
        ..Settings::default()
    };
    book.set_channel(&ws, &secrets, Provider::Email, &s, Some(PASSWORD)).expect("the mailbox");
    let ch = book.load_channels(&ws, &secrets, &channels::http_client().expect("client")).expect("channels");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let start = Instant::now();
    let r = rt.block_on(book.read_mailbox(&ws, &ch, None)).expect("read");
    let ours = start.elapsed();
    assert_eq!((r.emails, r.error.clone()), (n, None), "{r:?}");
    let rate = n as f64 / ours.as_secs_f64();
    println!(
        "email: {n} Property Finder mails → {} new leads, {} unparsed in {:.2} s = {:.0} mails/s; bare IMAP fetch {:.2} s ({:.0}/s); ratio {:.2}×",
        r.portal_leads,
        r.unparsed,
        ours.as_secs_f64(),
        rate,
        bare.as_secs_f64(),
        n as f64 / bare.as_secs_f64(),
        ours.as_secs_f64() / bare.as_secs_f64()
    );
}
