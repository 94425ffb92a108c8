//! Black-box tests of compliance evidence on the command line (SPEC §14 and §9): the Do Not
//! Call Register, consent, a listing's permit added later, and the contact report — JSON with
//! the exit codes of SPEC §9. No channel is set up: messages become the agent's to send by
//! hand, which the gate asks about first.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{db, run_at, Run};

/// Monday 2 March 2026, 10:00 in Dubai.
const NOW: &str = "2026-03-02T06:00:00Z";

fn leadbook(db: &Path, args: &[&str]) -> Run {
    run_at(db, NOW, args)
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let r = leadbook(db, args);
    assert_eq!(r.code, 0, "{args:?}: {:?}", r.stderr);
    r.stdout
}

fn statuses(db: &Path) -> Vec<(String, Option<String>)> {
    ok(db, &["outbox", "list"]).as_array().unwrap().iter().map(|m| (m["status"].as_str().unwrap().to_string(), m["held_for"].as_str().map(String::from))).collect()
}

#[test]
fn dncr_import_holds_marketing_to_a_listed_number_and_the_report_says_why() {
    let (dir, db) = db();
    let listed = ok(&db, &["lead", "add", "--name", "Listed", "--phone", "+971 50 111 2222", "--locations", "JVC"])["id"].to_string();
    ok(&db, &["lead", "add", "--name", "Free", "--phone", "050 333 4444", "--locations", "JVC"]);
    let file = dir.path().join("register.csv");
    std::fs::write(&file, "Number\n00971501112222\n0509990000\nnot a number\n").unwrap();
    let r = ok(&db, &["dncr", "import", file.to_str().unwrap()]);
    assert_eq!((r["numbers"].as_u64(), r["leads_affected"].as_u64(), r["refused"].as_u64()), (Some(2), Some(1), Some(1)));
    assert_eq!(ok(&db, &["dncr", "show"])["numbers"].as_u64(), Some(2));
    assert_eq!(ok(&db, &["consent", "show", &listed])["dncr"], true);

    ok(&db, &["property", "add", "--title", "JVC 1BR", "--location", "JVC", "--price", "900000", "--permit", "71234567890"]);
    ok(&db, &["outbox", "send"]);
    let mut s = statuses(&db);
    s.sort();
    assert_eq!(s, [("held".to_string(), Some("dncr".to_string())), ("queued".to_string(), None)], "the free lead's alert is the agent's to send by hand");

    let report = dir.path().join("march.csv");
    let r = ok(&db, &["compliance", "report", report.to_str().unwrap(), "--from", "2026-03-01", "--to", "2026-03-31"]);
    assert_eq!((r["contacts"].as_u64(), r["held"].as_u64()), (Some(0), Some(1)));
    assert_eq!(r["path"].as_str(), Some(report.to_str().unwrap()));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("Listed") && text.contains("dncr") && text.contains("Do Not Call Register"), "{text}");

    let bad = leadbook(&db, &["compliance", "report", report.to_str().unwrap(), "--from", "March"]);
    assert_eq!((bad.code, bad.stderr["field"].as_str()), (2, Some("from")));
    let missing = leadbook(&db, &["dncr", "import", dir.path().join("nope.csv").to_str().unwrap()]);
    assert_ne!(missing.code, 0);
}

#[test]
fn a_listing_without_a_permit_holds_its_alerts_until_property_update_adds_one() {
    let (_dir, db) = db();
    ok(&db, &["lead", "add", "--name", "Buyer", "--phone", "0501112222", "--locations", "JVC"]);
    let id = ok(&db, &["property", "add", "--title", "JVC 1BR", "--location", "JVC", "--price", "900000"])["id"].to_string();
    ok(&db, &["outbox", "send"]);
    assert_eq!(statuses(&db), [("held".to_string(), Some("no_permit".to_string()))]);
    let p = ok(&db, &["property", "update", &id, "--permit", "71234567890"]);
    assert_eq!((p["permit"].as_str(), p["price"].as_i64(), p["title"].as_str()), (Some("71234567890"), Some(900_000), Some("JVC 1BR")), "only the permit changed");
    assert_eq!(statuses(&db), [("queued".to_string(), None)]);
    let body = ok(&db, &["outbox", "list"])[0]["body"].as_str().unwrap().to_string();
    assert!(body.contains("71234567890"), "the alert now carries its permit: {body}");
}

#[test]
fn consent_set_show_and_withdraw_and_bad_input_is_refused() {
    let (_dir, db) = db();
    let id = ok(&db, &["lead", "add", "--name", "Sara", "--email", "sara@example.com"])["id"].to_string();
    let c = ok(&db, &["consent", "set", &id, "email"]);
    assert_eq!((c[0]["channel"].as_str(), c[0]["source"].as_str()), (Some("email"), Some("verbal")));
    assert_eq!(ok(&db, &["consent", "show", &id])["consents"].as_array().unwrap().len(), 1);
    assert!(ok(&db, &["consent", "withdraw", &id, "email"]).as_array().unwrap().is_empty());
    let r = leadbook(&db, &["consent", "set", &id, "fax"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("channel")));
    let r = leadbook(&db, &["consent", "set", &id, "sms", "--source", "guess"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("source")));
    let r = leadbook(&db, &["consent", "set", "999", "sms"]);
    assert_eq!(r.stderr["code"].as_str(), Some("not_found"));
}
