//! The WhatsApp Cloud API stand-in, driven over real TCP.

mod common;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{post_json, request, try_post_json};
use leadbook_test_servers::{WaSent, WhatsApp};
use serde_json::{json, Value};

const TOKEN: &str = "EAAtesttoken";
const PHONE_ID: &str = "106540352242922";
const AUTH: (&str, &str) = ("Authorization", "Bearer EAAtesttoken");

fn path(version: &str, id: &str) -> String {
    format!("/{version}/{id}/messages")
}

fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
           "text": {"preview_url": false, "body": body}})
}

fn template(to: &str, name: &str, params: &[&str]) -> Value {
    let parameters: Vec<Value> = params
        .iter()
        .map(|p| json!({"type": "text", "text": p}))
        .collect();
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
           "template": {"name": name, "language": {"code": "en_US"},
                        "components": [{"type": "body", "parameters": parameters}]}})
}

fn send(wa: &WhatsApp, body: &Value) -> common::Response {
    post_json(&wa.base_url(), &path("v21.0", PHONE_ID), &[AUTH], body)
}

/// Checks the WhatsApp error shape and returns the message.
fn assert_error(response: &common::Response, status: u16, code: u64) -> String {
    assert_eq!(response.status, status, "{}", response.body);
    let error = &response.body["error"];
    assert_eq!(error["code"], code, "{}", response.body);
    assert_eq!(error["type"], "OAuthException");
    assert!(error["fbtrace_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    let message = error["message"].as_str().unwrap().to_string();
    if code > 1000 {
        assert!(message.starts_with(&format!("(#{code}) ")), "{message}");
        assert_eq!(error["error_data"]["messaging_product"], "whatsapp");
        assert!(error["error_data"]["details"].is_string());
    }
    message
}

#[test]
fn a_text_inside_the_window_is_accepted() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("+971501234567");
    let response = send(&wa, &text("+971501234567", "See you at 5"));
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["messaging_product"], "whatsapp");
    assert_eq!(
        response.body["contacts"],
        json!([{"input": "+971501234567", "wa_id": "971501234567"}])
    );
    let id = response.body["messages"][0]["id"].as_str().unwrap();
    assert!(id.starts_with("wamid."), "{id}");

    // The same number without the '+'.
    let again = send(&wa, &text("971501234567", "Or 6?"));
    assert_eq!(again.body["contacts"][0]["input"], "971501234567");
    assert_ne!(
        again.body["messages"][0]["id"],
        response.body["messages"][0]["id"]
    );
    assert_eq!(
        wa.sent(),
        vec![
            WaSent {
                to: "971501234567".into(),
                kind: "text".into(),
                body: Some("See you at 5".into()),
                template: None,
                language: None,
                params: vec![]
            },
            WaSent {
                to: "971501234567".into(),
                kind: "text".into(),
                body: Some("Or 6?".into()),
                template: None,
                language: None,
                params: vec![]
            },
        ]
    );
}

#[test]
fn a_text_outside_the_window_gets_131047() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    let message = assert_error(&send(&wa, &text("+971501234567", "Hello")), 400, 131047);
    assert_eq!(message, "(#131047) Re-engagement message");
    wa.customer_wrote("971501234567");
    assert_eq!(send(&wa, &text("+971501234567", "Hello")).status, 200);
    wa.close_window("+971501234567");
    assert_error(&send(&wa, &text("+971501234567", "Hello")), 400, 131047);
    assert_eq!(wa.sent().len(), 1);
}

#[test]
fn an_approved_template_is_accepted_anytime_and_others_get_132001() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    let message = assert_error(
        &send(
            &wa,
            &template("971501234567", "viewing_reminder", &["Aisha"]),
        ),
        404,
        132001,
    );
    assert_eq!(
        message,
        "(#132001) Template name does not exist in the translation"
    );
    wa.approve_template("viewing_reminder");
    let response = send(
        &wa,
        &template("971501234567", "viewing_reminder", &["Aisha", "Thursday"]),
    );
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["contacts"][0]["wa_id"], "971501234567");
    assert_eq!(
        wa.sent(),
        vec![WaSent {
            to: "971501234567".into(),
            kind: "template".into(),
            body: None,
            template: Some("viewing_reminder".into()),
            language: Some("en_US".into()),
            params: vec!["Aisha".into(), "Thursday".into()],
        }]
    );
}

