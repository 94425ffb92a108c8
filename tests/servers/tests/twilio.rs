//! The Twilio Messaging stand-in, driven over real TCP.

mod common;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{basic, get, post_form, request, try_post_form};
use leadbook_test_servers::{Fate, TwSent, Twilio};
use serde_json::{json, Value};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "secret-token";
const OURS: &str = "+14155550100";

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{SID}/Messages.json")
}

fn send(tw: &Twilio, fields: &[(&str, &str)]) -> common::Response {
    post_form(
        &tw.base_url(),
        &messages_path(),
        &[("Authorization", &basic(SID, TOKEN))],
        fields,
    )
}

fn sms(tw: &Twilio, to: &str, body: &str) -> common::Response {
    send(tw, &[("To", to), ("From", OURS), ("Body", body)])
}

fn list(tw: &Twilio, query: &str) -> common::Response {
    get(
        &tw.base_url(),
        &format!("{}?{query}", messages_path()),
        &[("Authorization", &basic(SID, TOKEN))],
    )
}

fn assert_error(response: &common::Response, status: u16, code: u64) -> String {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.body["code"], code, "{}", response.body);
    assert_eq!(response.body["status"], status);
    assert_eq!(
        response.body["more_info"],
        format!("https://www.twilio.com/docs/errors/{code}")
    );
    response.body["message"].as_str().unwrap().to_string()
}

fn is_rfc2822(date: &Value) -> bool {
    // "Tue, 26 Jul 2016 12:50:07 +0000"
    let s = date.as_str().unwrap_or("");
    let parts: Vec<&str> = s.split(' ').collect();
    parts.len() == 6
        && parts[0].ends_with(',')
        && parts[1].len() == 2
        && parts[3].len() == 4
        && parts[4].len() == 8
        && parts[5] == "+0000"
}

