//! The `leadbook-test-servers` binary: one JSON line of URLs, then serving until stdin closes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{basic, get, post_json};
use serde_json::{json, Value};

#[test]
fn the_binary_prints_its_urls_and_stops_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadbook-test-servers"))
        .args([
            "--telegram-token",
            "42:TOKEN",
            "--telegram-username=acme_bot",
            "--telegram-rate",
            "30",
        ])
        .args([
            "--whatsapp-token",
            "EAAx",
            "--phone-number-id",
            "555",
            "--approve-template",
            "viewing_reminder",
        ])
        .args(["--twilio-sid", "AC1", "--twilio-token", "tok"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let urls: Value = serde_json::from_str(&line).unwrap();
    let url = |name: &str| urls[name].as_str().unwrap().to_string();

    let me = get(&url("telegram"), "/bot42:TOKEN/getMe", &[]);
    assert_eq!(me.body["result"]["username"], "acme_bot");
    let template = json!({"messaging_product": "whatsapp", "to": "971501234567", "type": "template",
                          "template": {"name": "viewing_reminder", "language": {"code": "en_US"}}});
    assert_eq!(
        post_json(
            &url("whatsapp"),
            "/v21.0/555/messages",
            &[("Authorization", "Bearer EAAx")],
            &template
        )
        .status,
        200
    );
    assert_eq!(
        get(
            &url("twilio"),
            "/2010-04-01/Accounts/AC1/Messages.json",
            &[("Authorization", &basic("AC1", "tok"))]
        )
        .status,
        200
    );

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running after stdin closed"
        );
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
}

#[test]
fn the_binary_refuses_unknown_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_leadbook-test-servers"))
        .arg("--nope")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown option --nope"));
}
