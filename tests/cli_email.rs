//! Black-box tests of `leadbook email …`: lead senders, taking mail files in, the unparsed list.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: Value,
    stderr: Value,
}

fn leadbook(db: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_leadbook"))
        .args(["--db", db.to_str().unwrap(), "--now", "2026-03-06T12:00:00Z"])
        .args(args)
        .env("LEADBOOK_SECRET_STORE", "file")
        .env_remove("LEADBOOK_DB")
        .env_remove("LEADBOOK_NOW")
        .env_remove("LEADBOOK_WORKSPACE")
        .output()
        .expect("the leadbook binary runs");
    let parse = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        if s.trim().is_empty() { Value::Null } else { serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}")) }
    };
    Run { code: out.status.code().unwrap_or(-1), stdout: parse(&out.stdout), stderr: parse(&out.stderr) }
}

fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadbook.db");
    (dir, path)
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
