//! The commands as the UI calls them: JSON payloads in, the answer or the `{code, message,
//! field?}` error out, over a book with a fixed clock. The `#[tauri::command]` wrappers only add
//! events to these functions; `ipc` below does what Tauri does first, deserialising the payload
//! into the command's argument types.

use super::{dashboard, leads, transfer, workspace, AppState};
use leadbook_core::clock::FixedClock;
use leadbook_core::leads::LeadQuery;
use leadbook_core::{Book, Error};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn state() -> AppState {
    let book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T09:00:00Z"))).expect("an in-memory book");
    AppState::new(book)
}

fn wire(e: Error) -> Value {
    serde_json::to_value(&e).expect("errors serialise")
}

/// The commands with their arguments as JSON, the way the window's IPC hands them over. A
/// payload that does not fit the argument type never reaches the command: Tauri rejects the call
/// with a string, which the UI reports as `usage` (ui/src/lib/errors.ts) — as `arg` does here.
mod ipc {
    use super::super::{leads, workspace, AppState};
    use leadbook_core::leads::{AddOutcome, LeadDetail, LeadPage};
    use leadbook_core::workspace::Workspace;
    use leadbook_core::{Error, Result};
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    pub fn arg<T: DeserializeOwned>(v: Value) -> Result<T> {
        serde_json::from_value(v).map_err(|e| Error::Usage(format!("malformed payload: {e}")))
    }

    pub fn list(s: &AppState, query: Value) -> Result<LeadPage> {
        leads::list(s, &arg(query)?)
    }
    pub fn get(s: &AppState, id: i64) -> Result<LeadDetail> {
        leads::get(s, id)
    }
    pub fn add(s: &AppState, input: Value) -> Result<AddOutcome> {
        leads::add(s, &arg(input)?)
    }
    pub fn update(s: &AppState, id: i64, input: Value) -> Result<LeadDetail> {
        leads::update(s, id, &arg(input)?)
    }
    pub fn set_status(s: &AppState, id: i64, status: &str) -> Result<LeadDetail> {
        leads::set_status(s, id, arg(json!(status))?)
    }
    pub fn reply(s: &AppState, id: i64, text: &str, channel: Option<&str>) -> Result<LeadDetail> {
        leads::reply(s, id, text, channel.map(|c| arg(json!(c))).transpose()?)
    }
    pub fn update_workspace(s: &AppState, id: i64, patch: Value) -> Result<Workspace> {
        workspace::update(s, id, &arg(patch)?)
    }
}

fn names(state: &AppState) -> Vec<String> {
    let page = ipc::list(state, json!({"sort": "name", "offset": 0, "limit": 50})).unwrap();
    page.rows.into_iter().map(|l| l.name).collect()
}

#[test]
fn lead_add_with_a_blank_name_answers_a_validation_error_naming_the_field_and_saves_nothing() {
    let s = state();
    let e = wire(ipc::add(&s, json!({"name": "   ", "phone": "050 123 4567"})).unwrap_err());
    assert_eq!(e["code"], "validation");
    assert_eq!(e["field"], "name");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(e.as_object().unwrap().len(), 3, "exactly code, message and field: {e}");
    assert!(names(&s).is_empty());
}

#[test]
fn lead_add_with_a_bad_phone_names_the_phone_field() {
    let s = state();
    let e = wire(ipc::add(&s, json!({"name": "Aisha", "phone": "12"})).unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("phone")));
}

#[test]
fn editing_a_lead_onto_another_leads_phone_is_a_duplicate_naming_the_field() {
    let s = state();
    let first = ipc::add(&s, json!({"name": "Aisha Khan", "phone": "0501234567"})).unwrap();
    let second = ipc::add(&s, json!({"name": "Omar Said", "phone": "0507654321"})).unwrap();
    let e = wire(ipc::update(&s, second.id, json!({"name": "Omar Said", "phone": "+971 50 123 4567"})).unwrap_err());
    assert_eq!(e["code"], "duplicate");
    assert_eq!(e["field"], "phone");
    assert_eq!(e["existing_id"], first.id);
    let kept = ipc::get(&s, second.id).unwrap();
    assert_eq!(kept.lead.phone.as_deref(), Some("+971507654321"), "the refused edit changed nothing");
}