fn bodies(response: &common::Response) -> Vec<String> {
    response.body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", response.body))
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_send_returns_201_with_the_message_resource() {
    let tw = Twilio::start(SID, TOKEN);
    let response = sms(&tw, "+971501234567", "Your viewing is at 5");
    assert_eq!(response.status, 201, "{}", response.body);
    let m = &response.body;
    let sid = m["sid"].as_str().unwrap();
    assert!(
        sid.starts_with("SM") && sid.len() == 34 && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{sid}"
    );
    assert_eq!(m["account_sid"], SID);
    assert_eq!(m["api_version"], "2010-04-01");
    assert_eq!(m["to"], "+971501234567");
    assert_eq!(m["from"], OURS);
    assert_eq!(m["body"], "Your viewing is at 5");
    assert_eq!(m["status"], "queued");
    assert_eq!(m["direction"], "outbound-api");
    assert_eq!(m["num_segments"], "1");
    assert_eq!(m["num_media"], "0");
    assert!(m["error_code"].is_null() && m["error_message"].is_null() && m["date_sent"].is_null());
    assert!(is_rfc2822(&m["date_created"]), "{}", m["date_created"]);
    assert_eq!(
        m["uri"],
        format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json")
    );
    assert_eq!(
        tw.sent(),
        vec![TwSent {
            to: "+971501234567".into(),
            from: OURS.into(),
            body: "Your viewing is at 5".into(),
            sid: sid.into()
        }]
    );
    let second = sms(&tw, "+971501234567", &"long ".repeat(40));
    assert_eq!(second.body["num_segments"], "2");
    assert_ne!(second.body["sid"], m["sid"]);
}

#[test]
fn whatsapp_numbers_and_messaging_services_are_accepted() {
    let tw = Twilio::start(SID, TOKEN);
    let wa = send(
        &tw,
        &[
            ("To", "whatsapp:+971501234567"),
            ("From", "whatsapp:+14155238886"),
            ("Body", "Hi Aisha"),
        ],
    );
    assert_eq!(wa.status, 201, "{}", wa.body);
    assert_eq!(wa.body["to"], "whatsapp:+971501234567");
    let service = send(
        &tw,
        &[
            ("To", "+971501234567"),
            ("MessagingServiceSid", "MG0123"),
            ("Body", "Hi"),
        ],
    );
    assert_eq!(service.status, 201, "{}", service.body);
    assert_eq!(service.body["messaging_service_sid"], "MG0123");
    assert!(service.body["from"].is_null());
    assert_eq!(service.body["status"], "accepted");
    let sent = tw.sent();
    assert_eq!(
        (sent[0].to.as_str(), sent[0].from.as_str()),
        ("whatsapp:+971501234567", "whatsapp:+14155238886")
    );
    assert_eq!(sent[1].from, "MG0123");
}

#[test]
fn bad_credentials_get_401_code_20003() {
    let tw = Twilio::start(SID, TOKEN);
    let fields = [("To", "+971501234567"), ("From", OURS), ("Body", "hi")];
    let wrong = post_form(
        &tw.base_url(),
        &messages_path(),
        &[("Authorization", &basic(SID, "nope"))],
        &fields,
    );
    assert_eq!(assert_error(&wrong, 401, 20003), "Authenticate");
    assert_error(
        &post_form(&tw.base_url(), &messages_path(), &[], &fields),
        401,
        20003,
    );
    assert_error(
        &post_form(
            &tw.base_url(),
            &messages_path(),
            &[("Authorization", "Basic %%%")],
            &fields,
        ),
        401,
        20003,
    );
    let other_account = "/2010-04-01/Accounts/ACbbbb/Messages.json";
    assert_error(
        &post_form(
            &tw.base_url(),
            other_account,
            &[("Authorization", &basic(SID, TOKEN))],
            &fields,
        ),
        401,
        20003,
    );
    assert_error(&get(&tw.base_url(), &messages_path(), &[]), 401, 20003);
    tw.set_token("rotated");
    assert_error(&sms(&tw, "+971501234567", "hi"), 401, 20003);
    assert!(tw.sent().is_empty());
}

#[test]
fn an_invalid_to_gets_21211() {
    let tw = Twilio::start(SID, TOKEN);
    let message = assert_error(&sms(&tw, "0501234567", "hi"), 400, 21211);
    assert_eq!(
        message,
        "The 'To' number 0501234567 is not a valid phone number."
    );
    assert_error(&sms(&tw, "+0501234567", "hi"), 400, 21211);
    assert_error(&sms(&tw, "+12345", "hi"), 400, 21211);
    assert_error(&sms(&tw, "whatsapp:971501234567", "hi"), 400, 21211);
    tw.invalid("+971509999999");
    assert_error(&sms(&tw, "+971509999999", "hi"), 400, 21211);
    assert_error(&sms(&tw, "whatsapp:+971509999999", "hi"), 400, 21211);
    assert!(tw.sent().is_empty());
}

#[test]
fn unsubscribed_and_landline_recipients_are_refused() {
    let tw = Twilio::start(SID, TOKEN);
    tw.unsubscribed("+971501234567");
    tw.not_mobile("+97142345678");
    let message = assert_error(&sms(&tw, "+971501234567", "hi"), 400, 21610);
    assert_eq!(message, "Attempt to send to unsubscribed recipient");
    assert_error(&sms(&tw, "+97142345678", "hi"), 400, 21614);
    assert!(tw.sent().is_empty());
}

#[test]
fn missing_fields_and_long_bodies_are_refused() {
    let tw = Twilio::start(SID, TOKEN);
    let message = assert_error(
        &send(&tw, &[("To", "+971501234567"), ("From", OURS)]),
        400,
        21602,
    );
    assert_eq!(message, "Message body is required.");
    assert_error(
        &send(
            &tw,
            &[("To", "+971501234567"), ("From", OURS), ("Body", "")],
        ),
        400,
        21602,
    );
    assert_error(&send(&tw, &[("From", OURS), ("Body", "hi")]), 400, 21604);
    assert_error(
        &send(&tw, &[("To", "+971501234567"), ("Body", "hi")]),
        400,
        21603,
    );
    assert_error(&sms(&tw, "+971501234567", &"x".repeat(1601)), 400, 21617);
    assert_eq!(sms(&tw, "+971501234567", &"x".repeat(1600)).status, 201);
    assert_eq!(tw.sent().len(), 1);
}

#[test]
fn the_rate_limit_answers_429_code_20429() {
    let tw = Twilio::start(SID, TOKEN);
    tw.limit_rate(2);
    assert_eq!(sms(&tw, "+971501234567", "1").status, 201);
    assert_eq!(sms(&tw, "+971501234567", "2").status, 201);
    assert_eq!(
        assert_error(&sms(&tw, "+971501234567", "3"), 429, 20429),
        "Too Many Requests"
    );
    assert_eq!(tw.rejected_429(), 1);
    assert_eq!(tw.sent().len(), 2);
}

#[test]
fn the_list_is_newest_first_with_directions_and_filters() {
    let tw = Twilio::start(SID, TOKEN);
    let first = tw.push_inbound("+971501234567", OURS, "Is it available?");
    assert!(first.starts_with("SM") && first.len() == 34);
    sms(&tw, "+971501234567", "Yes it is");
    tw.push_inbound(
        "whatsapp:+971501234567",
        "whatsapp:+14155238886",
        "Via WhatsApp",
    );
    tw.push_inbound("+971509876543", OURS, "STOP");

    let all = list(&tw, "");
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        bodies(&all),
        ["STOP", "Via WhatsApp", "Yes it is", "Is it available?"]
    );
    let items = all.body["messages"].as_array().unwrap();
    assert_eq!(items[0]["direction"], "inbound");
    assert_eq!(items[0]["status"], "received");
    assert_eq!(items[2]["direction"], "outbound-api");
    assert_eq!(items[3]["sid"], first.as_str());
    assert_eq!(items[3]["from"], "+971501234567");
    assert_eq!(items[3]["to"], OURS);
    assert!(items.iter().all(|m| is_rfc2822(&m["date_sent"])));
    assert_eq!(all.body["page"], 0);
    assert_eq!(all.body["page_size"], 50);
    assert_eq!(all.body["start"], 0);
    assert_eq!(all.body["end"], 3);
    assert!(all.body["next_page_uri"].is_null() && all.body["previous_page_uri"].is_null());
    assert_eq!(
        all.body["first_page_uri"],
        format!("/2010-04-01/Accounts/{SID}/Messages.json?PageSize=50&Page=0")
    );

    let to_us = list(&tw, "To=%2B14155550100");
    assert_eq!(bodies(&to_us), ["STOP", "Is it available?"]);
    let to_our_whatsapp = list(&tw, "To=whatsapp%3A%2B14155238886");
    assert_eq!(bodies(&to_our_whatsapp), ["Via WhatsApp"]);
    let from_lead = list(&tw, "From=%2B971501234567");
    assert_eq!(bodies(&from_lead), ["Is it available?"]);
    assert_eq!(list(&tw, "To=%2B10000000000").body["messages"], json!([]));
}