#[test]
fn a_number_not_on_whatsapp_gets_131026() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.approve_template("hello");
    wa.not_on_whatsapp("+971 50 123 4567");
    wa.customer_wrote("971501234567");
    let message = assert_error(&send(&wa, &text("+971501234567", "hi")), 400, 131026);
    assert_eq!(message, "(#131026) Message undeliverable");
    assert_error(
        &send(&wa, &template("971501234567", "hello", &[])),
        400,
        131026,
    );
    assert!(wa.sent().is_empty());
}

#[test]
fn a_number_that_stopped_marketing_gets_131050_for_templates() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.approve_template("new_listing");
    wa.stopped_marketing("+971501234567");
    assert_error(
        &send(&wa, &template("971501234567", "new_listing", &[])),
        400,
        131050,
    );
    wa.customer_wrote("+971501234567");
    assert_eq!(
        send(&wa, &text("+971501234567", "Answering your question")).status,
        200
    );
    assert_eq!(wa.sent().len(), 1);
}

#[test]
fn an_expired_or_wrong_token_gets_401_code_190() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    wa.expire_token();
    let expired = send(&wa, &text("971501234567", "hi"));
    assert_error(&expired, 401, 190);
    assert_eq!(expired.body["error"]["error_subcode"], 463);
    assert!(expired.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Session has expired"));

    let wrong = post_json(
        &wa.base_url(),
        &path("v21.0", PHONE_ID),
        &[("Authorization", "Bearer nope")],
        &text("971501234567", "hi"),
    );
    assert_error(&wrong, 401, 190);
    let missing = post_json(
        &wa.base_url(),
        &path("v21.0", PHONE_ID),
        &[],
        &text("971501234567", "hi"),
    );
    assert_error(&missing, 401, 190);

    wa.set_token("EAAfresh");
    let fresh = post_json(
        &wa.base_url(),
        &path("v21.0", PHONE_ID),
        &[("Authorization", "Bearer EAAfresh")],
        &text("971501234567", "hi"),
    );
    assert_eq!(fresh.status, 200);
    assert_eq!(wa.sent().len(), 1);
}

#[test]
fn a_wrong_phone_number_id_gets_400_code_100() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    let response = post_json(
        &wa.base_url(),
        &path("v21.0", "999"),
        &[AUTH],
        &text("971501234567", "hi"),
    );
    let message = assert_error(&response, 400, 100);
    assert!(
        message.starts_with("Unsupported post request. Object with ID '999' does not exist"),
        "{message}"
    );
    assert!(wa.sent().is_empty());
}

#[test]
fn any_api_version_is_accepted_and_other_paths_are_not() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    for version in ["v17.0", "v21.0", "v23.0"] {
        let response = post_json(
            &wa.base_url(),
            &path(version, PHONE_ID),
            &[AUTH],
            &text("971501234567", "hi"),
        );
        assert_eq!(response.status, 200, "{version}");
    }
    let elsewhere = post_json(
        &wa.base_url(),
        &format!("/v21.0/{PHONE_ID}/media"),
        &[AUTH],
        &json!({}),
    );
    assert_eq!(elsewhere.status, 400);
    let get = request(
        &wa.base_url(),
        "GET",
        &path("v21.0", PHONE_ID),
        &[AUTH],
        b"",
    )
    .unwrap();
    assert_error(&get, 400, 100);
    assert_eq!(wa.sent().len(), 3);
}