#[test]
fn adding_a_known_phone_merges_and_says_into_which_lead() {
    let s = state();
    let first = ipc::add(&s, json!({"name": "Aisha Khan", "phone": "0501234567"})).unwrap();
    let again = ipc::add(&s, json!({"name": "A. Khan", "phone": "00971501234567", "email": "aisha@example.ae"})).unwrap();
    assert_eq!(again.merged_into, Some(first.id));
    assert!(!again.created);
    assert_eq!(names(&s), ["Aisha Khan"]);
}

#[test]
fn switching_workspace_changes_what_lead_list_returns() {
    let s = state();
    ipc::add(&s, json!({"name": "Default Buyer"})).unwrap();
    let marina = workspace::add(&s, "Marina Homes", Some("Asia/Dubai")).unwrap();
    assert_eq!(names(&s), ["Default Buyer"], "adding a workspace does not switch to it");

    assert_eq!(workspace::switch(&s, marina.id).unwrap().name, "Marina Homes");
    assert_eq!(workspace::current(&s).unwrap().id, marina.id);
    assert!(names(&s).is_empty());
    ipc::add(&s, json!({"name": "Marina Seller"})).unwrap();
    assert_eq!(names(&s), ["Marina Seller"]);

    let default = workspace::list(&s).unwrap().into_iter().find(|w| w.name == "Default").unwrap();
    workspace::switch(&s, default.id).unwrap();
    assert_eq!(names(&s), ["Default Buyer"]);
}

#[test]
fn a_lead_of_another_workspace_is_not_found() {
    let s = state();
    let lead = ipc::add(&s, json!({"name": "Default Buyer"})).unwrap();
    let other = workspace::add(&s, "Other", None).unwrap();
    workspace::switch(&s, other.id).unwrap();
    let e = wire(ipc::get(&s, lead.id).unwrap_err());
    assert_eq!(e["code"], "not_found");
    let e = wire(ipc::set_status(&s, lead.id, "won").unwrap_err());
    assert_eq!(e["code"], "not_found");
}

#[test]
fn a_malformed_payload_is_a_usage_error_and_changes_nothing() {
    let s = state();
    for bad in [json!({"name": 5}), json!({"name": "Aisha", "budget_max": "lots"}), json!("Aisha"), json!(null)] {
        let e = wire(ipc::add(&s, bad.clone()).unwrap_err());
        assert_eq!(e["code"], "usage", "{bad} gave {e}");
    }
    let e = wire(ipc::list(&s, json!({"offset": -1, "limit": 10})).unwrap_err());
    assert_eq!(e["code"], "usage");
    let e = wire(ipc::update_workspace(&s, 1, json!({"colour": "blue"})).unwrap_err());
    assert_eq!(e["code"], "usage");
    assert!(names(&s).is_empty());
}

#[test]
fn an_unknown_status_is_refused_listing_the_allowed_ones() {
    let s = state();
    let lead = ipc::add(&s, json!({"name": "Aisha"})).unwrap();
    // Typed arguments: the window's IPC refuses it before the command runs.
    let e = wire(ipc::set_status(&s, lead.id, "sold").unwrap_err());
    assert_eq!(e["code"], "usage");
    assert!(e["message"].as_str().unwrap().contains("negotiating"), "{e}");
    // The command line parses the text itself: a validation error naming the field.
    let e = wire(leadbook_core::model::Status::parse("status", "sold").unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("status")));
    assert!(e["message"].as_str().unwrap().contains("negotiating"), "{e}");
    assert_eq!(ipc::get(&s, lead.id).unwrap().lead.status, leadbook_core::model::Status::New, "nothing changed");
}

#[test]
fn a_status_change_and_a_reply_appear_on_the_timeline() {
    let s = state();
    let lead = ipc::add(&s, json!({"name": "Aisha", "phone": "0501234567"})).unwrap();
    let detail = ipc::set_status(&s, lead.id, "viewing").unwrap();
    assert_eq!(serde_json::to_value(detail.lead.status).unwrap(), "viewing");
    let detail = ipc::reply(&s, lead.id, "Thursday works", Some("whatsapp")).unwrap();
    let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.iter().any(|k| k.contains("status")), "{kinds:?}");
    assert!(kinds.iter().any(|k| k.contains("repl") || k.contains("inbound")), "{kinds:?}");
    let e = wire(ipc::reply(&s, lead.id, "hi", Some("pigeon")).unwrap_err());
    assert_eq!(e["code"], "usage", "the IPC refuses an unknown channel: {e}");
    let e = wire(leadbook_core::model::Channel::parse("channel", "pigeon").unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("channel")));
}