#[test]
fn date_sent_filters_by_utc_day() {
    let tw = Twilio::start(SID, TOKEN);
    let day = 86_400;
    let march_1 = 1_772_323_200; // 2026-03-01T00:00:00Z
    tw.push_inbound_at("+971501234567", OURS, "february", march_1 - 1);
    tw.push_inbound_at("+971501234567", OURS, "march 1st", march_1 + 10 * 3600);
    tw.push_inbound_at("+971501234567", OURS, "march 3rd", march_1 + 2 * day);

    assert_eq!(
        bodies(&list(&tw, "To=%2B14155550100&DateSent%3E=2026-03-01")),
        ["march 3rd", "march 1st"]
    );
    assert_eq!(bodies(&list(&tw, "DateSent%3e=2026-03-02")), ["march 3rd"]);
    assert_eq!(
        bodies(&list(&tw, "DateSent%3C=2026-03-01")),
        ["march 1st", "february"]
    );
    assert_eq!(bodies(&list(&tw, "DateSent=2026-03-01")), ["march 1st"]);
    assert_eq!(
        bodies(&list(&tw, "DateSent%3E=2026-03-01T10:00:01Z")),
        ["march 3rd"]
    );
    let first = &list(&tw, "DateSent=2026-03-01").body["messages"][0];
    assert_eq!(first["date_sent"], "Sun, 01 Mar 2026 10:00:00 +0000");
    assert_eq!(list(&tw, "DateSent%3E=March").status, 400);
}

