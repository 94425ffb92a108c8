//! Email as a channel against the REAL servers (SPEC §12): Dovecot for IMAP and aiosmtpd for
//! SMTP submission, each started from a throwaway config on 127.0.0.1
//! (`leadbook_test_servers::mail`). Reading by UID, once, with nothing marked read; a
//! UIDVALIDITY change; a sync killed midway; SMTP down, a wrong password, a refused recipient;
//! what a sent mail carries; the password nowhere but the secret store.

use chrono::Duration;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::channels::config::{Channels, Settings};
use leadbook_core::messaging::channels::{self, Provider};
use leadbook_core::messaging::delivery::Pacer;
use leadbook_core::messaging::mailbox;
use leadbook_core::model::{Channel, MessageStatus};
use leadbook_core::secrets::{FileStore, MemoryStore, SecretStore};
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use leadbook_test_servers::{Dovecot, Smtp};
use std::path::Path;
use std::sync::Arc;

const USER: &str = "agent@leadbook.test";
const PASSWORD: &str = "Mail-S3cret-Passw0rd";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn settings(imap: &Dovecot, smtp: &Smtp) -> Settings {
    Settings {
        imap_host: Some("127.0.0.1".into()),
        imap_port: Some(imap.port()),
        imap_security: Some("none".into()),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(smtp.port()),
        smtp_security: Some("none".into()),
        username: Some(USER.into()),
        from: Some(USER.into()),
        ..Settings::default()
    }
}

fn mail(n: usize) -> Vec<u8> {
    format!(
        "From: Buyer {n} <buyer{n}@example.com>\r\nTo: {USER}\r\nSubject: Enquiry {n}\r\nMessage-ID: <enquiry-{n}@example.com>\r\n\
         Date: Mon, 2 Mar 2026 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, message {n}.\r\n"
    )
    .into_bytes()
}

struct World {
    book: Book,
    ws: Workspace,
    clock: Arc<FixedClock>,
    secrets: Box<dyn SecretStore>,
}

impl World {
    fn new() -> World {
        // Inside the sending window in Dubai.
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let book = Book::open_in_memory(clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        World { book, ws, clock, secrets: Box::new(MemoryStore::default()) }
    }

    fn on_disk(path: &Path, secrets: &Path) -> World {
        let clock = Arc::new(FixedClock::at("2026-03-02T08:00:00Z"));
        let book = Book::open(path, clock.clone()).unwrap();
        let ws = book.workspace("Default").unwrap();
        World { book, ws, clock, secrets: Box::new(FileStore::new(secrets)) }
    }

    fn email(&mut self, imap: &Dovecot, smtp: &Smtp, password: &str) {
        self.book.set_channel(&self.ws, self.secrets.as_ref(), Provider::Email, &settings(imap, smtp), Some(password)).unwrap();
    }

    fn channels(&self) -> Channels {
        self.book.load_channels(&self.ws, self.secrets.as_ref(), &channels::http_client().unwrap()).unwrap()
    }

    fn read(&mut self, limit: Option<usize>) -> mailbox::MailReport {
        let ch = self.channels();
        rt().block_on(self.book.read_mailbox(&self.ws, &ch, limit)).unwrap()
    }

    fn cursor(&self) -> Option<mailbox::Cursor> {
        mailbox::cursor(self.book.conn(), &self.ws).unwrap()
    }

    fn deliver(&mut self, pacer: &mut Pacer) -> leadbook_core::messaging::delivery::Report {
        let ch = self.channels();
        rt().block_on(self.book.deliver(&self.ws, &ch, pacer)).unwrap()
    }

    fn state(&self) -> (String, Option<String>) {
        let info = self.book.channels(&self.ws, self.secrets.as_ref()).unwrap().channels.into_iter().find(|c| c.provider == Provider::Email).unwrap();
        (info.state, info.detail)
    }

    /// A lead only email reaches, and a listing it wants: one alert queued for it.
    fn lead_and_alert(&mut self, language: &str) -> i64 {
        let input = LeadInput {
            name: Some("Sara Ahmadi".into()),
            email: Some("sara@example.org".into()),
            language: Some(language.into()),
            locations: vec!["JVC".into()],
            ..Default::default()
        };
        let id = self.book.add_lead(&self.ws, &input).unwrap().id;
        let p = PropertyInput { title: Some("JVC studio with a view".into()), location: Some("JVC".into()), price: Some(1), permit: Some("71000000009".into()), ..Default::default() };
        assert_eq!(self.book.add_property(&self.ws, &p).unwrap().notified.queued, 1, "the lead email reaches gets the alert");
        id
    }

    fn statuses(&self) -> Vec<MessageStatus> {
        self.book.outbox(&self.ws, None, None).unwrap().into_iter().map(|m| m.status).collect()
    }
}

#[test]
fn each_new_mail_is_read_once_by_uid_and_none_is_marked_read() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    for n in 1..=3 {
        imap.deliver(&mail(n));
    }
    let first = w.read(None);
    assert_eq!((first.emails, first.error.clone()), (3, None));
    let c = w.cursor().expect("a cursor");
    assert_eq!((c.uid_validity, c.last_uid), (imap.uid_validity(), 3));
    assert_eq!(w.read(None).emails, 0, "nothing new: nothing read");
    imap.deliver(&mail(4));
    assert_eq!(w.read(None).emails, 1, "only the new one");
    // Read through IMAP, the server's own flags: not one message is \Seen, none deleted.
    let flags = imap.flags();
    assert_eq!(flags.len(), 4, "{flags:?}");
    assert!(flags.iter().all(|(_, f)| !f.contains("\\Seen") && !f.contains("\\Deleted")), "{flags:?}");
}