#[test]
fn lead_list_filters_by_grade_and_search() {
    let s = state();
    ipc::add(&s, json!({"name": "Hot Lead", "phone": "0509990001", "telegram_id": 77, "email": "hot@example.ae",
        "budget_max": 3000000, "locations": ["Palm Jumeirah"], "property_type": "villa", "bedrooms": 4, "source": "referral"}))
    .unwrap();
    ipc::add(&s, json!({"name": "Cold Lead"})).unwrap();
    let page = ipc::list(&s, json!({"grade": "A", "offset": 0, "limit": 10})).unwrap();
    assert_eq!((page.total, page.rows[0].name.as_str()), (1, "Hot Lead"));
    let page = ipc::list(&s, json!({"search": "cold", "offset": 0, "limit": 10})).unwrap();
    assert_eq!((page.total, page.rows[0].name.as_str()), (1, "Cold Lead"));
}

/// A window's state over a book in a file (an import opens the file again).
fn file_state(dir: &std::path::Path) -> AppState {
    let book = Book::open(&dir.join("leadbook.db"), Arc::new(FixedClock::at("2026-03-02T09:00:00Z"))).expect("a book file");
    AppState::new(book)
}

fn synth_csv(path: &std::path::Path, rows: usize, seed: u64) {
    let mut text = String::from(leadbook_core::synth::CSV_HEADER);
    text.push('\n');
    for row in leadbook_core::synth::leads(rows, seed) {
        text.push_str(&row.to_csv_line());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn every_lead() -> LeadQuery {
    LeadQuery { limit: Some(5), ..Default::default() }
}

#[test]
fn while_a_100_000_row_import_runs_the_other_commands_answer_and_cancel_is_per_import() {
    let dir = tempfile::tempdir().unwrap();
    let s = file_state(dir.path());
    let big = dir.path().join("big.csv");
    synth_csv(&big, 100_000, 7);
    s.chosen().choose_to_read(&big).unwrap();

    let (started, import_started) = mpsc::channel::<()>();
    let (go_on, carry_on) = mpsc::channel::<()>();
    let finished = AtomicBool::new(false);
    let waited_in_vain = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (s, big, finished, waited_in_vain) = (&s, &big, &finished, &waited_in_vain);
        let importing = scope.spawn(move || {
            let mut paused = false;
            let report = transfer::import(s, "a", big, "auto", "auto", None, &mut |done, total| {
                // Mid-transaction (the last report comes after the commit): let the window work.
                if !paused && done > 0 && done < total {
                    paused = true;
                    started.send(()).unwrap();
                    // Only a guard against a hang: the other side answers at once unless it is stuck.
                    if carry_on.recv_timeout(Duration::from_secs(300)).is_err() {
                        waited_in_vain.store(true, Ordering::Relaxed);
                    }
                }
            });
            finished.store(true, Ordering::Relaxed);
            report
        });

        import_started.recv().expect("the import reports progress from inside its transaction");
        assert!(transfer::running(&s, "a"));
        // The window's commands answer, on the book as it was before the import.
        let page = leads::list(&s, &every_lead()).unwrap();
        assert_eq!(page.total, 0, "the import's rows are not visible until it commits");
        assert_eq!(dashboard::get(&s).unwrap().total_leads, 0);
        assert!(!finished.load(Ordering::Relaxed), "both answered while the import ran");
        // Cancelling another import leaves this one alone.
        transfer::cancel(&s, "b");
        go_on.send(()).unwrap();

        let report = importing.join().unwrap().expect("import a was not cancelled");
        assert!(!waited_in_vain.load(Ordering::Relaxed));
        assert_eq!(report.imported + report.merged + report.rejected.len(), 100_000);
        assert!(report.imported > 90_000, "{} imported", report.imported);
        assert_eq!(leads::list(&s, &every_lead()).unwrap().total, report.imported as i64);
    });
    assert!(!transfer::running(&s, "a"), "a finished import gives its id back");

    // Cancelling an import by its id stops it and keeps nothing.
    let small = dir.path().join("small.csv");
    synth_csv(&small, 3_000, 8);
    s.chosen().choose_to_read(&small).unwrap();
    let before = leads::list(&s, &every_lead()).unwrap().total;
    let e = transfer::import(&s, "c", &small, "auto", "auto", None, &mut |_, _| transfer::cancel(&s, "c")).unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_eq!(leads::list(&s, &every_lead()).unwrap().total, before);
    assert!(!transfer::running(&s, "c"));
}

