//! Black-box tests of the `leadbook` command line: run the binary, read its JSON and exit code.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{db, run_at, run_with_stdin, Run};

fn leadbook(db: &Path, args: &[&str]) -> Run {
    leadbook_at(db, "2026-03-02T08:00:00Z", args)
}

fn leadbook_at(db: &Path, now: &str, args: &[&str]) -> Run {
    run_at(db, now, args)
}

const LEAD_KEYS: &[&str] = &[
    "id", "name", "email", "phone", "whatsapp", "telegram_id", "telegram_username", "linkedin_url", "source", "budget_min",
    "budget_max", "locations", "property_type", "bedrooms", "purpose", "language", "status", "score", "grade", "created_at",
    "updated_at",
];

#[test]
fn lead_add_prints_the_outcome_and_merges_a_duplicate() {
    let (_d, db) = db();
    let r = leadbook(&db, &["lead", "add", "--name", "Aisha Khan", "--phone", "050-123 4567", "--budget-max", "2500000", "--locations", "JVC;Dubai Marina", "--type", "apartment", "--bedrooms", "2"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!(r.stdout["created"], true);
    assert_eq!(r.stdout["merged_into"], Value::Null);
    assert_eq!(r.stdout["score"], 50);
    assert_eq!(r.stdout["grade"], "B");
    let id = r.stdout["id"].as_i64().unwrap();

    let r = leadbook(&db, &["lead", "add", "--name", "A. Khan", "--whatsapp", "00971501234567", "--email", "Aisha@Example.ae"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout["created"], false);
    assert_eq!(r.stdout["merged_into"], id);
    assert_eq!(r.stdout["id"], id);
}

#[test]
fn lead_json_has_exactly_the_documented_keys_with_nulls_and_empty_lists() {
    let (_d, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Omar"]);
    let r = leadbook(&db, &["lead", "list"]);
    assert_eq!(r.code, 0);
    let lead = &r.stdout[0];
    for k in LEAD_KEYS {
        assert!(lead.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(lead["email"], Value::Null);
    assert_eq!(lead["locations"], serde_json::json!([]));
    assert_eq!(lead["source"], "manual");
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["created_at"], "2026-03-02T08:00:00Z");
}

#[test]
fn lead_show_adds_the_breakdown_and_timeline() {
    let (_d, db) = db();
    let id = leadbook(&db, &["lead", "add", "--name", "Layla", "--phone", "0501234567", "--source", "referral"]).stdout["id"].clone();
    let r = leadbook(&db, &["lead", "show", &id.to_string()]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout["score_breakdown"], serde_json::json!([{"factor":"phone","points":15},{"factor":"source","points":15}]));
    assert_eq!(r.stdout["timeline"][0]["kind"], "created");
    assert!(r.stdout["timeline"][0]["at"].is_string());
}

#[test]
fn a_validation_error_is_json_on_stderr_with_exit_code_2_and_writes_nothing() {
    let (_d, db) = db();
    let r = leadbook(&db, &["lead", "add", "--name", "Aisha", "--email", "not-an-email"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, Value::Null);
    assert_eq!(r.stderr["code"], "validation");
    assert_eq!(r.stderr["field"], "email");
    assert!(r.stderr["message"].as_str().unwrap().contains("not-an-email"));
    let r = leadbook(&db, &["lead", "add", "--name", "   "]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("name")));
    assert_eq!(leadbook(&db, &["lead", "list"]).stdout, serde_json::json!([]));
}

#[test]
fn usage_errors_exit_2_and_not_found_exits_1() {
    let (_d, db) = db();
    let r = leadbook(&db, &["lead", "add", "--name", "A", "--bedrooms", "many"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")));
    let r = leadbook(&db, &["lead", "frobnicate"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")));
    let r = leadbook(&db, &["lead", "show", "999"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
    let r = leadbook(&db, &["--workspace", "Nope", "lead", "list"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
    let r = leadbook(&db, &["lead", "list", "--grade", "Z"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("grade")));
    let r = leadbook(&db, &["--now", "yesterday", "dashboard"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")));
}

#[test]
fn workspaces_are_separate_books() {
    let (_d, db) = db();
    let r = leadbook(&db, &["workspace", "add", "Marina Homes", "--timezone", "Asia/Dubai"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout["name"], "Marina Homes");
    let r = leadbook(&db, &["workspace", "add", "Bad", "--timezone", "Mars/Olympus"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("timezone")));
    let names: Vec<Value> = leadbook(&db, &["workspace", "list"]).stdout.as_array().unwrap().iter().map(|w| w["name"].clone()).collect();
    assert_eq!(names, vec!["Default", "Marina Homes"]);

    let id = leadbook(&db, &["--workspace", "Marina Homes", "lead", "add", "--name", "Theirs", "--phone", "0501234567"]).stdout["id"].to_string();
    let r = leadbook(&db, &["lead", "show", &id]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
    let r = leadbook(&db, &["lead", "add", "--name", "Mine", "--phone", "0501234567"]);
    assert_eq!(r.stdout["created"], true, "the same phone in another workspace is another lead");
}

#[test]
fn the_sample_book_is_made_once_refuses_channels_and_is_removed_with_everything_in_it() {
    let (_dir, db) = db();
    let r = leadbook(&db, &["workspace", "sample", "--language", "ar"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!((r.stdout["name"].as_str(), r.stdout["sample"].as_bool()), (Some("دفتر تجريبي"), Some(true)));
    assert_eq!(leadbook(&db, &["workspace", "sample"]).stdout["id"], r.stdout["id"], "one sample book, not two");
    let leads = leadbook(&db, &["--workspace", "دفتر تجريبي", "lead", "list"]);
    assert_eq!(leads.stdout.as_array().map(Vec::len), Some(16), "{:?}", leads.stdout);
    let refused = leadbook(&db, &["--workspace", "دفتر تجريبي", "channel", "set", "telegram", "--token", "123:abc"]);
    assert_eq!(refused.code, 2, "{:?}", refused.stderr);
    let removed = leadbook(&db, &["workspace", "remove-sample"]);
    assert_eq!((removed.code, removed.stdout["name"].as_str()), (0, Some("Default")));
    let names: Vec<Value> = leadbook(&db, &["workspace", "list"]).stdout.as_array().unwrap().iter().map(|w| w["name"].clone()).collect();
    assert_eq!(names, [Value::from("Default")]);
    assert_eq!(leadbook(&db, &["workspace", "remove-sample"]).code, 1, "there is none left to remove");
}

#[test]
fn lead_add_separate_adds_a_second_lead_on_a_shared_phone_and_the_phone_still_finds_the_first() {
    let (_dir, db) = db();
    let first = leadbook(&db, &["lead", "add", "--name", "Aisha Khan", "--phone", "0501234567"]).stdout["id"].clone();
    let second = leadbook(&db, &["lead", "add", "--name", "Omar Khan", "--phone", "+971 50 123 4567", "--separate"]);
    assert_eq!((second.code, second.stdout["created"].as_bool()), (0, Some(true)), "{:?}", second.stderr);
    assert_ne!(second.stdout["id"], first);
    let again = leadbook(&db, &["lead", "add", "--name", "Aisha", "--phone", "050 123 4567"]);
    assert_eq!(again.stdout["merged_into"], first);
}

#[test]
fn status_and_reply_update_the_lead_and_the_dashboard() {
    let (_d, db) = db();
    let id = leadbook(&db, &["lead", "add", "--name", "Omar", "--source", "portal"]).stdout["id"].to_string();
    let r = leadbook(&db, &["lead", "reply", &id, "--text", "Is it still available?", "--channel", "whatsapp"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout["status"], "replied");
    assert_eq!(r.stdout["score"], 40);
    let r = leadbook(&db, &["lead", "status", &id, "viewing"]);
    assert_eq!((r.stdout["status"].as_str(), r.stdout["score"].as_i64()), (Some("viewing"), Some(55)));
    let r = leadbook(&db, &["lead", "status", &id, "sleeping"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("status")));
    let d = leadbook(&db, &["dashboard"]).stdout;
    assert_eq!(d["grades"], serde_json::json!({"A":0,"B":1,"C":0,"D":0}));
    assert_eq!(d["by_status"]["viewing"], 1);
    assert_eq!(d["by_source"]["portal"], 1);
    assert_eq!(d["replies_this_week"], 1);
    for k in ["due_today", "overdue", "outbox_waiting"] {
        assert!(d[k].is_i64(), "{k}");
    }
}

#[test]
fn list_filters_by_grade_status_source_and_search() {
    let (_d, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Hot Lead", "--phone", "0501111111", "--telegram-id", "42", "--email", "h@x.ae", "--budget-max", "3000000", "--locations", "Palm", "--type", "villa", "--bedrooms", "4", "--source", "referral"]);
    leadbook(&db, &["lead", "add", "--name", "Cold Lead"]);
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lead", "list"];
        all.extend_from_slice(args);
        leadbook(&db, &all).stdout.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&["--grade", "A"]), vec!["Hot Lead"]);
    assert_eq!(names(&["--grade", "D"]), vec!["Cold Lead"]);
    assert_eq!(names(&["--source", "manual"]), vec!["Cold Lead"]);
    assert_eq!(names(&["--status", "new", "--limit", "1"]).len(), 1);
    assert_eq!(names(&["--search", "hot"]), vec!["Hot Lead"]);
}

#[test]
fn backup_and_restore_round_trip() {
    let (dir, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Keep me"]);
    let copy = dir.path().join("copy.db");
    let r = leadbook(&db, &["backup", "--to", copy.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    leadbook(&db, &["lead", "add", "--name", "Added later"]);
    let r = leadbook(&db, &["restore", copy.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    let names: Vec<Value> = leadbook(&db, &["lead", "list"]).stdout.as_array().unwrap().iter().map(|l| l["name"].clone()).collect();
    assert_eq!(names, vec!["Keep me"]);
    let r = leadbook(&db, &["backup"]);
    assert!(r.stdout["path"].as_str().unwrap().contains("backups/leadbook-2026-03-02.db"));
}

#[test]
fn property_add_tells_matching_buyers_once_and_lists_the_outbox() {
    let (_d, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Aisha Khan", "--phone", "0501234567", "--locations", "Dubai Marina", "--budget-max", "2000000"]);
    leadbook(&db, &["lead", "add", "--name", "Email Only", "--email", "e@x.ae", "--locations", "Marina"]);
    leadbook(&db, &["lead", "add", "--name", "Elsewhere", "--phone", "0521234567", "--locations", "JVC"]);
    let r = leadbook(&db, &["property", "add", "--title", "2BR Marina Gate", "--location", "marina ", "--price", "2100000", "--type", "apartment", "--bedrooms", "2", "--purpose", "sale", "--permit", "71234"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!((r.stdout["matched"].as_i64(), r.stdout["queued"].as_i64(), r.stdout["unreachable"].as_i64()), (Some(2), Some(2), Some(0)),
        "email reaches the lead who has only an address (SPEC §12)");
    let id = r.stdout["id"].to_string();

    let m = leadbook(&db, &["property", "matches", &id]).stdout;
    let names: Vec<&str> = m.as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Aisha Khan", "Email Only"]);
    for k in ["id", "name", "grade", "fit"] {
        assert!(m[0].get(k).is_some(), "matches carry {k}");
    }

    let outbox = leadbook(&db, &["outbox", "list"]).stdout;
    assert_eq!(outbox.as_array().unwrap().len(), 2);
    for k in ["id", "lead_id", "kind", "campaign_step", "property_id", "channel", "status", "body", "queued_at", "sent_at", "attempts", "error"] {
        assert!(outbox[0].get(k).is_some(), "outbox message carries {k}");
    }
    assert_eq!((outbox[0]["kind"].as_str(), outbox[0]["status"].as_str()), (Some("property"), Some("queued")));
    assert_eq!(leadbook(&db, &["outbox", "list", "--status", "sent"]).stdout, serde_json::json!([]));

    leadbook(&db, &["property", "status", &id, "reserved"]);
    let again = leadbook(&db, &["property", "status", &id, "available"]);
    assert_eq!(again.stdout["queued"], 0, "nobody is told twice");
    assert_eq!(leadbook(&db, &["dashboard"]).stdout["outbox_waiting"], 2);
}

#[test]
fn a_bad_listing_is_refused_and_another_workspaces_listing_is_not_found() {
    let (_d, db) = db();
    let r = leadbook(&db, &["property", "add", "--title", "No price", "--location", "JVC"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("price")));
    let r = leadbook(&db, &["property", "add", "--title", "Negative", "--location", "JVC", "--price", "-5"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("price")), "a negative price is a validation error, not a parse error");
    let r = leadbook(&db, &["lead", "add", "--name", "N", "--budget-max", "-1"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("budget_max")));
    leadbook(&db, &["workspace", "add", "Other"]);
    let id = leadbook(&db, &["--workspace", "Other", "property", "add", "--title", "T", "--location", "JVC", "--price", "1000"]).stdout["id"].to_string();
    for args in [vec!["property", "matches", &id], vec!["property", "show", &id], vec!["property", "status", &id, "sold"]] {
        let r = leadbook(&db, &args);
        assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")), "{args:?}");
    }
}

/// 2 000 leads created at 10:00 in Dubai on Monday 2 March 2026, through the core itself.
fn book_with_due_leads(db: &Path, n: usize) {
    use leadbook_core::{leads::validate::LeadInput, Book, FixedClock};
    let mut book = Book::open(db, std::sync::Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
    let ws = book.workspace("Default").unwrap();
    let rows = (0..n).map(|i| LeadInput { name: Some(format!("Lead {i}")), phone: Some(format!("050{i:07}")), ..Default::default() }).collect();
    for r in book.add_inputs(&ws, rows).unwrap() {
        r.unwrap();
    }
}

fn followup_run_twice_at_once(db: &Path, now: &str) -> [i32; 2] {
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_leadbook"))
            .args(["--db", db.to_str().unwrap(), "--now", now, "followup", "run"])
            .env_remove("LEADBOOK_DB")
            .env_remove("LEADBOOK_NOW")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn leadbook")
    };
    let (mut a, mut b) = (spawn(), spawn());
    [a.wait().unwrap().code().unwrap_or(-1), b.wait().unwrap().code().unwrap_or(-1)]
}

#[test]
fn two_processes_ticking_one_file_queue_every_step_exactly_once() {
    for round in 0..6 {
        let (_d, db) = db();
        book_with_due_leads(&db, 2_000);
        // Step 1 (due 11:00 Dubai), then step 2 (due Thursday 10:00), each by two racing processes.
        for now in ["2026-03-02T08:00:00Z", "2026-03-05T07:00:00Z"] {
            assert_eq!(followup_run_twice_at_once(&db, now), [0, 0], "round {round} at {now}: both processes succeed");
        }
        let conn = rusqlite_free_count(&db);
        assert_eq!(conn, (4_000, 4_000), "round {round}: every step queued exactly once (rows, distinct lead-steps)");
    }
}

/// (followup messages, distinct (lead, step) pairs), read through the CLI's own JSON.
fn rusqlite_free_count(db: &Path) -> (usize, usize) {
    let all = leadbook(db, &["outbox", "list"]).stdout;
    let msgs: Vec<&Value> = all.as_array().unwrap().iter().filter(|m| m["kind"] == "followup").collect();
    let distinct: std::collections::HashSet<(i64, i64)> =
        msgs.iter().map(|m| (m["lead_id"].as_i64().unwrap(), m["campaign_step"].as_i64().unwrap())).collect();
    (msgs.len(), distinct.len())
}

#[test]
fn followup_run_prints_its_counts() {
    let (_d, db) = db();
    book_with_due_leads(&db, 3);
    let r = leadbook(&db, &["followup", "run"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!(r.stdout, serde_json::json!({"due":3,"queued":3,"stopped":0,"deferred":0,"skipped":0}));
    let r = leadbook(&db, &["followup", "run"]);
    assert_eq!(r.stdout["queued"], 0, "nothing twice");
    let r = leadbook(&db, &["followup", "pause", "1"]);
    assert_eq!(r.stdout[0]["state"], "paused");
    let r = leadbook(&db, &["followup", "pause", "999"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
}

#[test]
fn an_import_killed_midway_leaves_the_book_as_it_was() {
    let (dir, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Already here", "--phone", "0501234567"]);
    let csv = dir.path().join("big.csv");
    let mut text = String::from("Name,Phone,Email\n");
    for i in 0..100_000 {
        text.push_str(&format!("Person {i},05{:08},p{i}@example.ae\n", 20_000_000 + i));
    }
    std::fs::write(&csv, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadbook"))
        .args(["--db", db.to_str().unwrap(), "import", csv.to_str().unwrap()])
        .env_remove("LEADBOOK_DB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    assert!(child.try_wait().unwrap().is_none(), "the import must still be running when it is killed");
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let names: Vec<Value> = leadbook(&db, &["lead", "list"]).stdout.as_array().unwrap().iter().map(|l| l["name"].clone()).collect();
    assert_eq!(names, vec!["Already here"], "nothing of the half-done import is in the book");
    let r = leadbook(&db, &["import", csv.to_str().unwrap()]);
    assert_eq!((r.code, r.stdout["imported"].as_i64()), (0, Some(100_000)), "and the same file imports whole afterwards");
}

#[test]
fn two_processes_reactivating_one_listing_tell_each_buyer_once() {
    let (_d, db) = db();
    book_with_due_leads(&db, 0);
    // A few buyers through the CLI, the rest through the core (faster).
    for i in 0..5 {
        leadbook(&db, &["lead", "add", "--name", &format!("Buyer {i}"), "--phone", &format!("050{:07}", i), "--locations", "JVC"]);
    }
    {
        use leadbook_core::{leads::validate::LeadInput, Book, FixedClock};
        let mut book = Book::open(&db, std::sync::Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
        let ws = book.workspace("Default").unwrap();
        let rows = (5..800)
            .map(|i| LeadInput { name: Some(format!("Buyer {i}")), phone: Some(format!("050{i:07}")), locations: vec!["JVC".into()], ..Default::default() })
            .collect();
        book.add_inputs(&ws, rows).unwrap();
    }
    let id = leadbook(&db, &["property", "add", "--title", "JVC 1BR", "--location", "JVC", "--price", "900000", "--permit", "71000000331"]).stdout["id"].to_string();
    leadbook(&db, &["property", "status", &id, "reserved"]);
    // Clear what the first announcement queued, so the race decides everything.
    {
        let conn = leadbook_core::store::open(&db, &leadbook_core::workflows::SETUP).unwrap();
        conn.execute("DELETE FROM outbox", []).unwrap();
    }
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_leadbook"))
            .args(["--db", db.to_str().unwrap(), "property", "status", &id, "available"])
            .env_remove("LEADBOOK_DB")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let outbox = leadbook(&db, &["outbox", "list"]).stdout;
    let leads: std::collections::HashSet<i64> = outbox.as_array().unwrap().iter().map(|m| m["lead_id"].as_i64().unwrap()).collect();
    assert_eq!((outbox.as_array().unwrap().len(), leads.len()), (800, 800), "every buyer told exactly once");
}

#[test]
fn outbox_confirm_settles_only_unknown_messages() {
    let (_d, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Omar", "--phone", "0501234567", "--locations", "JVC"]);
    leadbook(&db, &["property", "add", "--title", "JVC 1BR", "--location", "JVC", "--price", "900000", "--permit", "71000000357"]);
    let r = leadbook(&db, &["outbox", "confirm", "1", "--sent"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("status")), "a queued message is not the agent's to confirm");
    leadbook_core::store::open(&db, &leadbook_core::workflows::SETUP).unwrap().execute("UPDATE outbox SET status = 'unknown' WHERE id = 1", []).unwrap();
    let r = leadbook(&db, &["outbox", "confirm", "1", "--sent", "--not-sent"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")));
    let r = leadbook(&db, &["outbox", "confirm", "1", "--sent"]);
    assert_eq!((r.code, r.stdout["status"].as_str()), (0, Some("sent")));
    assert_eq!(r.stdout["sent_at"], "2026-03-02T08:00:00Z");
}

const BOT_TOKEN: &str = "7000000001:SECRET-bytes-9f8e7d6c";

/// A book whose Telegram channel points at `server`, with one buyer per id and a listing they
/// all want: one alert queued for each.
fn telegram_book(db: &Path, server: &leadbook_test_servers::Telegram, chats: &[i64]) {
    let r = leadbook(db, &["channel", "set", "telegram", "--token", BOT_TOKEN, "--base-url", &server.base_url(), "--bot-username", "leadbook_test_bot"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    for id in chats {
        leadbook(db, &["lead", "add", "--name", &format!("Buyer {id}"), "--telegram-id", &id.to_string(), "--locations", "JVC"]);
    }
    let r = leadbook(db, &["property", "add", "--title", "JVC studio", "--location", "JVC", "--price", "1", "--permit", "71000000378"]);
    assert_eq!(r.stdout["queued"], chats.len());
}

#[test]
fn a_send_killed_midway_leaves_the_message_for_the_agent_and_never_sends_it_twice() {
    let (_d, db) = db();
    let server = leadbook_test_servers::Telegram::start(BOT_TOKEN);
    telegram_book(&db, &server, &[424242]);
    // The provider takes the message and is slow to answer: the process dies meanwhile.
    server.delay(std::time::Duration::from_secs(30));
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadbook"))
        .args(["--db", db.to_str().unwrap(), "--now", "2026-03-02T08:00:00Z", "outbox", "send"])
        .env("LEADBOOK_SECRET_STORE", "file")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while server.sent().is_empty() {
        assert!(waited.elapsed() < std::time::Duration::from_secs(20), "the send never reached the server");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL mid-request
    child.wait().unwrap();
    server.delay(std::time::Duration::ZERO);
    let out = leadbook(&db, &["outbox", "list"]);
    assert_eq!(out.stdout[0]["status"], "sending");
    // Another run soon after: the message may still be in another process's hands; left alone.
    let r = leadbook_at(&db, "2026-03-02T08:00:30Z", &["outbox", "send"]);
    assert_eq!((r.code, r.stdout["sent"].as_i64()), (0, Some(0)));
    // Later: whoever had it is gone. It is unknown, for the agent — never resent.
    let r = leadbook_at(&db, "2026-03-02T08:05:00Z", &["outbox", "send"]);
    assert_eq!(r.stdout["sent"], 0);
    let m = &leadbook(&db, &["outbox", "list"]).stdout[0];
    assert_eq!(m["status"], "unknown");
    assert_eq!(server.sent().len(), 1, "sent once, never twice");
    let r = leadbook(&db, &["outbox", "confirm", &m["id"].to_string(), "--sent"]);
    assert_eq!(r.stdout["status"], "sent");
}

#[test]
fn channel_tokens_appear_nowhere_in_the_database_the_output_or_the_outbox() {
    let (dir, db) = db();
    let server = leadbook_test_servers::Telegram::start(BOT_TOKEN);
    let mut printed = String::new();
    let mut keep = |r: Run| {
        printed.push_str(&r.stdout.to_string());
        printed.push_str(&r.stderr.to_string());
        r
    };
    telegram_book(&db, &server, &[1, 2]);
    keep(leadbook(&db, &["channel", "list"]));
    keep(leadbook(&db, &["channel", "test", "telegram"]));
    let r = keep(leadbook(&db, &["outbox", "send"]));
    assert_eq!(r.stdout["sent"], 2, "{:?}", r.stderr);
    // Errors carry no URL (Telegram's has the token in its path).
    server.down();
    leadbook(&db, &["lead", "add", "--name", "Buyer 3", "--telegram-id", "3", "--locations", "JVC"]);
    leadbook(&db, &["property", "add", "--title", "JVC 2", "--location", "JVC", "--price", "1", "--permit", "71000000437"]);
    let r = keep(leadbook(&db, &["outbox", "send"]));
    assert_eq!(r.stdout["deferred"], 1);
    keep(leadbook(&db, &["inbox", "sync"]));
    keep(leadbook(&db, &["channel", "test", "telegram"]));
    keep(leadbook(&db, &["outbox", "list"]));
    assert!(printed.contains("Connection refused") || printed.contains("refused"), "the outage was reported: {printed}");
    let secret = "SECRET-bytes-9f8e7d6c";
    assert!(!printed.contains(secret), "a token was printed: {printed}");
    let mut stored = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".secrets.json") {
            assert!(found, "the token is kept in the owner-only secrets file");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            }
            stored += 1;
        } else {
            assert!(!found, "the token is in {name}");
        }
    }
    assert_eq!(stored, 1);
}

#[test]
fn inbox_sync_and_outbox_send_print_the_counts_of_the_spec() {
    let (_d, db) = db();
    let server = leadbook_test_servers::Telegram::start(BOT_TOKEN);
    telegram_book(&db, &server, &[7]);
    server.push_message(leadbook_test_servers::TgUser::new(8, "Newcomer"), "Hello, is the JVC studio free?");
    server.push_message(leadbook_test_servers::TgUser::new(7, "Buyer"), "STOP");
    let r = leadbook(&db, &["inbox", "sync"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    for k in ["received", "matched", "new_leads", "opt_outs"] {
        assert!(r.stdout.get(k).is_some(), "missing {k}");
    }
    assert_eq!((r.stdout["received"].as_i64(), r.stdout["new_leads"].as_i64(), r.stdout["opt_outs"].as_i64()), (Some(2), Some(1), Some(1)));
    // Buyer 7 opted out of Telegram, its only channel: the alert is for the agent to send by hand.
    let r = leadbook(&db, &["outbox", "send"]);
    for k in ["sent", "failed", "deferred"] {
        assert!(r.stdout.get(k).is_some(), "missing {k}");
    }
    assert_eq!(r.stdout["sent"], 0);
    assert!(server.sent().is_empty());
    let r = leadbook(&db, &["channel", "set", "twilio", "--account-sid", "nope", "--auth-token", "x", "--from", "+97145550000"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("account_sid")));
    // Setting one option keeps the others (and the token).
    let r = leadbook(&db, &["channel", "set", "telegram", "--base-url", &server.base_url()]);
    assert_eq!((r.stdout["settings"]["bot_username"].as_str(), r.stdout["has_secret"].as_bool()), (Some("leadbook_test_bot"), Some(true)));
}

#[test]
fn campaign_stats_lists_steps_under_test_and_promote_wants_a_variant_letter() {
    let (_d, db) = db();
    let r = leadbook(&db, &["campaign", "stats"]);
    assert_eq!((r.code, r.stdout.clone()), (0, serde_json::json!([])), "no step is under test yet");
    let campaign = leadbook(&db, &["campaign", "list"]).stdout[0]["id"].as_i64().unwrap().to_string();
    let r = leadbook(&db, &["campaign", "promote", &campaign, "1", "7"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("variant")));
    let r = leadbook(&db, &["campaign", "promote", &campaign, "1", "B"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("variant")), "step 1 has no variant B");
    let r = leadbook(&db, &["campaign", "promote", &campaign, "1", "A"]);
    assert_eq!(r.code, 0, "promoting A ends a test that was never started: harmless");
}

#[test]
fn outbox_send_drafts_with_the_language_model_first_and_its_key_is_kept_secret() {
    let (dir, db) = db();
    let server = leadbook_test_servers::Telegram::start(BOT_TOKEN);
    let model = leadbook_test_servers::OpenAi::start(Some("sk-llm-secret-123"));
    let r = leadbook(&db, &["llm", "set", "--base-url", &model.base_url(), "--model", "llama3.1", "--api-key", "sk-llm-secret-123"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    // Review of the model's messages is on by default; this agent lets them go.
    assert_eq!(leadbook(&db, &["llm", "review", "off"]).code, 0);
    telegram_book(&db, &server, &[77]);
    let r = leadbook(&db, &["outbox", "send"]);
    assert_eq!((r.stdout["sent"].as_i64(), r.stdout["drafted"]["rewritten"].as_i64()), (Some(1), Some(1)), "{:?}", r.stderr);
    let m = &leadbook(&db, &["outbox", "list"]).stdout[0];
    assert_eq!(m["draft"], "model");
    assert_eq!(server.sent()[0].text, m["body"].as_str().unwrap());
    let shown = leadbook(&db, &["llm", "show"]);
    assert_eq!(shown.stdout["model"], "llama3.1");
    assert!(!shown.stdout.to_string().contains("sk-llm-secret-123"));
    let db_bytes = std::fs::read(&db).unwrap();
    assert!(!db_bytes.windows(17).any(|w| w == b"sk-llm-secret-123"), "the key is not in the database");
    assert!(std::fs::read_to_string(dir.path().join("leadbook.secrets.json")).unwrap().contains("sk-llm-secret-123"));
    let r = leadbook(&db, &["campaign", "review", "1", "sometimes"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("mode")));
}

// --- the book on disk (issue #14, items 6–10) ---

/// Runs `leadbook` with `args` only (no --db unless given), `env` set, and — when `open_umask`
/// — under a umask of 0, so what the binary itself does about permissions shows.
fn leadbook_raw(args: &[&str], env: &[(&str, &str)], open_umask: bool) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadbook"));
    cmd.args(["--now", "2026-03-02T08:00:00Z"])
        .args(args)
        .env("LEADBOOK_SECRET_STORE", "file")
        .env_remove("LEADBOOK_DB")
        .env_remove("LEADBOOK_NOW")
        .env_remove("LEADBOOK_WORKSPACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    if open_umask {
        use std::os::unix::process::CommandExt;
        // SAFETY: only umask, async-signal-safe, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
    }
    let out = cmd.output().expect("the leadbook binary runs");
    let parse = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        if s.trim().is_empty() { Value::Null } else { serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}")) }
    };
    Run { code: out.status.code().unwrap_or(-1), stdout: parse(&out.stdout), stderr: parse(&out.stderr) }
}

/// Overwrites the header of a leaf page in the middle of the leads table (adding a lead never
/// reads it; listing them does).
fn corrupt_a_middle_page_of_the_leads(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let root = leadbook_core::store::open(db, &leadbook_core::workflows::SETUP)
        .unwrap()
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'leads'", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize;
    let bytes = std::fs::read(db).unwrap();
    let size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    let page = &bytes[(root - 1) * size..root * size];
    assert_eq!(page[0], 0x05, "an interior root");
    let cell = u16::from_be_bytes([page[14], page[15]]) as usize; // the second child
    let leaf = u32::from_be_bytes([page[cell], page[cell + 1], page[cell + 2], page[cell + 3]]) as u64;
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start((leaf - 1) * size as u64)).unwrap();
    f.write_all(&[0xFF; 64]).unwrap();
}

#[test]
fn a_book_truncated_to_zero_bytes_is_reported_with_the_backup_to_restore_never_made_new() {
    let (_d, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Keep me"]);
    let backup = leadbook(&db, &["backup"]).stdout["path"].as_str().unwrap().to_string();
    std::fs::File::create(&db).unwrap(); // truncate -s 0
    for args in [vec!["lead", "list"], vec!["backup"], vec!["lead", "add", "--name", "New"]] {
        let r = leadbook(&db, &args);
        assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("database")), "{args:?}: {:?}", r.stderr);
        assert!(r.stderr["message"].as_str().unwrap().contains(&format!("leadbook restore {backup}")), "{:?}", r.stderr);
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "never silently recreated");
    let r = leadbook(&db, &["restore", &backup]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!(r.stdout["before"], Value::Null, "an empty file has nothing to keep");
    assert_eq!(leadbook(&db, &["lead", "list"]).stdout[0]["name"], "Keep me");
}

#[test]
fn a_db_in_a_folder_that_does_not_exist_is_a_usage_error_unless_create_is_given() {
    let (dir, _) = db();
    let typo = dir.path().join("no-such-folder").join("leadbook.db");
    let typo = typo.to_str().unwrap();
    for (args, env) in [(vec!["--db", typo, "lead", "list"], vec![]), (vec!["lead", "list"], vec![("LEADBOOK_DB", typo)])] {
        let r = leadbook_raw(&args, &env, false);
        assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")), "{args:?} {env:?}");
        assert!(r.stderr["message"].as_str().unwrap().contains("--create"));
        assert!(!dir.path().join("no-such-folder").exists(), "nothing was created");
    }
    let r = leadbook_raw(&["--db", typo, "--create", "lead", "list"], &[], false);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert!(Path::new(typo).is_file());
}

#[test]
fn restore_works_over_a_damaged_header_and_copies_the_old_file_first() {
    let (dir, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Keep me"]);
    let copy = dir.path().join("copy.db");
    assert_eq!(leadbook(&db, &["backup", "--to", copy.to_str().unwrap()]).code, 0);
    std::fs::write(&db, [0x42u8; 8192]).unwrap();
    assert_eq!(leadbook(&db, &["lead", "list"]).stderr["code"], "database");
    let r = leadbook(&db, &["restore", copy.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    let before = PathBuf::from(r.stdout["before"].as_str().unwrap());
    assert_eq!(std::fs::read(&before).unwrap(), vec![0x42u8; 8192]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&before).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(leadbook(&db, &["lead", "list"]).stdout[0]["name"], "Keep me");

    // A backup with a trigger of its own is refused.
    leadbook_core::store::open(&copy, &leadbook_core::workflows::SETUP)
        .unwrap()
        .execute_batch("CREATE TRIGGER t AFTER INSERT ON leads BEGIN UPDATE leads SET notes = 'x'; END;")
        .unwrap();
    let r = leadbook(&db, &["restore", copy.to_str().unwrap()]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")), "{:?}", r.stderr);
}

#[test]
fn after_lead_list_meets_a_corrupt_page_lead_add_is_refused() {
    let (_d, db) = db();
    book_with_due_leads(&db, 400);
    corrupt_a_middle_page_of_the_leads(&db);
    let r = leadbook(&db, &["lead", "list", "--limit", "1000"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("database")), "{:?}", r.stderr);
    let r = leadbook(&db, &["lead", "add", "--name", "Into a damaged book"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("database")), "{:?}", r.stdout);
    assert!(r.stderr["message"].as_str().unwrap().contains("restore"), "{:?}", r.stderr);
}

#[test]
fn backup_to_an_existing_file_that_is_not_a_backup_is_refused() {
    let (dir, db) = db();
    leadbook(&db, &["lead", "add", "--name", "Keep me"]);
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "mine").unwrap();
    let r = leadbook(&db, &["backup", "--to", notes.to_str().unwrap()]);
    assert_eq!((r.code, r.stderr["code"].as_str(), r.stderr["field"].as_str()), (2, Some("validation"), Some("to")));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "mine");
}

#[cfg(unix)]
#[test]
fn what_the_command_line_writes_is_owner_only_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, db) = db();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let with_db = |args: &[&str]| {
        let mut all = vec!["--db", db.to_str().unwrap()];
        all.extend_from_slice(args);
        leadbook_raw(&all, &[], true)
    };
    assert_eq!(with_db(&["lead", "add", "--name", "Aisha"]).code, 0);
    let backup = PathBuf::from(with_db(&["backup"]).stdout["path"].as_str().unwrap());
    let csv = dir.path().join("leads.csv");
    assert_eq!(with_db(&["export", csv.to_str().unwrap()]).code, 0);
    for p in [&db, &backup, &csv] {
        assert_eq!(mode(p), 0o600, "{}", p.display());
    }
    assert_eq!(mode(backup.parent().unwrap()), 0o700, "folders too: the process's umask is 077");
}

/// `leadbook` with `input` on its standard input.
fn leadbook_stdin(db: &Path, args: &[&str], input: &str) -> Run {
    run_with_stdin(db, "2026-03-02T08:00:00Z", args, input)
}

#[test]
fn portal_set_test_list_sync_and_remove_work_as_the_spec_writes_them_and_never_print_a_key() {
    let (_dir, db) = db();
    let pf = leadbook_test_servers::PropertyFinder::start("pf-key-1", "pf-SECRET-77");
    pf.set_now("2026-03-02T08:00:00Z");
    pf.add_lead(leadbook_test_servers::PfLead::new("pf-1", "2026-03-02T07:40:00Z", "Sara").phone("+971501234567").listing("AP-1"));
    let bayut = leadbook_test_servers::Bayut::start("by-TOKEN-55");
    bayut.add_lead(leadbook_test_servers::ByLead::new("sms|1", "2026-03-02 11:00:00", "Omid").phone("+971502223344"));
    let base = pf.base_url();
    let r = leadbook_stdin(&db, &["portal", "set", "property_finder", "--api-key", "pf-key-1", "--api-secret", "-", "--base-url", &base], "pf-SECRET-77\n");
    assert_eq!((r.code, r.stdout["state"].as_str()), (0, Some("untested")), "{:?}", r.stderr);
    let r = leadbook(&db, &["portal", "set", "bayut", "--token", "by-TOKEN-55", "--base-url", &bayut.base_url()]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    let r = leadbook(&db, &["portal", "test", "property_finder"]);
    assert_eq!((r.code, r.stdout["ok"].as_bool()), (0, Some(true)), "{:?}", r.stderr);
    let r = leadbook(&db, &["inbox", "sync"]);
    assert_eq!((r.code, r.stdout["portal_leads"].as_u64(), r.stdout["new_leads"].as_u64()), (0, Some(2), Some(2)), "{:?} {:?}", r.stdout, r.stderr);
    let list = leadbook(&db, &["portal", "list"]);
    let states: Vec<&str> = list.stdout.as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["ok", "untested", "unconfigured"], "{}", list.stdout);
    let leads = leadbook(&db, &["lead", "list", "--source", "property_finder"]);
    assert_eq!(leads.stdout.as_array().unwrap().len(), 1);
    let printed = format!("{}{}", list.stdout, leads.stdout);
    assert!(!printed.contains("pf-SECRET-77") && !printed.contains("by-TOKEN-55"), "{printed}");
    let bad = leadbook(&db, &["portal", "test", "idealista"]);
    assert_eq!((bad.code, bad.stderr["field"].as_str()), (2, Some("portal")));
    let r = leadbook(&db, &["portal", "remove", "bayut"]);
    assert_eq!((r.code, r.stdout["state"].as_str()), (0, Some("unconfigured")));
    let dashboard = leadbook(&db, &["dashboard"]);
    assert_eq!(dashboard.stdout["speed_to_lead"]["unanswered_total"], 2, "{}", dashboard.stdout);
}

#[test]
fn channel_set_email_takes_the_password_from_stdin_tests_both_servers_and_inbox_sync_reads_mail() {
    let (dir, db) = db();
    let imap = leadbook_test_servers::Dovecot::start("agent@leadbook.test", "cli-Mail-Pass");
    let smtp = leadbook_test_servers::Smtp::start("agent@leadbook.test", "cli-Mail-Pass");
    let (ip, sp) = (imap.port().to_string(), smtp.port().to_string());
    // No encryption to another machine is refused, and nothing is saved.
    let r = leadbook(&db, &[
        "channel", "set", "email", "--imap-host", "imap.example.com", "--imap-security", "none", "--smtp-host", "smtp.example.com",
        "--username", "agent@leadbook.test", "--password", "x", "--from", "agent@leadbook.test",
    ]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("imap_security")), "{:?}", r.stderr);
    let set = [
        "channel", "set", "email", "--imap-host", "127.0.0.1", "--imap-port", &ip, "--imap-security", "none", "--smtp-host", "127.0.0.1",
        "--smtp-port", &sp, "--smtp-security", "none", "--username", "agent@leadbook.test", "--password", "-", "--from", "agent@leadbook.test",
    ];
    let r = leadbook_stdin(&db, &set, "cli-Mail-Pass\n");
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!((r.stdout["state"].as_str(), r.stdout["has_secret"].as_bool()), (Some("untested"), Some(true)));
    assert_eq!((r.stdout["settings"]["folder"].as_str(), r.stdout["settings"]["imap_port"].as_u64()), (Some("INBOX"), Some(imap.port() as u64)));
    let r = leadbook(&db, &["channel", "test", "email"]);
    assert_eq!((r.code, r.stdout["ok"].as_bool()), (0, Some(true)), "{:?}", r.stdout);
    imap.deliver(b"From: someone@example.com\r\nSubject: hello\r\nMessage-ID: <cli-1@example.com>\r\n\r\nhello\r\n");
    let r = leadbook(&db, &["inbox", "sync"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    for k in ["emails", "portal_leads", "unparsed"] {
        assert!(r.stdout.get(k).is_some(), "missing {k}: {}", r.stdout);
    }
    assert_eq!(r.stdout["emails"], 1);
    assert_eq!(leadbook(&db, &["inbox", "sync"]).stdout["emails"], 0, "read once");
    // The password is in the owner-only secrets file only.
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("leadbook.db") {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(!bytes.windows(13).any(|w| w == b"cli-Mail-Pass"), "the password is in {name}");
        }
    }
}