#[test]
fn a_changed_uidvalidity_reads_the_folder_again_from_its_first_mail() {
    let mut imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    imap.deliver(&mail(1));
    imap.deliver(&mail(2));
    assert_eq!(w.read(None).emails, 2);
    imap.restart_uids(424242);
    let again = w.read(None);
    assert_eq!(again.emails, 2, "the UIDs restarted: every mail is read again (their Message-IDs keep them from doubling)");
    assert_eq!(w.cursor(), Some(mailbox::Cursor { uid_validity: 424242, last_uid: 2 }));
    assert_eq!(w.read(None).emails, 0);
}

#[test]
fn a_read_stopped_midway_goes_on_after_the_last_mail_taken_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (db, keys) = (dir.path().join("book.db"), dir.path().join("secrets.json"));
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    for n in 1..=5 {
        imap.deliver(&mail(n));
    }
    {
        let mut w = World::on_disk(&db, &keys);
        w.email(&imap, &smtp, PASSWORD);
        // Two mails taken, then the process is gone (the book dropped mid-read).
        assert_eq!(w.read(Some(2)).emails, 2);
    }
    let mut w = World::on_disk(&db, &keys);
    assert_eq!(w.cursor().map(|c| c.last_uid), Some(2), "the cursor was saved with each mail");
    assert_eq!(w.read(None).emails, 3, "exactly the three not taken");
    let seen: i64 = w.book.conn().query_row("SELECT count(*) FROM mail_seen", [], |r| r.get(0)).unwrap();
    assert_eq!(seen, 5, "each mail taken once");
}

/// Property Finder's enquiry (the fixture) from buyer `n`: their own name, phone, email and
/// Message-ID.
fn enquiry(n: usize) -> Vec<u8> {
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mail/pf-enquiry.eml")).unwrap();
    fixture
        .replace("20260302051500.4521.pf", &format!("many{n}.pf"))
        .replace("+971 50 123 4567", &format!("+97150{n:07}"))
        .replace("+971501234567", &format!("+97150{n:07}"))
        .replace("john.smith", &format!("buyer{n}"))
        .replace("John Smith", &format!("Buyer {n}"))
        .into_bytes()
}

#[test]
fn a_mail_that_cannot_be_taken_is_passed_and_the_rest_of_its_batch_and_the_next_are_kept() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    // An email key whose lead is not there (a broken book): a mail from that address cannot be
    // taken as the lead's reply.
    w.book.add_lead(&w.ws, &LeadInput { name: Some("Gone".into()), email: Some("gone@example.com".into()), ..Default::default() }).unwrap();
    w.book
        .conn()
        .execute_batch("PRAGMA foreign_keys = OFF; UPDATE lead_keys SET lead_id = 1000000 WHERE value = 'gone@example.com'; PRAGMA foreign_keys = ON")
        .unwrap();
    // Three batches of enquiries (100 a batch), the broken mail in the middle of the second.
    for n in 1..=250 {
        if n == 150 {
            imap.deliver(b"From: gone@example.com\r\nTo: agent@leadbook.test\r\nSubject: Hi\r\nMessage-ID: <gone-1@example.com>\r\n\r\nStill looking.\r\n");
        } else {
            imap.deliver(&enquiry(n));
        }
    }
    let r = w.read(None);
    assert_eq!((r.emails, r.skipped, r.portal_leads, r.error.clone()), (250, 1, 249, None), "{r:?}");
    assert_eq!(w.cursor().map(|c| c.last_uid), Some(250), "the cursor went past the mail that failed");
    let count = |sql: &str| -> i64 { w.book.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM mail_seen"), 249, "nothing of the failed mail kept, each other mail once");
    assert_eq!(count("SELECT count(*) FROM leads"), 1 + 249);
    assert_eq!(count("SELECT count(*) FROM lead_enquiries"), 249);
    assert_eq!(count("SELECT count(DISTINCT phone) FROM leads WHERE source = 'property_finder'"), 249);
    assert_eq!(w.read(None).emails, 0, "nothing is read twice, the failed mail included");
}