#[test]
fn an_import_id_runs_once_at_a_time_and_an_in_memory_book_cannot_import_beside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("few.csv");
    synth_csv(&csv, 10, 9);
    let s = file_state(dir.path());
    s.chosen().choose_to_read(&csv).unwrap();
    let e = transfer::import(&s, "x", &csv, "auto", "auto", None, &mut |_, _| {
        let again = transfer::import(&s, "x", &csv, "auto", "auto", None, &mut |_, _| {}).unwrap_err();
        assert_eq!(again.code(), "usage");
    });
    assert!(e.is_ok(), "{e:?}");
    let memory = state();
    memory.chosen().choose_to_read(&csv).unwrap();
    let e = transfer::import(&memory, "y", &csv, "auto", "auto", None, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "usage");
}

/// A window over a book file in `dir/book/`, with the app's data directory at `dir/data/`.
fn guarded_state(dir: &std::path::Path) -> AppState {
    std::fs::create_dir_all(dir.join("book/backups")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let book = Book::open(&dir.join("book/leadbook.db"), Arc::new(FixedClock::at("2026-03-02T09:00:00Z"))).expect("a book file");
    AppState::new(book).with_data_dir(dir.join("data"))
}

fn refused_on_path(e: leadbook_core::Error) -> String {
    let wire = serde_json::to_value(&e).unwrap();
    assert_eq!((wire["code"].as_str(), wire["field"].as_str()), (Some("validation"), Some("path")), "{wire}");
    wire["message"].as_str().unwrap_or_default().to_string()
}

#[test]
fn import_preview_and_export_refuse_a_path_not_chosen_in_this_session() {
    let dir = tempfile::tempdir().unwrap();
    let s = guarded_state(dir.path());
    let csv = dir.path().join("leads.csv");
    synth_csv(&csv, 5, 3);
    let out = dir.path().join("out.csv");

    // Straight to the commands, as a script in the webview would: refused, nothing read or written.
    let msg = refused_on_path(transfer::preview(&s, &csv, "auto", "auto").unwrap_err());
    assert!(msg.contains("Choose button"), "{msg}");
    refused_on_path(transfer::import(&s, "i", &csv, "auto", "auto", None, &mut |_, _| {}).unwrap_err());
    refused_on_path(transfer::export(&s, &out).unwrap_err());
    assert!(!out.exists(), "nothing was written");
    assert_eq!(leads::list(&s, &every_lead()).unwrap().total, 0, "nothing was imported");

    // Chosen (picked in the dialog, or typed and confirmed): the same calls work.
    let real = s.chosen().choose_to_read(&csv).unwrap();
    assert_eq!(transfer::preview(&s, &csv, "auto", "auto").unwrap().total_rows, 5);
    assert_eq!(transfer::preview(&s, &real, "auto", "auto").unwrap().total_rows, 5);
    let report = transfer::import(&s, "i", &csv, "auto", "auto", None, &mut |_, _| {}).unwrap();
    assert_eq!(report.imported + report.merged, 5);
    // Chosen to read is not chosen to write, and the other way round.
    refused_on_path(transfer::export(&s, &csv).unwrap_err());
    s.chosen().choose_to_write(&out).unwrap();
    refused_on_path(transfer::preview(&s, &out, "auto", "auto").unwrap_err());
    assert_eq!(transfer::export(&s, &out).unwrap().leads, 5);
    // Another file in the same folder is still not chosen; a fresh session forgets everything.
    refused_on_path(transfer::export(&s, &dir.path().join("other.csv")).unwrap_err());
    let fresh = guarded_state(&dir.path().join("again"));
    refused_on_path(transfer::preview(&fresh, &csv, "auto", "auto").unwrap_err());
}

#[test]
fn a_typed_path_is_confirmed_only_when_it_is_a_readable_file_or_a_writable_target() {
    let dir = tempfile::tempdir().unwrap();
    let s = guarded_state(dir.path());
    let mut chosen = s.chosen();
    for bad in [std::path::PathBuf::from("leads.csv"), dir.path().join("missing.csv"), dir.path().to_path_buf()] {
        refused_on_path(chosen.choose_to_read(&bad).unwrap_err());
    }
    refused_on_path(chosen.choose_to_write(std::path::Path::new("out.csv")).unwrap_err());
    refused_on_path(chosen.choose_to_write(&dir.path().join("no-such-folder/out.csv")).unwrap_err());
    refused_on_path(chosen.choose_to_write(&dir.path().join("book")).unwrap_err());
    drop(chosen);
    assert!(transfer::preview(&s, &dir.path().join("missing.csv"), "auto", "auto").is_err());
}

#[test]
fn the_app_data_directory_and_the_books_own_files_are_always_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = guarded_state(dir.path());
    let book = dir.path().join("book/leadbook.db");
    std::fs::write(dir.path().join("book/leadbook.secrets.json"), "{}").unwrap();
    std::fs::write(dir.path().join("book/backups/leadbook-2026-03-01.db"), "x").unwrap();
    std::fs::write(dir.path().join("data/anything.csv"), "name\nA\n").unwrap();
    let guarded = [
        book.clone(),
        dir.path().join("book/leadbook.secrets.json"),
        dir.path().join("book/backups/leadbook-2026-03-01.db"),
        dir.path().join("data/anything.csv"),
    ];
    for p in &guarded {
        let msg = refused_on_path(s.chosen().choose_to_read(p).unwrap_err());
        assert!(msg.contains("Leadbook's own data"), "{msg}");
        refused_on_path(s.chosen().choose_to_write(p).unwrap_err());
        refused_on_path(transfer::preview(&s, p, "auto", "auto").unwrap_err());
        refused_on_path(transfer::export(&s, p).unwrap_err());
    }
    // A new file there, the journal, and a symlink from outside into the data are refused too.
    refused_on_path(s.chosen().choose_to_write(&dir.path().join("data/new.xlsx")).unwrap_err());
    refused_on_path(s.chosen().choose_to_write(&dir.path().join("book/leadbook.db-wal")).unwrap_err());
    #[cfg(unix)]
    {
        let link = dir.path().join("innocent.csv");
        std::os::unix::fs::symlink(&book, &link).unwrap();
        refused_on_path(s.chosen().choose_to_read(&link).unwrap_err());
        refused_on_path(s.chosen().choose_to_write(&link).unwrap_err());
    }
    // The book is untouched and still opens.
    assert!(leads::list(&s, &every_lead()).is_ok());
    // A file beside the book that is not one of its own is fine.
    let beside = dir.path().join("book/clients.csv");
    synth_csv(&beside, 2, 1);
    assert!(s.chosen().choose_to_read(&beside).is_ok());
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(f)
}