#[test]
fn malformed_and_too_long_messages_get_400_code_100() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    let message = assert_error(
        &send(&wa, &text("971501234567", &"x".repeat(4097))),
        400,
        100,
    );
    assert!(message.starts_with("(#100)"), "{message}");
    assert_eq!(
        send(&wa, &text("971501234567", &"ع".repeat(4096))).status,
        200
    );
    assert_error(
        &send(
            &wa,
            &json!({"to": "971501234567", "type": "text", "text": {"body": "hi"}}),
        ),
        400,
        100,
    );
    assert_error(
        &send(
            &wa,
            &json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}),
        ),
        400,
        100,
    );
    assert_error(
        &send(
            &wa,
            &json!({"messaging_product": "whatsapp", "to": "971501234567", "type": "text"}),
        ),
        400,
        100,
    );
    let garbage = request(
        &wa.base_url(),
        "POST",
        &path("v21.0", PHONE_ID),
        &[AUTH, ("Content-Type", "application/json")],
        b"{not json",
    )
    .unwrap();
    assert_error(&garbage, 400, 100);
    assert_eq!(wa.sent().len(), 1);
}

#[test]
fn the_rate_limit_answers_429_code_130429() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    wa.limit_rate(3);
    for _ in 0..3 {
        assert_eq!(send(&wa, &text("971501234567", "hi")).status, 200);
    }
    let message = assert_error(&send(&wa, &text("971501234567", "hi")), 429, 130429);
    assert_eq!(message, "(#130429) Rate limit hit");
    assert_eq!(wa.rejected_429(), 1);
    assert_eq!(wa.sent().len(), 3);
}

#[test]
fn fail_next_and_drop_after_receive() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    wa.fail_next(
        1,
        503,
        json!({"error": {"message": "Service temporarily unavailable", "code": 2}}),
    );
    let failed = send(&wa, &text("971501234567", "one"));
    assert_eq!(failed.status, 503);
    assert_eq!(failed.body["error"]["code"], 2);
    assert!(wa.sent().is_empty());

    wa.drop_after_receive(1);
    let lost = try_post_json(
        &wa.base_url(),
        &path("v21.0", PHONE_ID),
        &[AUTH],
        &text("971501234567", "two"),
    );
    assert!(lost.is_err());
    assert_eq!(wa.sent().len(), 1);
    assert_eq!(send(&wa, &text("971501234567", "three")).status, 200);
    assert_eq!(wa.sent().len(), 2);
    assert_eq!(wa.requests(), 3);
}

#[test]
fn delay_down_and_up() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.customer_wrote("971501234567");
    wa.delay(Duration::from_millis(400));
    let started = Instant::now();
    assert_eq!(send(&wa, &text("971501234567", "slow")).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    wa.delay(Duration::ZERO);

    let port = wa.port();
    wa.down();
    assert_eq!(
        TcpStream::connect(("127.0.0.1", port)).unwrap_err().kind(),
        ErrorKind::ConnectionRefused
    );
    thread::sleep(Duration::from_millis(50));
    wa.up();
    assert_eq!(send(&wa, &text("971501234567", "back")).status, 200);
    assert_eq!(wa.sent().len(), 2);
}

#[test]
fn a_declared_template_refuses_another_language_132001_and_another_parameter_count_132000() {
    let wa = WhatsApp::start(TOKEN, PHONE_ID);
    wa.declare_template("viewing_reminder", &["en_US", "fa"], 2);
    let send = |language: &str, params: &[&str]| {
        let parameters: Vec<Value> = params.iter().map(|p| json!({"type": "text", "text": p})).collect();
        post_json(
            &wa.base_url(),
            &format!("/v21.0/{PHONE_ID}/messages"),
            &[("authorization", &format!("Bearer {TOKEN}"))],
            &json!({"messaging_product": "whatsapp", "to": "971501234567", "type": "template",
                "template": {"name": "viewing_reminder", "language": {"code": language},
                    "components": [{"type": "body", "parameters": parameters}]}}),
        )
    };
    let r = send("ar", &["Aisha", "Thursday"]);
    assert_eq!((r.status, r.body["error"]["code"].clone()), (404, json!(132001)), "{}", r.body);
    let r = send("fa", &["Aisha"]);
    assert_eq!((r.status, r.body["error"]["code"].clone()), (400, json!(132000)), "{}", r.body);
    assert!(wa.sent().is_empty());
    assert_eq!(send("fa", &["Aisha", "Thursday"]).status, 200);
    assert_eq!(wa.sent()[0].language.as_deref(), Some("fa"));
}