#[test]
fn a_wrong_password_puts_the_mailbox_in_need_of_attention_and_says_which_server_refused() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, "not-the-password");
    assert_eq!(w.state().0, "untested", "saved, never tried: not connected");
    let ch = w.channels();
    let id = rt().block_on(w.book.test_channel(&w.ws, &ch, Provider::Email)).unwrap();
    assert!(!id.ok);
    let msg = id.message.unwrap();
    assert!(msg.contains("reading (IMAP) failed") && msg.contains("sending (SMTP) failed") && msg.contains("refused the username or password"), "{msg}");
    assert!(!msg.contains("not-the-password"));
    let (state, detail) = w.state();
    assert_eq!(state, "needs_attention");
    assert!(detail.unwrap().contains("refused the username or password"));
    // With the right password the test connects both.
    w.email(&imap, &smtp, PASSWORD);
    let ch = w.channels();
    let id = rt().block_on(w.book.test_channel(&w.ws, &ch, Provider::Email)).unwrap();
    assert!(id.ok, "{:?}", id.message);
    assert_eq!(w.state().0, "ok");
}

#[test]
fn a_wrong_password_found_while_reading_needs_attention_and_stops_reading() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, "wrong");
    imap.deliver(&mail(1));
    let r = w.read(None);
    assert_eq!(r.emails, 0);
    assert!(r.error.unwrap().contains("refused the username or password"));
    assert_eq!(w.state().0, "needs_attention");
    assert_eq!(w.read(None).error, None, "a mailbox needing attention is not tried again until fixed");
}

#[test]
fn with_smtp_down_a_mail_waits_and_is_sent_once_when_it_is_back() {
    let imap = Dovecot::start(USER, PASSWORD);
    let mut smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    w.lead_and_alert("en");
    smtp.down();
    let mut pacer = Pacer::default();
    let r = w.deliver(&mut pacer);
    assert!(r.offline && r.sent == 0, "{r:?}");
    assert_eq!(w.statuses(), vec![MessageStatus::Deferred]);
    smtp.up();
    w.clock.advance(Duration::hours(1));
    assert_eq!(w.deliver(&mut pacer).sent, 1);
    w.clock.advance(Duration::hours(1));
    assert_eq!(w.deliver(&mut pacer).sent, 0);
    assert_eq!(smtp.received().len(), 1, "sent once");
    assert_eq!(w.statuses(), vec![MessageStatus::Sent]);
    assert_eq!(w.state().0, "ok", "a mail went through: the mailbox is connected");
}

#[test]
fn a_4xx_defers_and_a_refused_recipient_fails_and_marks_the_address_unusable() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    let lead = w.lead_and_alert("en");
    smtp.tempfail();
    let mut pacer = Pacer::default();
    let r = w.deliver(&mut pacer);
    assert_eq!((r.deferred, r.offline), (1, false), "{r:?}");
    smtp.accept();
    smtp.refuse("sara@example.org");
    w.clock.advance(Duration::hours(1));
    assert_eq!(w.deliver(&mut pacer).failed, 1);
    let l = w.book.lead(&w.ws, lead).unwrap();
    assert!(l.unusable_channels.contains(&Channel::Email), "{:?}", l.unusable_channels);
    assert!(smtp.received().is_empty());
}

#[test]
fn a_sent_mail_carries_its_message_id_list_unsubscribe_the_agents_name_and_a_utf8_body() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.ws = w.book.update_workspace(w.ws.id, &leadbook_core::workspace::WorkspacePatch { agent_name: Some(Some("Nima Karimi".into())), ..Default::default() }).unwrap();
    w.email(&imap, &smtp, PASSWORD);
    w.lead_and_alert("fa");
    let queued = w.book.outbox(&w.ws, None, None).unwrap().remove(0);
    assert_eq!(w.deliver(&mut Pacer::default()).sent, 1);
    let got = smtp.received();
    let m = &got[0];
    assert_eq!((m.rcpt_tos.clone(), m.login.as_deref()), (vec!["sara@example.org".to_string()], Some(USER)));
    let id = m.header("Message-ID").expect("a Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@leadbook.test>"), "{id}");
    assert_eq!(m.header("List-Unsubscribe").as_deref(), Some(format!("<mailto:{USER}?subject=unsubscribe>").as_str()));
    let from = m.header("From").unwrap();
    assert!(from.contains("Nima Karimi") && from.contains(USER), "{from}");
    assert!(m.header("Content-Type").unwrap().to_ascii_lowercase().contains("charset=utf-8"));
    assert!(m.header("Subject").is_some());
    // The Persian alert, as the server received it.
    let body = m.body_text();
    assert_eq!(body.trim_end(), queued.body.trim_end());
    assert!(body.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "a Persian body: {body}");
    let sent = w.book.outbox(&w.ws, None, None).unwrap().remove(0);
    assert_eq!(sent.channel.as_deref(), Some("email"));
}