#[test]
fn pages_follow_next_page_uri() {
    let tw = Twilio::start(SID, TOKEN);
    for i in 1..=5 {
        tw.push_inbound("+971501234567", OURS, &format!("m{i}"));
    }
    let auth = basic(SID, TOKEN);
    let first = list(&tw, "To=%2B14155550100&PageSize=2");
    assert_eq!(bodies(&first), ["m5", "m4"]);
    assert_eq!(first.body["page_size"], 2);
    let next = first.body["next_page_uri"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("/2010-04-01/Accounts/{SID}/Messages.json?To=%2B14155550100&PageSize=2&Page=1&PageToken=PA")),
        "{next}"
    );
    // A message arriving between pages does not shift the next page.
    tw.push_inbound("+971501234567", OURS, "m6");
    let second = get(&tw.base_url(), &next, &[("Authorization", &auth)]);
    assert_eq!(bodies(&second), ["m3", "m2"]);
    assert_eq!(
        (
            second.body["page"].clone(),
            second.body["start"].clone(),
            second.body["end"].clone()
        ),
        (json!(1), json!(2), json!(3))
    );
    assert!(second.body["previous_page_uri"].is_string());
    let third = get(
        &tw.base_url(),
        second.body["next_page_uri"].as_str().unwrap(),
        &[("Authorization", &auth)],
    );
    assert_eq!(bodies(&third), ["m1"]);
    assert!(third.body["next_page_uri"].is_null());
    // Page numbers alone work too; PageSize is capped at 1000.
    assert_eq!(bodies(&list(&tw, "PageSize=4&Page=1")), ["m2", "m1"]);
    assert_eq!(list(&tw, "PageSize=5000").body["page_size"], 1000);
}