const TG_TOKEN: &str = "7000000001:AAE-test-token";

/// A Telegram channel on the fake Bot API, tested once (as "Test connection" does).
fn telegram_state(server: &leadbook_test_servers::Telegram) -> AppState {
    use leadbook_core::messaging::channels::{config::Settings, Provider};
    let s = state();
    {
        let mut book = s.book();
        let ws = book.current_workspace().expect("a workspace");
        let settings = Settings { base_url: Some(server.base_url()), bot_username: Some("leadbook_test_bot".into()), ..Settings::default() };
        book.set_channel(&ws, s.secrets.as_ref(), Provider::Telegram, &settings, Some(TG_TOKEN)).expect("telegram set up");
        let ch = book.load_channels(&ws, s.secrets.as_ref(), &leadbook_core::messaging::channels::http_client().expect("a client")).expect("channels");
        block_on(book.test_channel(&ws, &ch, Provider::Telegram)).expect("the test answers");
    }
    s
}

fn telegram_info(s: &AppState) -> leadbook_core::messaging::channels::config::ChannelInfo {
    let book = s.book();
    let ws = book.current_workspace().expect("a workspace");
    let mut all = book.channels(&ws, s.secrets.as_ref()).expect("the channels").channels;
    all.remove(all.iter().position(|c| c.provider.as_str() == "telegram").expect("telegram is listed"))
}

