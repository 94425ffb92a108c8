//! Black-box tests of the agent's day on the command line (SPEC §13): tasks, calls, viewings,
//! deals, smart lists and Today, as JSON with the exit codes of SPEC §9.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{db, run_at, Run};

/// Monday 2 March 2026, 10:00 in Dubai.
const NOW: &str = "2026-03-02T06:00:00Z";

fn leadbook(db: &Path, args: &[&str]) -> Run {
    leadbook_at(db, NOW, args)
}

fn leadbook_at(db: &Path, now: &str, args: &[&str]) -> Run {
    run_at(db, now, args)
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let r = leadbook(db, args);
    assert_eq!(r.code, 0, "{args:?}: {:?}", r.stderr);
    r.stdout
}

fn lead(db: &Path, name: &str, phone: &str) -> String {
    ok(db, &["lead", "add", "--name", name, "--phone", phone, "--locations", "JVC", "--budget-max", "2000000", "--purpose", "buy"])["id"].to_string()
}

#[test]
fn task_add_list_done_and_snooze_print_json() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let t = ok(&db, &["task", "add", "--title", "Send the brochure", "--lead", &id, "--due", "2026-03-02T08:00:00Z", "--kind", "document"]);
    let task = t["id"].to_string();
    let open = ok(&db, &["task", "list", "--open", "--due-before", "2026-03-03T00:00:00Z"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["kind"], "document");
    assert_eq!(open[0]["lead_id"].to_string(), id);
    let snoozed = ok(&db, &["task", "snooze", &task, "--until", "2026-03-04T08:00:00Z"]);
    assert_eq!(snoozed["snoozed_until"], "2026-03-04T08:00:00Z");
    assert!(ok(&db, &["task", "list", "--open", "--due-before", "2026-03-03T00:00:00Z"]).as_array().unwrap().is_empty());
    assert!(ok(&db, &["task", "done", &task])["done_at"].is_string());
    assert!(ok(&db, &["task", "list", "--open"]).as_array().unwrap().is_empty());
    // The lead's timeline shows it.
    let shown = ok(&db, &["lead", "show", &id]);
    assert!(shown["timeline"].as_array().unwrap().iter().any(|e| e["detail"].as_str().unwrap().contains("Send the brochure")));
}

#[test]
fn bad_task_input_is_a_validation_error_and_another_workspaces_lead_is_not_found() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let r = leadbook(&db, &["task", "add", "--title", "Call", "--kind", "fax"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("validation")));
    let r = leadbook(&db, &["task", "add", "--title", "Call", "--due", "soon"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("due")));
    ok(&db, &["workspace", "add", "Other"]);
    let r = leadbook(&db, &["--workspace", "Other", "task", "add", "--title", "Call", "--lead", &id]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
}

#[test]
fn call_log_declined_marks_do_not_market_and_lead_market_reverses_it() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let r = ok(&db, &["call", "log", &id, "--outcome", "no_answer", "--duration", "0"]);
    assert_eq!(r["do_not_market"], false);
    assert_eq!(r["lead_id"].to_string(), id);
    let r = ok(&db, &["call", "log", &id, "--outcome", "declined", "--notes", "not interested"]);
    assert_eq!(r["do_not_market"], true);
    let shown = ok(&db, &["lead", "show", &id]);
    assert_eq!(shown["do_not_market_reason"], "declined on a call");
    let r = leadbook(&db, &["lead", "market", &id, "--reason", ""]);
    assert_eq!(r.code, 2);
    let back = ok(&db, &["lead", "market", &id, "--reason", "called back, wants offers"]);
    assert_eq!(back["do_not_market_at"], Value::Null);
    let r = leadbook(&db, &["call", "log", &id, "--outcome", "maybe"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("outcome")));
    let calls = ok(&db, &["call", "list", &id]);
    assert_eq!(calls.as_array().unwrap().len(), 2);
}

