//! The Telegram Bot API stand-in, driven over real TCP.

mod common;

use std::io::ErrorKind;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{get, post_form, post_json, request, try_post_json};
use leadbook_test_servers::{Telegram, TgSent, TgUser};
use serde_json::{json, Value};

const TOKEN: &str = "123456:ABC-test";

fn send(tg: &Telegram, chat_id: Value, text: &str) -> common::Response {
    post_json(
        &tg.base_url(),
        &format!("/bot{TOKEN}/sendMessage"),
        &[],
        &json!({"chat_id": chat_id, "text": text}),
    )
}

fn updates(tg: &Telegram, query: &str) -> common::Response {
    get(
        &tg.base_url(),
        &format!("/bot{TOKEN}/getUpdates?{query}"),
        &[],
    )
}

fn assert_error(response: &common::Response, code: u16, description: &str) {
    assert_eq!(response.status, code, "{}", response.body);
    assert_eq!(
        response.body,
        json!({"ok": false, "error_code": code, "description": description})
    );
}

#[test]
fn get_me_describes_the_bot() {
    let tg = Telegram::start(TOKEN);
    assert!(tg.base_url().starts_with("http://127.0.0.1:") && !tg.base_url().ends_with('/'));
    assert_eq!(tg.base_url(), format!("http://127.0.0.1:{}", tg.port()));
    let response = get(&tg.base_url(), &format!("/bot{TOKEN}/getMe"), &[]);
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({"ok": true, "result": {
            "id": 7000000001u64, "is_bot": true, "first_name": "Leadbook Test", "username": "leadbook_test_bot",
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
        }})
    );
    tg.set_bot_username("acme_realty_bot");
    let response = post_json(
        &tg.base_url(),
        &format!("/bot{TOKEN}/getMe"),
        &[],
        &json!({}),
    );
    assert_eq!(response.body["result"]["username"], "acme_realty_bot");
}

#[test]
fn method_names_are_case_insensitive_and_parameters_come_from_query_form_or_json() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    assert_eq!(get(&base, &format!("/bot{TOKEN}/GETME"), &[]).status, 200);
    let by_query = get(
        &base,
        &format!("/bot{TOKEN}/SendMessage?chat_id=11&text=from%20the%20query"),
        &[],
    );
    assert_eq!(by_query.status, 200, "{}", by_query.body);
    let by_form = post_form(
        &base,
        &format!("/bot{TOKEN}/sendmessage"),
        &[],
        &[("chat_id", "12"), ("text", "from a form")],
    );
    assert_eq!(by_form.status, 200, "{}", by_form.body);
    let by_json = send(&tg, json!(13), "from JSON");
    assert_eq!(by_json.status, 200);
    let sent: Vec<(i64, String)> = tg.sent().into_iter().map(|m| (m.chat_id, m.text)).collect();
    assert_eq!(
        sent,
        vec![
            (11, "from the query".into()),
            (12, "from a form".into()),
            (13, "from JSON".into())
        ]
    );
}

#[test]
fn a_wrong_token_gets_401_and_an_unknown_method_404() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    assert_error(&get(&base, "/bot999:WRONG/getMe", &[]), 401, "Unauthorized");
    assert_error(
        &post_json(
            &base,
            "/bot999:WRONG/sendMessage",
            &[],
            &json!({"chat_id": 1, "text": "x"}),
        ),
        401,
        "Unauthorized",
    );
    assert_error(
        &get(&base, &format!("/bot{TOKEN}/sendPhotograph"), &[]),
        404,
        "Not Found",
    );
    assert_error(&get(&base, "/getMe", &[]), 404, "Not Found");
    assert!(tg.sent().is_empty());
}

