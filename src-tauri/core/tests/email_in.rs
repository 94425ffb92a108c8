//! Mail in the agent's mailbox, through `take_mail` with the raw bytes IMAP hands over (the
//! fixtures in `tests/fixtures/mail`, written by `make.py` there): each portal's enquiry and
//! call layouts become leads, labelled lines in three languages, an unreadable notification
//! kept, a second enquiry joining the first lead, the same enquiry by API and by email as one,
//! replies by address and by In-Reply-To stopping the campaign, opt-outs, bounces, each new
//! table per workspace, and bad input that never panics.

use chrono::{DateTime, Duration, Utc};
use leadbook_core::enquiries::{Enquiry, EnquiryKind, EnquiryVia, Portal};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::messaging::email_in::{self, MailTaken};
use leadbook_core::model::{Channel, MessageStatus, Source};
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::path::Path;
use std::sync::Arc;

const NOW: &str = "2026-03-06T12:00:00Z";

fn book() -> (Book, Arc<FixedClock>, Workspace) {
    let clock = Arc::new(FixedClock::at(NOW));
    let book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, clock, ws)
}

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The fixture with another Message-ID (the same layout arriving again as a new mail).
fn renamed(raw: &[u8], id: &str) -> Vec<u8> {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let start = text.find("Message-ID: <").unwrap() + "Message-ID: <".len();
    let end = start + text[start..].find('>').unwrap();
    format!("{}{}{}", &text[..start], id, &text[end..]).into_bytes()
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn count(book: &Book, table: &str) -> i64 {
    book.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn enquiry_lead(taken: &MailTaken) -> i64 {
    match taken {
        MailTaken::Enquiry { lead_id, .. } => *lead_id,
        other => panic!("not an enquiry: {other:?}"),
    }
}

fn timeline_kinds(book: &mut Book, ws: &Workspace, id: i64, kind: &str) -> Vec<String> {
    book.lead_detail(ws, id).unwrap().timeline.into_iter().filter(|e| e.kind == kind).map(|e| e.detail).collect()
}

fn arrived(book: &Book, id: i64) -> Option<String> {
    book.conn().query_row("SELECT arrived_at FROM leads WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

#[test]
fn a_property_finder_enquiry_in_html_tables_becomes_a_lead_linked_to_its_listing() {
    let (mut book, _, ws) = book();
    let listing = book
        .add_property(&ws, &PropertyInput { title: Some("Marina 2BR".into()), location: Some("Dubai Marina".into()), price: Some(1_850_000), permit: Some("PH-4521".into()), ..Default::default() })
        .unwrap();
    let taken = book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap();
    assert!(matches!(taken, MailTaken::Enquiry { new_lead: true, repeat: false, .. }), "{taken:?}");
    let lead = book.lead(&ws, enquiry_lead(&taken)).unwrap();
    assert_eq!(lead.name, "John Smith");
    assert_eq!(lead.phone.as_deref(), Some("+971501234567"));
    assert_eq!(lead.email.as_deref(), Some("john.smith@example.com"));
    assert_eq!(lead.source, Source::PropertyFinder);
    let entries = timeline_kinds(&mut book, &ws, lead.id, "enquiry");
    assert_eq!(entries.len(), 1);
    assert!(entries[0].starts_with("Enquiry from Property Finder (listing PH-4521): Hi, I'm interested in this apartment & would like"), "{}", entries[0]);
    let recorded = book.lead_enquiries(&ws, lead.id).unwrap();
    assert_eq!(recorded[0].property_id, Some(listing.id));
    assert_eq!(recorded[0].kind, EnquiryKind::Message);
    // It arrived when the mail was written (09:15 Dubai), not when it was read.
    assert_eq!(arrived(&book, lead.id).as_deref(), Some("2026-03-02T05:15:00Z"));
    // Like every new lead, it joins the default campaign.
    assert_eq!(book.enrolments(&ws, lead.id).unwrap().len(), 1);
}

#[test]
fn an_enquiry_naming_a_listings_reference_links_that_listing() {
    let (mut book, _, ws) = book();
    let villa = book
        .add_property(&ws, &PropertyInput { title: Some("Ranches villa".into()), location: Some("Arabian Ranches".into()), price: Some(250_000), purpose: Some("rent".into()), reference: Some("by-778".into()), ..Default::default() })
        .unwrap();
    let id = enquiry_lead(&book.take_mail(&ws, &fixture("bayut-enquiry.eml")).unwrap());
    assert_eq!(book.lead_enquiries(&ws, id).unwrap()[0].property_id, Some(villa.id), "matched ignoring case");
    // Another workspace's listing with the same reference is not linked.
    let other = book.add_workspace("Agency", None).unwrap();
    book.add_property(&other, &PropertyInput { title: Some("Theirs".into()), location: Some("JLT".into()), price: Some(1), reference: Some("DZ-1190".into()), ..Default::default() }).unwrap();
    let dz = enquiry_lead(&book.take_mail(&ws, &fixture("dubizzle-enquiry.eml")).unwrap());
    assert_eq!(book.lead_enquiries(&ws, dz).unwrap()[0].property_id, None);
}

#[test]
fn bayut_and_dubizzle_enquiries_are_read_by_their_layouts() {
    let (mut book, _, ws) = book();
    let bayut = { let id = enquiry_lead(&book.take_mail(&ws, &fixture("bayut-enquiry.eml")).unwrap()); book.lead(&ws, id).unwrap() };
    assert_eq!((bayut.name.as_str(), bayut.phone.as_deref(), bayut.email.as_deref()), ("Fatima Al Mansoori", Some("+971527654321"), Some("fatima.m@example.ae")));
    assert_eq!(bayut.source, Source::Bayut);
    let e = &book.lead_enquiries(&ws, bayut.id).unwrap()[0];
    assert_eq!(e.message.as_deref(), Some("Hello, is this villa still available for rent from April?\nWe are a family of four."));
    assert_eq!(e.listing_reference.as_deref(), Some("BY-778"));

    let dz = { let id = enquiry_lead(&book.take_mail(&ws, &fixture("dubizzle-enquiry.eml")).unwrap()); book.lead(&ws, id).unwrap() };
    assert_eq!((dz.name.as_str(), dz.phone.as_deref(), dz.email.as_deref()), ("Ravi Kumar", Some("+971558889900"), Some("ravi.kumar@example.in")));
    assert_eq!(dz.source, Source::Dubizzle);
    let e = &book.lead_enquiries(&ws, dz.id).unwrap()[0];
    assert_eq!(e.message.as_deref(), Some("Is the rent negotiable? Can I see it tomorrow evening?"));
    assert_eq!(e.listing_reference.as_deref(), Some("DZ-1190"));
}

#[test]
fn each_portals_call_mail_becomes_a_call_enquiry_with_the_callers_number() {
    let (mut book, _, ws) = book();
    for (file, phone, portal) in [
        ("pf-call.eml", "+971559876543", Portal::PropertyFinder),
        ("bayut-call.eml", "+971562223344", Portal::Bayut),
        // Arabic-Indic digits, from dubizzle's older sender.
        ("dubizzle-call.eml", "+971503334455", Portal::Dubizzle),
    ] {
        let id = enquiry_lead(&book.take_mail(&ws, &fixture(file)).unwrap());
        let lead = book.lead(&ws, id).unwrap();
        assert_eq!(lead.phone.as_deref(), Some(phone), "{file}");
        assert_eq!(lead.name, phone, "{file}: a caller without a name is named by the number");
        let e = &book.lead_enquiries(&ws, id).unwrap()[0];
        assert_eq!((e.kind, e.portal), (EnquiryKind::Call, Some(portal)), "{file}");
        assert!(timeline_kinds(&mut book, &ws, id, "enquiry")[0].starts_with(&format!("Call from {}", portal_label(portal))), "{file}");
    }
}

fn portal_label(p: Portal) -> &'static str {
    match p {
        Portal::PropertyFinder => "Property Finder",
        Portal::Bayut => "Bayut",
        Portal::Dubizzle => "dubizzle",
    }
}

#[test]
fn a_listed_lead_senders_mail_is_read_by_labelled_lines_in_arabic_and_persian() {
    let (mut book, _, ws) = book();
    // Not listed yet: the web form's mail is nobody's.
    assert!(matches!(book.take_mail(&ws, &fixture("form-arabic.eml")).unwrap(), MailTaken::Ignored { .. }));
    book.add_email_sender(&ws, "@PrimeHomes.ae", None).unwrap();
    let ar = renamed(&fixture("form-arabic.eml"), "form-ar-2@primehomes.ae");
    let lead = { let id = enquiry_lead(&book.take_mail(&ws, &ar).unwrap()); book.lead(&ws, id).unwrap() };
    assert_eq!((lead.name.as_str(), lead.phone.as_deref(), lead.email.as_deref()), ("خالد العتيبي", Some("+971504445566"), Some("khaled@example.sa")));
    assert_eq!(lead.source, Source::Email);
    assert_eq!(lead.language.map(|l| l.as_str()), Some("ar"));
    let e = &book.lead_enquiries(&ws, lead.id).unwrap()[0];
    assert_eq!(e.message.as_deref(), Some("أبحث عن شقة بغرفتين في وسط دبي"));
    assert_eq!(e.permit.as_deref(), Some("71234567890"));
    assert!(timeline_kinds(&mut book, &ws, lead.id, "enquiry")[0].starts_with("Enquiry by email"));

    let fa = { let id = enquiry_lead(&book.take_mail(&ws, &fixture("form-persian.eml")).unwrap()); book.lead(&ws, id).unwrap() };
    assert_eq!((fa.name.as_str(), fa.phone.as_deref(), fa.email.as_deref()), ("مریم رضایی", Some("+971506667788"), Some("maryam.rezaei@example.ir")));
    assert_eq!(fa.language.map(|l| l.as_str()), Some("fa"));
}

#[test]
fn a_portal_mail_with_no_phone_and_no_email_is_kept_unparsed_never_dropped() {
    let (mut book, _, ws) = book();
    let taken = book.take_mail(&ws, &fixture("pf-unparsable.eml")).unwrap();
    let MailTaken::Unparsed { id } = taken else { panic!("{taken:?}") };
    assert_eq!(count(&book, "leads"), 0);
    let list = book.unparsed_mail(&ws, false).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id, list[0].portal, list[0].subject.as_deref()), (id, Some(Portal::PropertyFinder), Some("Your listing is live")));
    assert_eq!(list[0].from.as_deref(), Some("no-reply@propertyfinder.ae"));
    assert!(list[0].raw_text.contains("has been published and is now live"), "{}", list[0].raw_text);
    assert!(!list[0].raw_text.contains("<p>"), "the HTML is made text");

    // The agent adds it as a lead by hand: it leaves the list, the lead is a portal lead.
    let added = book.add_unparsed_as_lead(&ws, id, &LeadInput { name: Some("Caller".into()), phone: Some("0501119999".into()), ..Default::default() }).unwrap();
    assert!(added.created);
    assert_eq!(book.lead(&ws, added.id).unwrap().source, Source::PropertyFinder);
    assert!(book.unparsed_mail(&ws, false).unwrap().is_empty());
    let all = book.unparsed_mail(&ws, true).unwrap();
    assert_eq!((all[0].resolved, all[0].lead_id), (true, Some(added.id)));
}

#[test]
fn a_dismissed_unparsed_mail_leaves_the_open_list() {
    let (mut book, _, ws) = book();
    let MailTaken::Unparsed { id } = book.take_mail(&ws, &fixture("pf-unparsable.eml")).unwrap() else { panic!() };
    assert!(book.dismiss_unparsed(&ws, id).unwrap().resolved);
    assert!(book.unparsed_mail(&ws, false).unwrap().is_empty());
    assert_eq!(book.unparsed_mail(&ws, true).unwrap().len(), 1);
}

#[test]
fn a_second_enquiry_from_the_same_phone_joins_the_first_lead_with_a_second_entry() {
    let (mut book, _, ws) = book();
    let first = enquiry_lead(&book.take_mail(&ws, &fixture("bayut-enquiry.eml")).unwrap());
    let again = renamed(&fixture("bayut-enquiry.eml"), "bayut.inquiry.6000@bayut.com").into_iter().collect::<Vec<u8>>();
    let again = String::from_utf8(again).unwrap().replace("Tue, 03 Mar 2026 14:05:10", "Thu, 05 Mar 2026 18:00:00")
        .replace("fatima.m@example.ae", "fatima.other@example.ae");
    let taken = book.take_mail(&ws, again.as_bytes()).unwrap();
    assert_eq!(taken, MailTaken::Enquiry { lead_id: first, new_lead: false, repeat: false });
    assert_eq!(count(&book, "leads"), 1);
    assert_eq!(timeline_kinds(&mut book, &ws, first, "enquiry").len(), 2);
    assert_eq!(book.lead_enquiries(&ws, first).unwrap().len(), 2);
    // The lead's arrival stays its first enquiry's.
    assert_eq!(arrived(&book, first).as_deref(), Some("2026-03-03T10:05:10Z"));
    assert_eq!(book.enrolments(&ws, first).unwrap().len(), 1, "enrolled once");
}

fn api_enquiry(id: &str, at: &str) -> Enquiry {
    Enquiry {
        portal_lead_id: Some(id.into()),
        name: Some("John Smith".into()),
        phone: Some("+971501234567".into()),
        email: Some("john.smith@example.com".into()),
        message: Some("Hi, I'm interested in this apartment & would like to arrange a viewing this weekend.".into()),
        listing_reference: Some("PH-4521".into()),
        ..Enquiry::new(Some(Portal::PropertyFinder), EnquiryKind::Message, EnquiryVia::Api, t(at))
    }
}

#[test]
fn the_same_enquiry_by_api_and_by_email_is_one_lead_and_one_entry() {
    let (mut book, _, ws) = book();
    let api = book.take_enquiry(&ws, &api_enquiry("pf-lead-123", "2026-03-02T05:14:30Z")).unwrap();
    assert!(api.new_lead && !api.repeat);
    let mail = book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap();
    assert_eq!(mail, MailTaken::Enquiry { lead_id: api.lead_id, new_lead: false, repeat: true });
    // The API again (its next page overlaps): the portal's id says it is the same.
    let again = book.take_enquiry(&ws, &api_enquiry("pf-lead-123", "2026-03-02T05:14:30Z")).unwrap();
    assert_eq!((again.lead_id, again.new_lead, again.repeat), (api.lead_id, false, true));
    assert_eq!(count(&book, "leads"), 1);
    assert_eq!(book.lead_enquiries(&ws, api.lead_id).unwrap().len(), 1);
    assert_eq!(timeline_kinds(&mut book, &ws, api.lead_id, "enquiry").len(), 1);
}

#[test]
fn the_email_first_then_the_api_is_one_entry_and_the_portal_id_is_remembered() {
    let (mut book, _, ws) = book();
    let lead = enquiry_lead(&book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap());
    let api = book.take_enquiry(&ws, &api_enquiry("pf-lead-9", "2026-03-02T05:14:00Z")).unwrap();
    assert_eq!((api.lead_id, api.repeat), (lead, true));
    assert_eq!(book.lead_enquiries(&ws, lead).unwrap().len(), 1);
    let n: i64 = book.conn().query_row("SELECT count(*) FROM portal_leads WHERE portal_lead_id = 'pf-lead-9' AND lead_id = ?1", [lead], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn an_enquiry_whose_phone_and_email_do_not_validate_is_a_validation_error_and_writes_nothing() {
    let (mut book, _, ws) = book();
    let e = Enquiry { phone: Some("12".into()), email: Some("nobody@".into()), ..Enquiry::new(Some(Portal::Bayut), EnquiryKind::Message, EnquiryVia::Api, t(NOW)) };
    let err = book.take_enquiry(&ws, &e).unwrap_err();
    assert_eq!(err.code(), "validation");
    assert_eq!((count(&book, "leads"), count(&book, "lead_enquiries"), count(&book, "timeline")), (0, 0, 0));
    // A bad email beside a good phone: the phone is enough.
    let ok = Enquiry { phone: Some("٠٥٠١٢٣٤٥٦٧".into()), ..e };
    let taken = book.take_enquiry(&ws, &ok).unwrap();
    assert_eq!(book.lead(&ws, taken.lead_id).unwrap().phone.as_deref(), Some("+971501234567"));
}

/// A lead from the Property Finder mail whose first follow-up has been queued: its id and the
/// message's.
fn lead_with_a_followup(book: &mut Book, clock: &FixedClock, ws: &Workspace) -> (i64, i64) {
    let lead = enquiry_lead(&book.take_mail(ws, &fixture("pf-enquiry.eml")).unwrap());
    for _ in 0..8 {
        clock.advance(Duration::hours(12));
        book.followup_tick(ws).unwrap();
    }
    let queued = book.outbox(ws, None, Some(lead)).unwrap();
    assert!(!queued.is_empty(), "the first step was queued");
    (lead, queued[0].id)
}

fn reply_mail(from: &str, subject: &str, in_reply_to: Option<&str>, body: &str, id: &str) -> Vec<u8> {
    let irt = in_reply_to.map(|v| format!("In-Reply-To: {v}\r\nReferences: <older@elsewhere> {v}\r\n")).unwrap_or_default();
    format!(
        "From: {from}\r\nTo: sara@primehomes.ae\r\nSubject: {subject}\r\nDate: Sat, 07 Mar 2026 09:00:00 +0400\r\nMessage-ID: <{id}>\r\n{irt}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[test]
fn a_reply_from_the_leads_address_stops_its_campaign() {
    let (mut book, clock, ws) = book();
    let (lead, _) = lead_with_a_followup(&mut book, &clock, &ws);
    let raw = reply_mail("John <John.Smith@example.com>", "Re: your enquiry", None, "Yes please, Saturday works.\r\n\r\nOn Fri, Sara wrote:\r\n> Would you like a viewing?", "r1@example.com");
    let taken = book.take_mail(&ws, &raw).unwrap();
    let MailTaken::Reply { lead_id, .. } = taken else { panic!("{taken:?}") };
    assert_eq!(lead_id, lead);
    assert_eq!(book.enrolments(&ws, lead).unwrap()[0].state, "stopped");
    let replies = timeline_kinds(&mut book, &ws, lead, "replied");
    assert_eq!(replies, vec!["Yes please, Saturday works. via email".to_string()], "the quoted text is left out");
    assert!(book.lead(&ws, lead).unwrap().last_inbound_at.is_some());
    assert_eq!(email_in::last_mail_of(book.conn(), &ws, lead).unwrap().as_deref(), Some("<r1@example.com>"));
}

#[test]
fn a_reply_naming_our_message_id_is_the_leads_reply_from_any_address() {
    let (mut book, clock, ws) = book();
    let (lead, message) = lead_with_a_followup(&mut book, &clock, &ws);
    let ours = email_in::message_id(&ws, message, "primehomes.ae");
    assert_eq!(email_in::outbox_of(book.conn(), &ws, &format!("<x@y> {ours}")).unwrap(), Some(message));
    let raw = reply_mail("j.smith.work@corp.example", "Re: Marina apartment", Some(&ours), "Call me tomorrow please", "r2@corp.example");
    let MailTaken::Reply { lead_id, .. } = book.take_mail(&ws, &raw).unwrap() else { panic!() };
    assert_eq!(lead_id, lead);
    assert_eq!(book.enrolments(&ws, lead).unwrap()[0].state, "stopped");
}

#[test]
fn an_answer_to_our_message_from_a_listed_senders_domain_is_a_reply_not_an_enquiry() {
    let (mut book, clock, ws) = book();
    let (lead, message) = lead_with_a_followup(&mut book, &clock, &ws);
    book.add_email_sender(&ws, "@example.com", None).unwrap();
    let ours = email_in::message_id(&ws, message, "primehomes.ae");
    let raw = reply_mail("john.smith@example.com", "Re: viewing", Some(&ours), "Name: John\r\nPhone: 0501234567\r\nSee you then", "r3@example.com");
    assert!(matches!(book.take_mail(&ws, &raw).unwrap(), MailTaken::Reply { lead_id, .. } if lead_id == lead));
}

#[test]
fn another_workspaces_message_ids_are_not_ours() {
    let (mut book, clock, ws) = book();
    let (_, message) = lead_with_a_followup(&mut book, &clock, &ws);
    let other = book.add_workspace("Agency", None).unwrap();
    let ours = email_in::message_id(&ws, message, "primehomes.ae");
    assert_eq!(email_in::outbox_of(book.conn(), &other, &ours).unwrap(), None);
    let forged = email_in::message_id(&other, message, "primehomes.ae");
    assert_eq!(email_in::outbox_of(book.conn(), &other, &forged).unwrap(), None, "no such message in that workspace");
}

#[test]
fn unsubscribe_in_the_subject_or_stop_in_three_languages_opts_out_of_email_only() {
    for (subject, body) in [("unsubscribe", ""), ("Re: hello", "STOP"), ("Re: hello", "إلغاء"), ("Re: hello", "لغو")] {
        let (mut book, clock, ws) = book();
        let (lead, _) = lead_with_a_followup(&mut book, &clock, &ws);
        let raw = reply_mail("john.smith@example.com", subject, None, body, "stop@example.com");
        assert_eq!(book.take_mail(&ws, &raw).unwrap(), MailTaken::OptedOut { lead_id: lead }, "{subject} / {body}");
        assert_eq!(book.lead(&ws, lead).unwrap().opt_outs, vec![Channel::Email], "{subject} / {body}");
    }
}

fn bounce_mail(original_id: &str, rcpt: &str) -> Vec<u8> {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.primehomes.ae>\r\nTo: sara@primehomes.ae\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Date: Sat, 07 Mar 2026 09:00:00 +0400\r\nMessage-ID: <bounce-1@mx.primehomes.ae>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\r\n\
--B1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n\r\n\
--B1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.primehomes.ae\r\n\r\nFinal-Recipient: rfc822; {rcpt}\r\n\
Original-Recipient: rfc822;{rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown\r\n\r\n\
--B1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Sara Ahmed <sara@primehomes.ae>\r\nTo: {rcpt}\r\nSubject: Your enquiry\r\nMessage-ID: {original_id}\r\n\r\n--B1--\r\n"
    )
    .into_bytes()
}

#[test]
fn a_bounce_makes_the_address_unusable_and_fails_the_sent_message() {
    let (mut book, clock, ws) = book();
    let (lead, message) = lead_with_a_followup(&mut book, &clock, &ws);
    // The message went out by email.
    book.write(|tx, now| {
        assert!(leadbook_core::outbox::claim(tx, &ws, message, "email", now)?);
        leadbook_core::outbox::settle_sent_by(tx, &ws, message, Some("email"), "smtp-1", now)
    })
    .unwrap();
    let ours = email_in::message_id(&ws, message, "primehomes.ae");
    let taken = book.take_mail(&ws, &bounce_mail(&ours, "john.smith@example.com")).unwrap();
    assert_eq!(taken, MailTaken::Bounce { lead_id: lead, outbox_id: Some(message) });
    assert_eq!(book.lead(&ws, lead).unwrap().unusable_channels, vec![Channel::Email]);
    let m = book.outbox(&ws, None, Some(lead)).unwrap().into_iter().find(|m| m.id == message).unwrap();
    assert_eq!(m.status, MessageStatus::Failed);
    assert!(m.error.as_deref().unwrap().contains("550 5.1.1"), "{:?}", m.error);
}

#[test]
fn a_bounce_naming_no_message_of_ours_finds_the_lead_by_its_final_recipient() {
    let (mut book, _, ws) = book();
    let lead = enquiry_lead(&book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap());
    let taken = book.take_mail(&ws, &bounce_mail("<someone-else@example.org>", "john.smith@example.com")).unwrap();
    assert_eq!(taken, MailTaken::Bounce { lead_id: lead, outbox_id: None });
    assert_eq!(book.lead(&ws, lead).unwrap().unusable_channels, vec![Channel::Email]);
}

#[test]
fn each_mail_is_taken_once_with_or_without_a_message_id() {
    let (mut book, _, ws) = book();
    let raw = fixture("dubizzle-enquiry.eml");
    assert!(matches!(book.take_mail(&ws, &raw).unwrap(), MailTaken::Enquiry { .. }));
    assert_eq!(book.take_mail(&ws, &raw).unwrap(), MailTaken::AlreadySeen);
    let text = String::from_utf8(raw).unwrap();
    let without_id: String = text.lines().filter(|l| !l.starts_with("Message-ID")).map(|l| format!("{l}\n")).collect();
    let second = book.take_mail(&ws, without_id.as_bytes()).unwrap();
    assert!(matches!(second, MailTaken::Enquiry { .. }), "a new mail to us: {second:?}");
    assert_eq!(book.take_mail(&ws, without_id.as_bytes()).unwrap(), MailTaken::AlreadySeen);
    assert_eq!(book.lead_enquiries(&ws, 1).unwrap().len(), 2);
}

#[test]
fn mail_from_strangers_and_automatic_answers_is_ignored() {
    let (mut book, _, ws) = book();
    let raw = reply_mail("newsletter@shop.example", "Sale!", None, "50% off", "n1@shop.example");
    assert!(matches!(book.take_mail(&ws, &raw).unwrap(), MailTaken::Ignored { .. }));
    let lead = enquiry_lead(&book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap());
    let ooo = String::from_utf8(reply_mail("john.smith@example.com", "Out of office", None, "I am away until Monday.", "ooo@example.com"))
        .unwrap()
        .replace("MIME-Version", "Auto-Submitted: auto-replied\r\nMIME-Version");
    assert!(matches!(book.take_mail(&ws, ooo.as_bytes()).unwrap(), MailTaken::Ignored { .. }));
    assert!(book.lead(&ws, lead).unwrap().last_inbound_at.is_none());
}

#[test]
fn email_senders_are_listed_canonical_and_removed() {
    let (mut book, _, ws) = book();
    let s = book.add_email_sender(&ws, "  Leads@Agency.AE ", Some(Portal::Bayut)).unwrap();
    assert_eq!((s.pattern.as_str(), s.portal), ("leads@agency.ae", Some(Portal::Bayut)));
    book.add_email_sender(&ws, "@forms.agency.ae", None).unwrap();
    let list = book.email_senders(&ws).unwrap();
    assert_eq!(list.iter().filter(|s| !s.builtin).map(|s| s.pattern.as_str()).collect::<Vec<_>>(), vec!["@forms.agency.ae", "leads@agency.ae"]);
    assert!(list.iter().any(|s| s.builtin && s.pattern == "no-reply@propertyfinder.ae"));
    for bad in ["agency", "@", "@nodot", "a@", "@bad_domain.ae"] {
        assert_eq!(book.add_email_sender(&ws, bad, None).unwrap_err().field(), Some("pattern"), "{bad}");
    }
    book.remove_email_sender(&ws, "LEADS@agency.ae").unwrap();
    assert_eq!(book.remove_email_sender(&ws, "leads@agency.ae").unwrap_err().code(), "not_found");
    assert_eq!(book.remove_email_sender(&ws, "noreply@bayut.com").unwrap_err().code(), "validation", "a portal's own sender stays");
}

#[test]
fn every_new_table_is_kept_per_workspace() {
    let (mut book, _, ws) = book();
    let other = book.add_workspace("Agency", None).unwrap();
    // Senders: listed in one, nobody's in the other.
    book.add_email_sender(&ws, "@primehomes.ae", None).unwrap();
    assert!(book.email_senders(&other).unwrap().iter().all(|s| s.builtin));
    assert!(matches!(book.take_mail(&other, &fixture("form-arabic.eml")).unwrap(), MailTaken::Ignored { .. }));
    assert_eq!(book.remove_email_sender(&other, "@primehomes.ae").unwrap_err().code(), "not_found");
    // Unparsed mail: the other workspace neither sees nor resolves it.
    let MailTaken::Unparsed { id } = book.take_mail(&ws, &fixture("pf-unparsable.eml")).unwrap() else { panic!() };
    assert!(book.unparsed_mail(&other, true).unwrap().is_empty());
    assert_eq!(book.dismiss_unparsed(&other, id).unwrap_err().code(), "not_found");
    assert_eq!(book.add_unparsed_as_lead(&other, id, &LeadInput { name: Some("X".into()), ..Default::default() }).unwrap_err().code(), "not_found");
    // Portal lead ids and enquiries: the same id in the other workspace is a new lead there.
    let mine = book.take_enquiry(&ws, &api_enquiry("pf-1", NOW)).unwrap();
    let theirs = book.take_enquiry(&other, &api_enquiry("pf-1", NOW)).unwrap();
    assert!(theirs.new_lead && !theirs.repeat);
    assert_ne!(mine.lead_id, theirs.lead_id);
    assert_eq!(book.lead_enquiries(&other, mine.lead_id).unwrap_err().code(), "not_found");
    // Seen mail: the same mail is new to the other workspace.
    let raw = fixture("pf-enquiry.eml");
    book.take_mail(&ws, &raw).unwrap();
    assert_ne!(book.take_mail(&other, &raw).unwrap(), MailTaken::AlreadySeen);
}

#[test]
fn a_merge_by_hand_keeps_the_enquiries_of_both_leads() {
    let (mut book, _, ws) = book();
    let a = enquiry_lead(&book.take_mail(&ws, &fixture("pf-enquiry.eml")).unwrap());
    let b = enquiry_lead(&book.take_mail(&ws, &fixture("bayut-enquiry.eml")).unwrap());
    book.merge_leads(&ws, a, b).unwrap();
    assert_eq!(book.lead_enquiries(&ws, a).unwrap().len(), 2);
}

// --- bad input: a clear outcome, never a panic, never an error -------------------------------

/// A dubizzle enquiry with a brochure attached that makes the mail 30 MB.
fn thirty_mb_mail() -> Vec<u8> {
    let head = "From: dubizzle <no-reply@email.dubizzle.com>\r\nTo: sara@primehomes.ae\r\nSubject: dubizzle - someone is interested in your villa\r\n\
Message-ID: <big-1@email.dubizzle.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n--X\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nName: Big Mail\r\nTelephone: 0501231234\r\n\r\n--X\r\nContent-Type: application/pdf\r\n\
Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"brochure.pdf\"\r\n\r\n";
    let mut raw = head.as_bytes().to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while raw.len() < 30 * 1024 * 1024 {
        raw.extend_from_slice(line);
    }
    raw.extend_from_slice(b"--X--\r\n");
    raw
}

#[test]
fn a_30_mb_message_is_read_up_to_its_cap_and_its_enquiry_still_taken() {
    let (mut book, _, ws) = book();
    let raw = thirty_mb_mail();
    let taken = book.take_mail(&ws, &raw).unwrap();
    let lead = book.lead(&ws, enquiry_lead(&taken)).unwrap();
    assert_eq!(lead.phone.as_deref(), Some("+971501231234"));
}

#[test]
fn a_portal_mail_without_a_text_part_is_kept_unparsed() {
    let (mut book, _, ws) = book();
    let raw = "From: no-reply@propertyfinder.ae\r\nSubject: propertyfinder.ae - Contact\r\nMessage-ID: <att-only@pf>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"Z\"\r\n\r\n--Z\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--Z--\r\n";
    let MailTaken::Unparsed { id } = book.take_mail(&ws, raw.as_bytes()).unwrap() else { panic!() };
    let kept = &book.unparsed_mail(&ws, false).unwrap()[0];
    assert_eq!(kept.id, id);
    assert!(kept.reason.contains("no text"), "{}", kept.reason);
}

#[test]
fn broken_mime_and_garbage_bytes_have_an_outcome() {
    let (mut book, _, ws) = book();
    // A boundary that never comes: the text before it is still read.
    let broken = "From: noreply@bayut.com\r\nSubject: Bayut Sale Inquiry\r\nMessage-ID: <broken@bayut>\r\nContent-Type: multipart/alternative; boundary=\"never\"\r\n\r\n\
--never\r\nContent-Type: text/plain\r\n\r\nName: Broken Mime\r\nPhone: 050 111 2222\r\n";
    let taken = book.take_mail(&ws, broken.as_bytes()).unwrap();
    assert!(matches!(taken, MailTaken::Enquiry { .. }), "{taken:?}");
    // Quoted-printable cut off mid-part: the number cannot be read, the mail is kept for the agent.
    let cut = broken.replace("<broken@bayut>", "<broken-2@bayut>").replace("\r\n\r\nName", "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nName")
        .replace("050 111 2222", "05=3");
    assert!(matches!(book.take_mail(&ws, cut.as_bytes()).unwrap(), MailTaken::Unparsed { .. }));
    for garbage in [&b""[..], b"\x00\x01\x02\xff\xfe", b"no colon here at all", b"\r\n\r\n\r\n"] {
        let taken = book.take_mail(&ws, garbage).unwrap();
        assert!(matches!(taken, MailTaken::Ignored { .. } | MailTaken::AlreadySeen), "{garbage:?}: {taken:?}");
    }
}

#[test]
fn an_rfc2047_arabic_subject_is_decoded_in_the_unparsed_list() {
    let (mut book, _, ws) = book();
    book.add_email_sender(&ws, "forms@primehomes.ae", None).unwrap();
    // The Arabic form with its contact lines gone: nothing to make a lead of.
    let text = "From: forms@primehomes.ae\r\nSubject: =?UTF-8?B?2KfYs9iq2YHYs9in2LEg2KzYr9mK2K8=?=\r\nMessage-ID: <ar-subj@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nمرحبا\r\n";
    let MailTaken::Unparsed { .. } = book.take_mail(&ws, text.as_bytes()).unwrap() else { panic!() };
    assert_eq!(book.unparsed_mail(&ws, false).unwrap()[0].subject.as_deref(), Some("استفسار جديد"));
}

#[test]
fn truncated_and_garbled_fixtures_never_panic_nor_fail() {
    let (mut book, _, ws) = book();
    book.add_email_sender(&ws, "@primehomes.ae", None).unwrap();
    let files = ["pf-enquiry.eml", "pf-call.eml", "bayut-enquiry.eml", "bayut-call.eml", "dubizzle-enquiry.eml", "dubizzle-call.eml", "form-arabic.eml", "form-persian.eml", "pf-unparsable.eml"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in files {
        let raw = fixture(f);
        for cut in (0..raw.len()).step_by(37) {
            book.take_mail(&ws, &raw[..cut]).unwrap_or_else(|e| panic!("{f} cut at {cut}: {e}"));
        }
        for _ in 0..60 {
            let mut g = raw.clone();
            for _ in 0..8 {
                let i = (next() as usize) % g.len();
                g[i] = next() as u8;
            }
            book.take_mail(&ws, &g).unwrap_or_else(|e| panic!("{f} garbled: {e}"));
        }
    }
}


#[test]
fn a_bounce_returning_the_whole_message_is_read_too() {
    let (mut book, clock, ws) = book();
    let (lead, message) = lead_with_a_followup(&mut book, &clock, &ws);
    let ours = email_in::message_id(&ws, message, "primehomes.ae");
    let raw = String::from_utf8(bounce_mail(&ours, "john.smith@example.com"))
        .unwrap()
        .replace("Content-Type: text/rfc822-headers\r\n\r\n", "Content-Type: message/rfc822\r\n\r\n")
        .replace("Message-ID: <leadbook", "Content-Type: text/plain\r\nMessage-ID: <leadbook")
        .replace("\r\n\r\n--B1--", "\r\n\r\nHello John, your viewing?\r\n\r\n--B1--");
    assert_eq!(book.take_mail(&ws, raw.as_bytes()).unwrap(), MailTaken::Bounce { lead_id: lead, outbox_id: Some(message) });
}

#[test]
fn an_html_only_reply_is_read_without_its_quoted_thread() {
    let (mut book, clock, ws) = book();
    let (lead, _) = lead_with_a_followup(&mut book, &clock, &ws);
    let raw = "From: john.smith@example.com\r\nTo: sara@primehomes.ae\r\nSubject: Re: viewing\r\nMessage-ID: <html-reply@example.com>\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div dir=\"ltr\">Sunday at 5 is good &amp; thanks</div><br>\
<div class=\"gmail_quote\"><div>On Sat, 7 Mar 2026, Sara &lt;sara@primehomes.ae&gt; wrote:</div><blockquote>Would you like a viewing?</blockquote></div>\r\n";
    let MailTaken::Reply { lead_id, .. } = book.take_mail(&ws, raw.as_bytes()).unwrap() else { panic!() };
    assert_eq!(lead_id, lead);
    assert_eq!(timeline_kinds(&mut book, &ws, lead, "replied"), vec!["Sunday at 5 is good & thanks via email".to_string()]);
}

const CHILD_ENV: &str = "LEADBOOK_MAIL_CHILD";

/// Not a test of its own: the body the child process runs (it does nothing in a normal run).
#[test]
fn child_takes_a_30_mb_mail() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    let (mut book, _, ws) = book();
    let raw = thirty_mb_mail();
    let taken = book.take_mail(&ws, &raw).unwrap();
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    println!("TAKEN {} PEAK_KIB {}", matches!(taken, MailTaken::Enquiry { .. }), usage.ru_maxrss);
}

#[test]
fn taking_a_30_mb_mail_costs_a_few_times_its_size_at_most() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_takes_a_30_mb_mail", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = text.lines().find_map(|l| l.split_once("TAKEN ").map(|(_, a)| a)).unwrap_or_else(|| panic!("no answer: {text}"));
    let (taken, peak) = line.split_once(" PEAK_KIB ").unwrap();
    assert_eq!(taken, "true");
    let peak_mib = peak.trim().parse::<u64>().unwrap() / 1024;
    // The mail itself is 30 MB; only its first 4 MB are parsed, the attachment never decoded.
    assert!(peak_mib < 120, "peak {peak_mib} MiB");
}

#[test]
fn a_listed_domain_covers_its_subdomains_and_an_address_names_its_portal() {
    let (mut book, _, ws) = book();
    book.add_email_sender(&ws, "@primehomes.ae", None).unwrap();
    let sub = String::from_utf8(fixture("form-persian.eml")).unwrap().replace("forms@primehomes.ae", "wp@forms.primehomes.ae");
    assert!(matches!(book.take_mail(&ws, sub.as_bytes()).unwrap(), MailTaken::Enquiry { .. }));
    // A portal address Leadbook does not know yet, listed with its portal: its leads are that portal's.
    book.add_email_sender(&ws, "leads@bayut-mailer.example", Some(Portal::Bayut)).unwrap();
    let moved = String::from_utf8(fixture("bayut-enquiry.eml")).unwrap().replace("noreply@bayut.com", "leads@bayut-mailer.example");
    let id = enquiry_lead(&book.take_mail(&ws, moved.as_bytes()).unwrap());
    assert_eq!(book.lead(&ws, id).unwrap().source, Source::Bayut);
}

#[test]
fn a_mail_read_ahead_is_taken_as_the_senders_listed_when_it_is_taken_say() {
    use leadbook_core::clock::Clock;
    use leadbook_core::enquiries::senders::Listed;
    let (mut book, clock, ws) = book();
    let form = String::from_utf8(fixture("form-persian.eml")).unwrap().replace("forms@primehomes.ae", "leads@bayut-mailer.example");
    // Read while the address is listed as Bayut's…
    book.add_email_sender(&ws, "leads@bayut-mailer.example", Some(Portal::Bayut)).unwrap();
    let listed = Listed::read(book.conn(), &ws).unwrap();
    let as_bayut = email_in::read(&ws, form.as_bytes(), Some(&listed));
    let renamed_form = renamed(form.as_bytes(), "second@primehomes.ae");
    let as_bayut_too = email_in::read(&ws, &renamed_form, Some(&listed));
    // …then listed as no portal's: the lead is a web form's, as the book says now.
    book.add_email_sender(&ws, "leads@bayut-mailer.example", None).unwrap();
    let id = enquiry_lead(&email_in::take_read(book.conn(), &ws, as_bayut, clock.now()).unwrap());
    assert_eq!(book.lead(&ws, id).unwrap().source, Source::Email);
    // …and no longer listed at all: a stranger's mail, ignored.
    book.remove_email_sender(&ws, "leads@bayut-mailer.example").unwrap();
    let taken = email_in::take_read(book.conn(), &ws, as_bayut_too, clock.now()).unwrap();
    assert!(matches!(taken, MailTaken::Ignored { .. }), "{taken:?}");
}