#[test]
fn viewing_add_queues_a_confirmation_and_cancelling_drops_the_reminder() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let p = ok(&db, &["property", "add", "--title", "JVC 2BR", "--location", "JVC", "--price", "1500000"])["id"].to_string();
    let v = ok(&db, &["viewing", "add", "--lead", &id, "--property", &p, "--at", "2026-03-03T10:00:00Z", "--duration-min", "45", "--place", "Lobby"]);
    assert_eq!(v["confirmation_queued"], true);
    assert_eq!(v["reminder_at"], "2026-03-03T08:00:00Z");
    let vid = v["id"].to_string();
    assert_eq!(ok(&db, &["lead", "show", &id])["status"], "viewing");
    let listed = ok(&db, &["viewing", "list", "--from", "2026-03-03T00:00:00Z", "--to", "2026-03-04T00:00:00Z"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(ok(&db, &["viewing", "status", &vid, "cancelled"])["status"], "cancelled");
    let outbox = ok(&db, &["outbox", "list", "--lead", &id]);
    let viewing_msgs: Vec<&Value> = outbox.as_array().unwrap().iter().filter(|m| m["kind"] == "viewing").collect();
    assert_eq!(viewing_msgs.len(), 2);
    assert!(viewing_msgs.iter().all(|m| m["status"] == "failed"));
    let r = leadbook(&db, &["viewing", "add", "--lead", &id, "--property", &p, "--at", "2026-03-01T10:00:00Z"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("at")));
    let r = leadbook(&db, &["viewing", "status", &vid, "maybe"]);
    assert_eq!(r.code, 2);
}

#[test]
fn deal_add_prints_the_commission_and_won_sets_the_lead_won() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let d = ok(&db, &["deal", "add", "--lead", &id, "--kind", "sale", "--value", "2500000", "--close", "2026-06-30"]);
    assert_eq!((d["commission"].as_i64(), d["vat"].as_i64(), d["agent_share"].as_i64()), (Some(50_000), Some(2_500), Some(25_000)));
    let rent = ok(&db, &["deal", "add", "--lead", &id, "--kind", "rent", "--value", "120000", "--stage", "contract"]);
    assert_eq!(rent["commission"].as_i64(), Some(6_000));
    let r = leadbook(&db, &["deal", "add", "--lead", &id, "--kind", "rent", "--value", "120000", "--stage", "noc"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("stage")));
    let r = leadbook(&db, &["deal", "add", "--lead", &id, "--kind", "sale", "--value", "0"]);
    assert_eq!((r.code, r.stderr["field"].as_str()), (2, Some("value")));
    assert_eq!(ok(&db, &["deal", "stage", &d["id"].to_string(), "won"])["stage"], "won");
    assert_eq!(ok(&db, &["lead", "show", &id])["status"], "won");
    assert_eq!(ok(&db, &["deal", "list", "--stage", "won"]).as_array().unwrap().len(), 1);
    let dash = ok(&db, &["dashboard"]);
    assert_eq!(dash["pipeline"]["earned_this_month"].as_i64(), Some(50_000));
}

#[test]
fn list_save_show_and_delete_a_smart_list() {
    let (_d, db) = db();
    lead(&db, "Aisha", "0501234567");
    ok(&db, &["lead", "add", "--name", "Bob", "--source", "referral"]);
    let saved = ok(&db, &["list", "save", "Referrals", "--source", "referral"]);
    assert_eq!(saved["count"], 1);
    let shown = ok(&db, &["list", "show", "referrals"]);
    assert_eq!(shown.as_array().unwrap().len(), 1);
    assert_eq!(shown[0]["name"], "Bob");
    assert_eq!(ok(&db, &["list", "all"])[0]["count"], 1);
    ok(&db, &["list", "delete", "Referrals"]);
    let r = leadbook(&db, &["list", "show", "Referrals"]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (1, Some("not_found")));
}

#[test]
fn today_lists_calls_that_wait_for_the_window_before_nine() {
    let (_d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    ok(&db, &["task", "add", "--title", "Call Aisha", "--lead", &id, "--kind", "call", "--due", "2026-03-02T04:00:00Z"]);
    // 08:00 in Dubai.
    let r = leadbook_at(&db, "2026-03-02T04:00:00Z", &["today"]);
    assert_eq!(r.code, 0, "{:?}", r.stderr);
    assert_eq!(r.stdout["in_call_window"], false);
    assert_eq!(r.stdout["calls_wait_label"], "after 09:00");
    assert_eq!(r.stdout["calls"][0]["waits_until"], "2026-03-02T05:00:00Z");
    assert_eq!(r.stdout["new_leads"].as_array().unwrap().len(), 1);
    let later = ok(&db, &["today"]);
    assert_eq!(later["in_call_window"], true);
    assert_eq!(later["calls"][0]["waits_until"], Value::Null);
}

#[test]
fn calendar_export_writes_an_ics_file_and_refuses_another_extension() {
    let (d, db) = db();
    let id = lead(&db, "Aisha", "0501234567");
    let p = ok(&db, &["property", "add", "--title", "JVC 2BR", "--location", "JVC", "--price", "1500000"])["id"].to_string();
    ok(&db, &["viewing", "add", "--lead", &id, "--property", &p, "--at", "2026-03-03T10:00:00Z"]);
    let file = d.path().join("viewings.ics");
    let r = ok(&db, &["calendar", "export", file.to_str().unwrap()]);
    assert_eq!(r["events"], 1);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Dubai"), "{text}");
    assert!(text.contains("DTSTART;TZID=Asia/Dubai:20260303T140000"), "{text}");
    let r = leadbook(&db, &["calendar", "export", d.path().join("v.txt").to_str().unwrap()]);
    assert_eq!((r.code, r.stderr["code"].as_str()), (2, Some("usage")));
}