#[test]
fn send_message_returns_the_message_with_increasing_ids() {
    let tg = Telegram::start(TOKEN);
    let first = send(&tg, json!(336435018), "Hello Ray");
    assert_eq!(first.status, 200);
    let message = &first.body["result"];
    assert_eq!(first.body["ok"], true);
    assert_eq!(message["from"]["id"], 7000000001u64);
    assert_eq!(message["from"]["is_bot"], true);
    assert_eq!(message["chat"]["id"], 336435018);
    assert_eq!(message["chat"]["type"], "private");
    assert!(message["chat"]["first_name"].is_string());
    assert_eq!(message["text"], "Hello Ray");
    assert!(message["date"].as_i64().is_some_and(|d| d > 1_700_000_000));

    let second = send(&tg, json!("336435018"), "Chat id as a string");
    assert_eq!(second.status, 200);
    let (a, b) = (
        message["message_id"].as_i64().unwrap(),
        second.body["result"]["message_id"].as_i64().unwrap(),
    );
    assert!(b > a);
    assert_eq!(
        tg.sent(),
        vec![
            TgSent {
                chat_id: 336435018,
                text: "Hello Ray".into(),
                message_id: a
            },
            TgSent {
                chat_id: 336435018,
                text: "Chat id as a string".into(),
                message_id: b
            },
        ]
    );
}

#[test]
fn send_message_validates_chat_and_text() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    assert_error(
        &send(&tg, json!(1), ""),
        400,
        "Bad Request: message text is empty",
    );
    assert_error(
        &send(&tg, json!(1), "  \n "),
        400,
        "Bad Request: message text is empty",
    );
    assert_error(
        &send(&tg, json!(1), &"x".repeat(4097)),
        400,
        "Bad Request: message is too long",
    );
    assert_eq!(
        send(&tg, json!(1), &"ع".repeat(4096)).status,
        200,
        "4096 characters, not bytes, fit"
    );
    let no_chat = post_json(
        &base,
        &format!("/bot{TOKEN}/sendMessage"),
        &[],
        &json!({"text": "hi"}),
    );
    assert_error(&no_chat, 400, "Bad Request: chat_id is empty");
    assert_error(
        &send(&tg, json!("@nobody"), "hi"),
        400,
        "Bad Request: chat not found",
    );
    let malformed = request(
        &base,
        "POST",
        &format!("/bot{TOKEN}/sendMessage"),
        &[("Content-Type", "application/json")],
        b"{\"chat_id\": 1, \"text\": ",
    )
    .unwrap();
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["ok"], false);
    assert_eq!(tg.sent().len(), 1);
}

#[test]
fn unknown_blocked_and_deactivated_chats_are_refused() {
    let tg = Telegram::start(TOKEN);
    tg.unknown_chat(1);
    tg.block(2);
    tg.deactivate(3);
    assert_error(
        &send(&tg, json!(1), "hi"),
        400,
        "Bad Request: chat not found",
    );
    assert_error(
        &send(&tg, json!(2), "hi"),
        403,
        "Forbidden: bot was blocked by the user",
    );
    assert_error(
        &send(&tg, json!(3), "hi"),
        403,
        "Forbidden: user is deactivated",
    );
    assert_eq!(send(&tg, json!(4), "hi").status, 200);
    assert_eq!(tg.sent().len(), 1);
}

#[test]
fn the_overall_limit_answers_429_with_retry_after_and_records_nothing() {
    let tg = Telegram::start(TOKEN);
    // Off by default.
    for i in 0..40 {
        assert_eq!(send(&tg, json!(i), "burst").status, 200);
    }
    tg.limit_rate(2);
    assert_eq!(send(&tg, json!(100), "a").status, 200);
    assert_eq!(send(&tg, json!(101), "b").status, 200);
    let refused = send(&tg, json!(102), "c");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["ok"], false);
    assert_eq!(refused.body["error_code"], 429);
    let retry_after = refused.body["parameters"]["retry_after"].as_u64().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(
        refused.body["description"],
        format!("Too Many Requests: retry after {retry_after}")
    );
    assert_eq!(tg.rejected_429(), 1);
    assert_eq!(tg.sent().len(), 42);
    thread::sleep(Duration::from_millis(600)); // 2 a second: a token is back after 0.5 s
    assert_eq!(send(&tg, json!(102), "c").status, 200);
    tg.limit_rate(0);
    for i in 0..10 {
        assert_eq!(send(&tg, json!(i), "off again").status, 200);
    }
}

