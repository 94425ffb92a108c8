//! Black-box tests of `leadbook email …`: lead senders, taking mail files in, the unparsed list.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{db, run_at, Run};

fn leadbook(db: &Path, args: &[&str]) -> Run {
    run_at(db, "2026-03-06T12:00:00Z", args)
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/core/tests/fixtures/mail").join(name).to_string_lossy().into_owned()
}

#[test]
fn email_senders_add_list_and_remove_print_json() {
    let (_d, db) = db();
    let r = leadbook(&db, &["email", "senders", "add", "Leads@Agency.ae", "--portal", "bayut"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!(r.stdout["pattern"], "leads@agency.ae");
    assert_eq!(r.stdout["portal"], "bayut");
    assert_eq!(r.stdout["builtin"], false);
    let r = leadbook(&db, &["email", "senders", "add", "@forms.agency.ae"]);
    assert_eq!((r.code, &r.stdout["portal"]), (0, &Value::Null));

    let r = leadbook(&db, &["email", "senders", "list"]);
    assert_eq!(r.code, 0);
    let listed: Vec<&str> = r.stdout.as_array().unwrap().iter().filter(|s| s["builtin"] == false).map(|s| s["pattern"].as_str().unwrap()).collect();
    assert_eq!(listed, vec!["@forms.agency.ae", "leads@agency.ae"]);
    assert!(r.stdout.as_array().unwrap().iter().any(|s| s["pattern"] == "noreply@bayut.com" && s["portal"] == "bayut"));

    let r = leadbook(&db, &["email", "senders", "remove", "leads@agency.ae"]);
    assert_eq!((r.code, &r.stdout["removed"]), (0, &Value::from("leads@agency.ae")));
    let r = leadbook(&db, &["email", "senders", "remove", "leads@agency.ae"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
}

#[test]
fn a_bad_sender_or_portal_is_a_validation_error() {
    let (_d, db) = db();
    let r = leadbook(&db, &["email", "senders", "add", "not an address"]);
    assert_eq!((r.code, r.stderr["code"].as_str(), r.stderr["field"].as_str()), (2, Some("validation"), Some("pattern")));
    let r = leadbook(&db, &["email", "senders", "add", "a@b.ae", "--portal", "craigslist"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("portal")));
    assert!(r.stderr["message"].as_str().unwrap().contains("property_finder, bayut, dubizzle"));
}

#[test]
fn email_take_reads_mail_files_and_email_unparsed_lists_what_could_not_be_read() {
    let (_d, db) = db();
    let r = leadbook(&db, &["email", "take", &fixture("pf-enquiry.eml"), &fixture("pf-unparsable.eml")]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    let taken = r.stdout.as_array().unwrap();
    assert_eq!(taken[0]["taken"]["outcome"], "enquiry");
    assert_eq!(taken[0]["taken"]["new_lead"], true);
    assert_eq!(taken[1]["taken"]["outcome"], "unparsed");

    let r = leadbook(&db, &["lead", "list", "--source", "property_finder"]);
    assert_eq!(r.stdout[0]["name"], "John Smith");

    let r = leadbook(&db, &["email", "unparsed"]);
    assert_eq!(r.code, 0);
    let list = r.stdout.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["from"], "no-reply@propertyfinder.ae");
    assert_eq!(list[0]["subject"], "Your listing is live");
    assert_eq!(list[0]["resolved"], false);
    assert!(list[0]["raw_text"].as_str().unwrap().contains("now live"));
    let id = list[0]["id"].as_i64().unwrap().to_string();

    let r = leadbook(&db, &["email", "dismiss", &id]);
    assert_eq!((r.code, &r.stdout["resolved"]), (0, &Value::Bool(true)));
    assert_eq!(leadbook(&db, &["email", "unparsed"]).stdout, serde_json::json!([]));
    assert_eq!(leadbook(&db, &["email", "unparsed", "--all"]).stdout.as_array().unwrap().len(), 1);

    // The same file again: taken once.
    let r = leadbook(&db, &["email", "take", &fixture("pf-enquiry.eml")]);
    assert_eq!(r.stdout[0]["taken"]["outcome"], "already_seen");
}

#[test]
fn email_take_of_a_missing_file_says_which() {
    let (_d, db) = db();
    let r = leadbook(&db, &["email", "take", "/nonexistent/mail.eml"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("file")));
    assert!(r.stderr["message"].as_str().unwrap().contains("/nonexistent/mail.eml"));
}