#[test]
fn a_webhook_on_the_bot_is_flagged_on_the_channel_and_channel_delete_webhook_removes_it() {
    use leadbook_core::messaging::channels::Provider;
    let server = leadbook_test_servers::Telegram::start(TG_TOKEN);
    server.set_webhook("https://example.com/hook");
    let s = telegram_state(&server);
    let before = telegram_info(&s);
    assert_eq!((before.state.as_str(), before.webhook), ("needs_attention", true), "{before:?}");
    let listed = serde_json::to_value(&before).expect("serialises");
    assert_eq!(listed["webhook"], true, "the window sees the flag: {listed}");

    let after = block_on(super::channels::delete_webhook(&s, Provider::Telegram)).expect("the webhook is removed");
    assert_eq!(server.webhook(), None, "Telegram was asked to delete it");
    assert_eq!((after.state.as_str(), after.webhook, after.detail.as_deref()), ("ok", false, None), "{after:?}");
    assert_eq!(telegram_info(&s), after, "what the command answers is what is recorded");
    let listed = serde_json::to_value(&after).expect("serialises");
    assert!(listed.get("webhook").is_none(), "without a webhook the channel reads as before: {listed}");
}

#[test]
fn channel_delete_webhook_on_a_provider_without_one_is_a_validation_error_and_changes_nothing() {
    use leadbook_core::messaging::channels::Provider;
    let server = leadbook_test_servers::Telegram::start(TG_TOKEN);
    server.set_webhook("https://example.com/hook");
    let s = telegram_state(&server);
    let e = wire(block_on(super::channels::delete_webhook(&s, Provider::Whatsapp)).unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("provider")), "{e}");
    assert_eq!(server.webhook().as_deref(), Some("https://example.com/hook"));
    assert!(telegram_info(&s).webhook, "the Telegram channel still says so");

    let fresh = state();
    let e = wire(block_on(super::channels::delete_webhook(&fresh, Provider::Telegram)).unwrap_err());
    assert_eq!(e["code"], "validation", "telegram not set up: {e}");
}

#[test]
fn llm_set_review_turns_the_review_of_the_models_drafts_off_and_on_and_needs_a_model() {
    use super::intelligence;
    let s = state();
    let e = wire(intelligence::set_review(&s, false).unwrap_err());
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("review")), "no model yet: {e}");
    assert!(intelligence::get(&s).expect("llm_get").settings.is_none(), "nothing was saved");

    s.book().set_llm(s.secrets.as_ref(), "http://127.0.0.1:11434", "llama3.1", None, None).expect("a model");
    assert!(intelligence::get(&s).expect("llm_get").settings.expect("set up").review, "on by default once a model is set");
    let off = intelligence::set_review(&s, false).expect("review off");
    assert!(!off.settings.as_ref().expect("set up").review);
    assert!(!intelligence::get(&s).expect("llm_get").settings.expect("set up").review, "kept");
    let on = intelligence::set_review(&s, true).expect("review on");
    let settings = on.settings.expect("set up");
    assert!(settings.review);
    assert_eq!((settings.base_url.as_str(), settings.model.as_str()), ("http://127.0.0.1:11434", "llama3.1"), "the rest is untouched");
}

#[test]
fn the_calendar_is_written_only_to_a_path_chosen_in_this_session_and_only_as_ics() {
    let dir = tempfile::tempdir().unwrap();
    let s = guarded_state(dir.path());
    let out = dir.path().join("viewings.ics");
    refused_on_path(transfer::calendar(&s, &out).unwrap_err());
    assert!(!out.exists(), "nothing was written");
    s.chosen().choose_to_write(&out).unwrap();
    let written = transfer::calendar(&s, &out).unwrap();
    assert_eq!(written.events, 0);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("BEGIN:VCALENDAR"));
    // A chosen file that is not a calendar is refused before anything is written.
    let xlsx = dir.path().join("viewings.xlsx");
    s.chosen().choose_to_write(&xlsx).unwrap();
    assert_eq!(transfer::calendar(&s, &xlsx).unwrap_err().code(), "usage");
    assert!(!xlsx.exists());
}