#[test]
fn the_per_chat_limit_holds_back_one_chat_only() {
    let tg = Telegram::start(TOKEN);
    tg.limit_per_chat(1);
    assert_eq!(send(&tg, json!(1), "first").status, 200);
    let refused = send(&tg, json!(1), "second");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["parameters"]["retry_after"], 1);
    assert_eq!(send(&tg, json!(2), "another chat").status, 200);
    assert_eq!(tg.rejected_429(), 1);
    assert_eq!(
        tg.sent()
            .iter()
            .map(|m| m.text.as_str())
            .collect::<Vec<_>>(),
        ["first", "another chat"]
    );
}

#[test]
fn get_updates_returns_real_update_json() {
    let tg = Telegram::start(TOKEN);
    assert_eq!(updates(&tg, "").body, json!({"ok": true, "result": []}));

    let ray = TgUser {
        language_code: Some("en".into()),
        ..TgUser::new(336435018, "Ray")
    };
    let first = tg.push_message(ray, "Thursday works");
    let second = tg.push_message(
        TgUser {
            last_name: Some("Khan".into()),
            username: Some("aisha_k".into()),
            ..TgUser::new(5001, "Aisha")
        },
        "/start lead-42",
    );
    assert_eq!(first, 544181547);
    assert_eq!(second, first + 1);

    let response = updates(&tg, "timeout=0");
    assert_eq!(response.status, 200);
    let mut result = response.body["result"].clone();
    let message_ids: Vec<Value> = result
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["message"]["message_id"].clone())
        .collect();
    for update in result.as_array_mut().unwrap() {
        assert!(update["message"]["date"]
            .as_i64()
            .is_some_and(|d| d > 1_700_000_000));
        update["message"]["date"] = json!(0);
    }
    assert_eq!(
        result,
        json!([
            {"update_id": 544181547, "message": {
                "message_id": message_ids[0],
                "from": {"id": 336435018, "is_bot": false, "first_name": "Ray", "language_code": "en"},
                "chat": {"id": 336435018, "first_name": "Ray", "type": "private"},
                "date": 0, "text": "Thursday works"}},
            {"update_id": 544181548, "message": {
                "message_id": message_ids[1],
                "from": {"id": 5001, "is_bot": false, "first_name": "Aisha", "last_name": "Khan", "username": "aisha_k"},
                "chat": {"id": 5001, "first_name": "Aisha", "last_name": "Khan", "username": "aisha_k", "type": "private"},
                "date": 0, "text": "/start lead-42",
                "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}},
        ])
    );
    // A chat that wrote has its name in sendMessage's answer.
    assert_eq!(
        send(&tg, json!(5001), "Welcome").body["result"]["chat"]["first_name"],
        "Aisha"
    );
}

#[test]
fn offset_confirms_updates_and_limit_caps_the_batch() {
    let tg = Telegram::start(TOKEN);
    let ids: Vec<i64> = (0..5)
        .map(|i| tg.push_message(TgUser::new(7, "Sam"), &format!("m{i}")))
        .collect();
    let ids_of = |response: common::Response| -> Vec<i64> {
        response.body["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["update_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids_of(updates(&tg, "limit=2")), ids[..2]);
    assert_eq!(
        ids_of(updates(&tg, "")),
        ids,
        "unconfirmed updates are given again"
    );
    assert_eq!(
        ids_of(updates(&tg, &format!("offset={}&limit=2", ids[2]))),
        ids[2..4]
    );
    assert_eq!(
        ids_of(updates(&tg, "")),
        ids[2..],
        "ids below the offset are forgotten"
    );
    let by_json = post_json(
        &tg.base_url(),
        &format!("/bot{TOKEN}/getUpdates"),
        &[],
        &json!({"offset": ids[4] + 1}),
    );
    assert_eq!(by_json.body, json!({"ok": true, "result": []}));
    assert_eq!(
        ids_of(updates(&tg, "limit=0")),
        Vec::<i64>::new(),
        "nothing left"
    );
}

#[test]
fn a_long_poll_waits_for_an_update() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    let started = Instant::now();
    let poll =
        thread::spawn(move || get(&base, &format!("/bot{TOKEN}/getUpdates?timeout=10"), &[]));
    thread::sleep(Duration::from_millis(300));
    tg.push_message(TgUser::new(9, "Omar"), "Is it still available?");
    let response = poll.join().unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(
        response.body["result"][0]["message"]["text"],
        "Is it still available?"
    );
}

#[test]
fn a_long_poll_ends_empty_at_its_timeout() {
    let tg = Telegram::start(TOKEN);
    let started = Instant::now();
    let response = updates(&tg, "timeout=1");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.body, json!({"ok": true, "result": []}));
}