#[test]
fn the_password_is_nowhere_but_the_secret_store() {
    let dir = tempfile::tempdir().unwrap();
    let (db, keys) = (dir.path().join("book.db"), dir.path().join("secrets.json"));
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    {
        let mut w = World::on_disk(&db, &keys);
        w.email(&imap, &smtp, PASSWORD);
        imap.deliver(&mail(1));
        w.read(None);
        w.lead_and_alert("en");
        w.deliver(&mut Pacer::default());
        let shown = serde_json::to_string(&w.book.channels(&w.ws, w.secrets.as_ref()).unwrap()).unwrap();
        assert!(!shown.contains(PASSWORD), "never shown back");
        assert!(shown.contains("\"has_secret\":true"));
    }
    for name in ["book.db", "book.db-wal", "book.db-shm"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap_or_default();
        assert!(!bytes.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()), "the password is in {name}");
    }
    assert!(std::fs::read_to_string(&keys).unwrap().contains(PASSWORD), "it is in the secret store");
}

#[test]
fn another_workspace_has_no_mailbox_of_its_own_and_reads_nothing() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    imap.deliver(&mail(1));
    let other = w.book.add_workspace("Abu Dhabi", None).unwrap();
    let ch = w.book.load_channels(&other, w.secrets.as_ref(), &channels::http_client().unwrap()).unwrap();
    assert!(ch.email.is_none());
    assert_eq!(rt().block_on(w.book.read_mailbox(&other, &ch, None)).unwrap().emails, 0);
    assert_eq!(mailbox::cursor(w.book.conn(), &other).unwrap(), None);
    assert_eq!(w.read(None).emails, 1, "the mail is still the first workspace's to read");
}

#[test]
fn a_reply_naming_our_message_in_in_reply_to_read_from_the_mailbox_stops_the_campaign_and_is_answered_in_thread() {
    let imap = Dovecot::start(USER, PASSWORD);
    let smtp = Smtp::start(USER, PASSWORD);
    let mut w = World::new();
    w.email(&imap, &smtp, PASSWORD);
    let input = LeadInput { name: Some("Omid Rahimi".into()), email: Some("omid@example.org".into()), ..Default::default() };
    let lead = w.book.add_lead(&w.ws, &input).unwrap().id;
    // The default campaign's first step goes, by email (the lead's only channel).
    w.clock.advance(Duration::days(1));
    w.book.followup_tick(&w.ws).unwrap();
    assert_eq!(w.deliver(&mut Pacer::default()).sent, 1);
    let ours = smtp.received()[0].header("Message-ID").unwrap();
    // She answers from another address, her mail program naming our message.
    let reply = format!(
        "From: Omid <omid.work@example.net>\r\nTo: {USER}\r\nSubject: Re: hello\r\nMessage-ID: <reply-1@example.net>\r\nIn-Reply-To: {ours}\r\n\
         References: {ours}\r\nDate: Tue, 3 Mar 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYes, please call me tomorrow.\r\n"
    );
    imap.deliver(reply.as_bytes());
    w.clock.advance(Duration::hours(1));
    let r = w.read(None);
    assert_eq!((r.emails, r.replies), (1, 1), "{r:?}");
    let e = w.book.enrolments(&w.ws, lead).unwrap();
    assert!(e.iter().all(|e| e.state == "stopped"), "{e:?}");
    // A message to her now answers her mail.
    w.book.outbox(&w.ws, None, None).unwrap();
    let l = w.book.lead(&w.ws, lead).unwrap();
    assert!(l.last_inbound_at.is_some());
    let due = leadbook_core::outbox::Due { id: 99, lead_id: lead, kind: leadbook_core::model::MessageKind::Manual, body: "Of course.".into(), campaign_id: None, campaign_step: None, attempts: 0, queued_at: String::new(), property_id: None };
    let m = mailbox::out_mail(w.book.conn(), &w.ws, &w.channels(), &due, "omid@example.org").unwrap();
    assert_eq!(m.in_reply_to.as_deref(), Some("<reply-1@example.net>"));
}
