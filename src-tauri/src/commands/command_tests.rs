//! The commands as the UI calls them: JSON payloads in, the answer or the `{code, message,
//! field?}` error out, over an in-memory book with a fixed clock. The `#[tauri::command]`
//! wrappers only add the `leads-changed` event to these functions.

use super::{leads, workspace, AppState, CommandError};
use leadbook_core::clock::FixedClock;
use leadbook_core::Book;
use serde_json::{json, Value};
use std::sync::Arc;

fn state() -> AppState {
    let book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T09:00:00Z"))).expect("an in-memory book");
    AppState::new(book)
}

fn wire(e: CommandError) -> Value {
    serde_json::to_value(&e).expect("errors serialise")
}

fn names(state: &AppState) -> Vec<String> {
    let page = leads::list(state, json!({"sort": "name", "offset": 0, "limit": 50})).unwrap();
    page.rows.into_iter().map(|l| l.name).collect()
}

#[test]
fn lead_add_with_a_blank_name_answers_a_validation_error_naming_the_field_and_saves_nothing() {
    let s = state();
    let e = wire(leads::add(&s, json!({"name": "   ", "phone": "050 123 4567"})).unwrap_err());
    assert_eq!(e["code"], "validation");
    assert_eq!(e["field"], "name");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(e.as_object().unwrap().len(), 3, "exactly code, message and field: {e}");
    assert!(names(&s).is_empty());
}

#[test]
fn lead_add_with_a_bad_phone_names_the_phone_field() {
    let s = state();
    let e = wire(leads::add(&s, json!({"name": "Aisha", "phone": "12"})).unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("phone")));
}

#[test]
fn editing_a_lead_onto_another_leads_phone_is_a_duplicate_naming_the_field() {
    let s = state();
    let first = leads::add(&s, json!({"name": "Aisha Khan", "phone": "0501234567"})).unwrap();
    let second = leads::add(&s, json!({"name": "Omar Said", "phone": "0507654321"})).unwrap();
    let e = wire(leads::update(&s, second.id, json!({"name": "Omar Said", "phone": "+971 50 123 4567"})).unwrap_err());
    assert_eq!(e["code"], "duplicate");
    assert_eq!(e["field"], "phone");
    assert_eq!(e["existing_id"], first.id);
    let kept = leads::get(&s, second.id).unwrap();
    assert_eq!(kept.lead.phone.as_deref(), Some("+971507654321"), "the refused edit changed nothing");
}

#[test]
fn adding_a_known_phone_merges_and_says_into_which_lead() {
    let s = state();
    let first = leads::add(&s, json!({"name": "Aisha Khan", "phone": "0501234567"})).unwrap();
    let again = leads::add(&s, json!({"name": "A. Khan", "phone": "00971501234567", "email": "aisha@example.ae"})).unwrap();
    assert_eq!(again.merged_into, Some(first.id));
    assert!(!again.created);
    assert_eq!(names(&s), ["Aisha Khan"]);
}

#[test]
fn switching_workspace_changes_what_lead_list_returns() {
    let s = state();
    leads::add(&s, json!({"name": "Default Buyer"})).unwrap();
    let marina = workspace::add(&s, "Marina Homes", Some("Asia/Dubai")).unwrap();
    assert_eq!(names(&s), ["Default Buyer"], "adding a workspace does not switch to it");

    assert_eq!(workspace::switch(&s, marina.id).unwrap().name, "Marina Homes");
    assert_eq!(workspace::current(&s).unwrap().id, marina.id);
    assert!(names(&s).is_empty());
    leads::add(&s, json!({"name": "Marina Seller"})).unwrap();
    assert_eq!(names(&s), ["Marina Seller"]);

    let default = workspace::list(&s).unwrap().into_iter().find(|w| w.name == "Default").unwrap();
    workspace::switch(&s, default.id).unwrap();
    assert_eq!(names(&s), ["Default Buyer"]);
}

#[test]
fn a_lead_of_another_workspace_is_not_found() {
    let s = state();
    let lead = leads::add(&s, json!({"name": "Default Buyer"})).unwrap();
    let other = workspace::add(&s, "Other", None).unwrap();
    workspace::switch(&s, other.id).unwrap();
    let e = wire(leads::get(&s, lead.id).unwrap_err());
    assert_eq!(e["code"], "not_found");
    let e = wire(leads::set_status(&s, lead.id, "won").unwrap_err());
    assert_eq!(e["code"], "not_found");
}

#[test]
fn a_malformed_payload_is_a_usage_error_and_changes_nothing() {
    let s = state();
    for bad in [json!({"name": 5}), json!({"name": "Aisha", "budget_max": "lots"}), json!("Aisha"), json!(null)] {
        let e = wire(leads::add(&s, bad.clone()).unwrap_err());
        assert_eq!(e["code"], "usage", "{bad} gave {e}");
    }
    let e = wire(leads::list(&s, json!({"offset": -1, "limit": 10})).unwrap_err());
    assert_eq!(e["code"], "usage");
    let e = wire(workspace::update(&s, 1, json!({"colour": "blue"})).unwrap_err());
    assert_eq!(e["code"], "usage");
    assert!(names(&s).is_empty());
}

#[test]
fn an_unknown_status_is_a_validation_error_listing_the_allowed_ones() {
    let s = state();
    let lead = leads::add(&s, json!({"name": "Aisha"})).unwrap();
    let e = wire(leads::set_status(&s, lead.id, "sold").unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("status")));
    assert!(e["message"].as_str().unwrap().contains("negotiating"), "{e}");
}

#[test]
fn a_status_change_and_a_reply_appear_on_the_timeline() {
    let s = state();
    let lead = leads::add(&s, json!({"name": "Aisha", "phone": "0501234567"})).unwrap();
    let detail = leads::set_status(&s, lead.id, "viewing").unwrap();
    assert_eq!(serde_json::to_value(detail.lead.status).unwrap(), "viewing");
    let detail = leads::reply(&s, lead.id, "Thursday works", Some("whatsapp")).unwrap();
    let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.iter().any(|k| k.contains("status")), "{kinds:?}");
    assert!(kinds.iter().any(|k| k.contains("repl") || k.contains("inbound")), "{kinds:?}");
    let e = wire(leads::reply(&s, lead.id, "hi", Some("pigeon")).unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("channel")));
}

#[test]
fn lead_list_filters_by_grade_and_search() {
    let s = state();
    leads::add(&s, json!({"name": "Hot Lead", "phone": "0509990001", "telegram_id": 77, "email": "hot@example.ae",
        "budget_max": 3000000, "locations": ["Palm Jumeirah"], "property_type": "villa", "bedrooms": 4, "source": "referral"}))
    .unwrap();
    leads::add(&s, json!({"name": "Cold Lead"})).unwrap();
    let page = leads::list(&s, json!({"grade": "A", "offset": 0, "limit": 10})).unwrap();
    assert_eq!((page.total, page.rows[0].name.as_str()), (1, "Hot Lead"));
    let page = leads::list(&s, json!({"search": "cold", "offset": 0, "limit": 10})).unwrap();
    assert_eq!((page.total, page.rows[0].name.as_str()), (1, "Cold Lead"));
}