#[test]
fn a_second_get_updates_during_a_long_poll_gets_409() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    let poll =
        thread::spawn(move || get(&base, &format!("/bot{TOKEN}/getUpdates?timeout=10"), &[]));
    thread::sleep(Duration::from_millis(300));
    assert_error(
        &updates(&tg, "timeout=0"),
        409,
        "Conflict: terminated by other long poll or webhook",
    );
    tg.push_message(TgUser::new(9, "Omar"), "hello");
    assert_eq!(
        poll.join().unwrap().body["result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        updates(&tg, "").status,
        200,
        "the poll is over: no more conflict"
    );
}

#[test]
fn requests_counts_every_http_request() {
    let tg = Telegram::start(TOKEN);
    get(&tg.base_url(), &format!("/bot{TOKEN}/getMe"), &[]);
    get(&tg.base_url(), "/bot1:WRONG/getMe", &[]);
    get(&tg.base_url(), "/nowhere", &[]);
    send(&tg, json!(1), "");
    assert_eq!(tg.requests(), 4);
}

#[test]
fn set_token_refuses_the_old_token() {
    let tg = Telegram::start(TOKEN);
    tg.set_token("654321:NEW");
    assert_error(
        &get(&tg.base_url(), &format!("/bot{TOKEN}/getMe"), &[]),
        401,
        "Unauthorized",
    );
    assert_eq!(get(&tg.base_url(), "/bot654321:NEW/getMe", &[]).status, 200);
}

#[test]
fn fail_next_answers_the_next_sends_as_told() {
    let tg = Telegram::start(TOKEN);
    let body = json!({"ok": false, "error_code": 502, "description": "Bad Gateway"});
    tg.fail_next(2, 502, body.clone());
    assert_eq!(
        get(&tg.base_url(), &format!("/bot{TOKEN}/getMe"), &[]).status,
        200,
        "only sends fail"
    );
    for _ in 0..2 {
        let response = send(&tg, json!(1), "hi");
        assert_eq!((response.status, &response.body), (502, &body));
    }
    assert_eq!(send(&tg, json!(1), "hi").status, 200);
    assert_eq!(tg.sent().len(), 1);
}