#[test]
fn fail_next_drop_after_receive_delay_down_and_up() {
    let tw = Twilio::start(SID, TOKEN);
    tw.fail_next(1, 500, json!({"code": 20500, "message": "Internal Server Error", "more_info": "https://www.twilio.com/docs/errors/20500", "status": 500}));
    assert_eq!(list(&tw, "").status, 200, "listing is not a send");
    assert_error(&sms(&tw, "+971501234567", "one"), 500, 20500);
    assert!(tw.sent().is_empty());

    tw.drop_after_receive(1);
    let fields = [("To", "+971501234567"), ("From", OURS), ("Body", "two")];
    let lost = try_post_form(
        &tw.base_url(),
        &messages_path(),
        &[("Authorization", &basic(SID, TOKEN))],
        &fields,
    );
    assert!(lost.is_err());
    assert_eq!(tw.sent().len(), 1);
    assert_eq!(bodies(&list(&tw, "")), ["two"], "the provider has it");

    tw.delay(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(sms(&tw, "+971501234567", "three").status, 201);
    assert!(started.elapsed() >= Duration::from_millis(300));
    tw.delay(Duration::ZERO);

    tw.down();
    let refused = request(&tw.base_url(), "GET", &messages_path(), &[], b"")
        .err()
        .map(|e| e.kind());
    assert_eq!(refused, Some(ErrorKind::ConnectionRefused));
    assert!(TcpStream::connect(("127.0.0.1", tw.port())).is_err());
    tw.up();
    assert_eq!(sms(&tw, "+971501234567", "four").status, 201);
    assert_eq!(tw.sent().len(), 3);
    assert_eq!(tw.requests(), 6, "the refused connection is not a request");
}

#[test]
fn unknown_paths_get_404_code_20404() {
    let tw = Twilio::start(SID, TOKEN);
    let response = get(
        &tw.base_url(),
        &format!("/2010-04-01/Accounts/{SID}/Calls.json"),
        &[("Authorization", &basic(SID, TOKEN))],
    );
    assert_error(&response, 404, 20404);
}

fn fetch(tw: &Twilio, sid: &str, auth: (&str, &str)) -> common::Response {
    get(
        &tw.base_url(),
        &format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json"),
        &[("Authorization", &basic(auth.0, auth.1))],
    )
}

#[test]
fn a_sent_message_moves_queued_sent_delivered_when_fetched() {
    let tw = Twilio::start(SID, TOKEN);
    let sent = sms(&tw, "+971501234567", "Viewing at 5");
    let sid = sent.body["sid"].as_str().unwrap().to_string();
    assert_eq!(sent.body["status"], "queued");

    let first = fetch(&tw, &sid, (SID, TOKEN));
    assert_eq!(first.status, 200, "{}", first.body);
    let m = &first.body;
    assert_eq!((m["sid"].as_str(), m["status"].as_str()), (Some(sid.as_str()), Some("sent")));
    assert!(m["error_code"].is_null() && m["error_message"].is_null());
    assert!(is_rfc2822(&m["date_sent"]) && is_rfc2822(&m["date_updated"]), "{m}");
    assert_eq!(m["uri"], format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json"));
    assert_eq!(m["direction"], "outbound-api");

    assert_eq!(fetch(&tw, &sid, (SID, TOKEN)).body["status"], "delivered");
    // A final status stays.
    assert_eq!(fetch(&tw, &sid, (SID, TOKEN)).body["status"], "delivered");
    assert_eq!(tw.fetches(&sid), 3);
    assert_eq!(tw.status_of(&sid).as_deref(), Some("delivered"));
    assert_eq!(tw.sent().len(), 1, "fetching sends nothing");
}

#[test]
fn a_recipient_set_to_fail_ends_undelivered_or_failed_with_its_error_code() {
    let tw = Twilio::start(SID, TOKEN);
    tw.fate("+971501234567", Fate::Undelivered(30005));
    tw.fate("whatsapp:+971507654321", Fate::Failed(63016));
    let a = sms(&tw, "+971501234567", "one").body["sid"].as_str().unwrap().to_string();
    let b = send(&tw, &[("To", "whatsapp:+971507654321"), ("From", "whatsapp:+14155238886"), ("Body", "two")]).body["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let c = sms(&tw, "+971509999999", "three").body["sid"].as_str().unwrap().to_string();
    for sid in [&a, &b, &c] {
        let m = fetch(&tw, sid, (SID, TOKEN));
        assert_eq!(m.body["status"], "sent");
        assert!(m.body["error_code"].is_null(), "no code before the failure");
    }
    let a = fetch(&tw, &a, (SID, TOKEN)).body;
    assert_eq!((a["status"].as_str(), a["error_code"].as_u64()), (Some("undelivered"), Some(30005)));
    assert_eq!(a["error_message"], "Unknown destination handset");
    let b = fetch(&tw, &b, (SID, TOKEN)).body;
    assert_eq!((b["status"].as_str(), b["error_code"].as_u64()), (Some("failed"), Some(63016)));
    assert_eq!(fetch(&tw, &c, (SID, TOKEN)).body["status"], "delivered", "others are delivered");
}

#[test]
fn fetching_an_unknown_sid_is_404_20404_and_bad_auth_is_401_20003() {
    let tw = Twilio::start(SID, TOKEN);
    let sid = sms(&tw, "+971501234567", "x").body["sid"].as_str().unwrap().to_string();
    let missing = fetch(&tw, "SM00000000000000000000000000000000", (SID, TOKEN));
    let message = assert_error(&missing, 404, 20404);
    assert!(message.contains("/Messages/SM00000000000000000000000000000000.json"), "{message}");
    assert_error(&fetch(&tw, &sid, (SID, "wrong")), 401, 20003);
    // Another account's path, even with good credentials.
    let other = get(
        &tw.base_url(),
        &format!("/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Messages/{sid}.json"),
        &[("Authorization", &basic(SID, TOKEN))],
    );
    assert_error(&other, 401, 20003);
    assert_eq!(tw.fetches(&sid), 0, "refused fetches move nothing on");
    assert_eq!(tw.status_of(&sid).as_deref(), Some("queued"));
}

#[test]
fn a_list_set_to_fail_for_one_number_answers_500_until_it_works_again() {
    let tw = Twilio::start(SID, TOKEN);
    tw.push_inbound("+971501234567", OURS, "hi");
    tw.list_fails(OURS);
    let to = format!("To={}", OURS.replace('+', "%2B"));
    assert_error(&list(&tw, &to), 500, 20500);
    assert_eq!(list(&tw, "To=%2B14155550199").status, 200, "another number is listed");
    tw.list_works(OURS);
    assert_eq!(bodies(&list(&tw, &to)), ["hi"]);
}