#[test]
fn delay_holds_the_answer_but_records_on_arrival() {
    let tg = Telegram::start(TOKEN);
    tg.delay(Duration::from_millis(800));
    let base = tg.base_url();
    let started = Instant::now();
    let sending = thread::spawn(move || {
        post_json(
            &base,
            &format!("/bot{TOKEN}/sendMessage"),
            &[],
            &json!({"chat_id": 1, "text": "slow"}),
        )
    });
    thread::sleep(Duration::from_millis(300));
    assert_eq!(tg.sent().len(), 1, "recorded before the answer");
    assert!(!sending.is_finished());
    assert_eq!(sending.join().unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_millis(800));
    tg.delay(Duration::ZERO);
    let started = Instant::now();
    send(&tg, json!(1), "fast");
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn drop_after_receive_records_then_hangs_up() {
    let tg = Telegram::start(TOKEN);
    tg.drop_after_receive(1);
    let path = format!("/bot{TOKEN}/sendMessage");
    assert_eq!(
        send(&tg, json!(1), "").status,
        400,
        "a refused send is answered"
    );
    let lost = try_post_json(
        &tg.base_url(),
        &path,
        &[],
        &json!({"chat_id": 1, "text": "did it arrive?"}),
    );
    assert!(lost.is_err(), "no answer expected");
    assert_eq!(tg.sent().len(), 1);
    assert_eq!(tg.sent()[0].text, "did it arrive?");
    assert_eq!(send(&tg, json!(1), "again").status, 200);
    assert_eq!(tg.sent().len(), 2);
}

#[test]
fn down_refuses_and_drops_connections_and_up_listens_on_the_same_port() {
    let tg = Telegram::start(TOKEN);
    let base = tg.base_url();
    let port = tg.port();
    let poll = {
        let base = base.clone();
        thread::spawn(move || {
            request(
                &base,
                "GET",
                &format!("/bot{TOKEN}/getUpdates?timeout=20"),
                &[],
                b"",
            )
        })
    };
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    tg.down();
    assert!(poll.join().unwrap().is_err(), "the open long poll is cut");
    assert!(started.elapsed() < Duration::from_secs(5));
    let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    tg.down(); // twice is harmless
    tg.up();
    assert_eq!(tg.port(), port);
    assert_eq!(get(&base, &format!("/bot{TOKEN}/getMe"), &[]).status, 200);
    tg.up(); // twice is harmless
    assert_eq!(send(&tg, json!(1), "back").status, 200);
    assert_eq!(
        updates(&tg, "").status,
        200,
        "the cut poll no longer blocks getUpdates"
    );
}

#[test]
fn dropping_the_server_frees_its_port() {
    let tg = Telegram::start(TOKEN);
    let port = tg.port();
    drop(tg);
    assert_eq!(
        TcpStream::connect(("127.0.0.1", port)).unwrap_err().kind(),
        ErrorKind::ConnectionRefused
    );
}

#[test]
fn get_updates_is_refused_while_a_webhook_is_set_until_delete_webhook() {
    let tg = Telegram::start(TOKEN);
    tg.push_message(TgUser::new(5, "Ray"), "hi");
    let set = post_json(&tg.base_url(), &format!("/bot{TOKEN}/setWebhook"), &[], &json!({"url": "https://example.com/hook"}));
    assert_eq!(set.body["result"], json!(true));
    assert_error(
        &updates(&tg, "timeout=0"),
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    let info = get(&tg.base_url(), &format!("/bot{TOKEN}/getWebhookInfo"), &[]);
    assert_eq!(info.body["result"]["url"], json!("https://example.com/hook"));
    let deleted = post_json(&tg.base_url(), &format!("/bot{TOKEN}/deleteWebhook"), &[], &json!({}));
    assert_eq!(deleted.body, json!({"ok": true, "result": true, "description": "Webhook was deleted"}));
    assert_eq!(tg.webhook(), None);
    let got = updates(&tg, "timeout=0");
    assert_eq!(got.body["result"][0]["message"]["text"], json!("hi"), "pending updates were kept");
}

#[test]
fn with_require_start_a_bot_cannot_write_first() {
    let tg = Telegram::start(TOKEN);
    tg.require_start();
    assert_error(&send(&tg, json!(42), "hello"), 403, "Forbidden: bot can't initiate conversation with a user");
    tg.push_message(TgUser::new(42, "Ray"), "/start abc");
    assert_eq!(send(&tg, json!(42), "hello").status, 200, "once the user pressed Start");
}

#[test]
fn a_voice_note_a_photo_a_document_a_location_and_a_contact_are_real_message_json() {
    let tg = Telegram::start(TOKEN);
    let user = TgUser::new(7, "Ray");
    tg.push_voice(user.clone(), 4);
    tg.push_photo(user.clone(), Some("the view"));
    tg.push_document(user.clone(), "passport.pdf", None);
    tg.push_location(user.clone(), 25.08, 55.14);
    tg.push_contact(user, "+971501234567", "Omar");
    let got = updates(&tg, "timeout=0").body;
    let m = |i: usize| got["result"][i]["message"].clone();
    assert_eq!(m(0)["voice"]["duration"], json!(4));
    assert_eq!(m(0)["chat"]["id"], json!(7));
    assert!(m(0).get("text").is_none());
    assert_eq!((m(1)["photo"].as_array().map(Vec::len), m(1)["caption"].clone()), (Some(3), json!("the view")));
    assert_eq!(m(2)["document"]["file_name"], json!("passport.pdf"));
    assert_eq!(m(3)["location"], json!({"latitude": 25.08, "longitude": 55.14}));
    assert_eq!(m(4)["contact"], json!({"phone_number": "+971501234567", "first_name": "Omar"}));
}
