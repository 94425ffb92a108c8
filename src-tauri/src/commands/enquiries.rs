//! Enquiry mail commands for the current workspace: the lead senders whose mail becomes leads,
//! and the unparsed list (mails the app could not read), which the agent dismisses or turns
//! into a lead. Each `#[tauri::command]` wraps a plain function the tests call.

use super::AppState;
use leadbook_core::enquiries::senders::Sender;
use leadbook_core::enquiries::unparsed::Unparsed;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::leads::AddOutcome;
use leadbook_core::model::Portal;
use leadbook_core::Result;
use tauri::{AppHandle, Emitter, State};

pub fn senders(state: &AppState) -> Result<Vec<Sender>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.email_senders(&ws)
}

pub fn add_sender(state: &AppState, pattern: &str, portal: Option<Portal>) -> Result<Sender> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.add_email_sender(&ws, pattern, portal)
}

pub fn remove_sender(state: &AppState, pattern: &str) -> Result<()> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.remove_email_sender(&ws, pattern)
}

pub fn unparsed(state: &AppState, all: bool) -> Result<Vec<Unparsed>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.unparsed_mail(&ws, all)
}

pub fn dismiss(state: &AppState, id: i64) -> Result<Unparsed> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.dismiss_unparsed(&ws, id)
}

pub fn add_as_lead(state: &AppState, id: i64, input: &LeadInput) -> Result<AddOutcome> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.add_unparsed_as_lead(&ws, id, input)
}

#[tauri::command(async)]
pub fn email_sender_list(state: State<'_, AppState>) -> Result<Vec<Sender>> {
    senders(&state)
}

#[tauri::command(async)]
pub fn email_sender_add(state: State<'_, AppState>, pattern: String, portal: Option<Portal>) -> Result<Sender> {
    add_sender(&state, &pattern, portal)
}

#[tauri::command(async)]
pub fn email_sender_remove(state: State<'_, AppState>, pattern: String) -> Result<()> {
    remove_sender(&state, &pattern)
}

#[tauri::command(async)]
pub fn unparsed_list(state: State<'_, AppState>, all: bool) -> Result<Vec<Unparsed>> {
    unparsed(&state, all)
}

#[tauri::command(async)]
pub fn unparsed_dismiss(state: State<'_, AppState>, id: i64) -> Result<Unparsed> {
    dismiss(&state, id)
}

#[tauri::command(async)]
pub fn unparsed_add_lead(app: AppHandle, state: State<'_, AppState>, id: i64, input: LeadInput) -> Result<AddOutcome> {
    let outcome = add_as_lead(&state, id, &input)?;
    let _ = app.emit("leads-changed", ());
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadbook_core::clock::FixedClock;
    use leadbook_core::Book;
    use std::sync::Arc;

    fn state() -> AppState {
        AppState::new(Book::open_in_memory(Arc::new(FixedClock::at("2026-03-06T12:00:00Z"))).expect("an in-memory book"))
    }

    const NOT_AN_ENQUIRY: &[u8] = b"From: no-reply@propertyfinder.ae\r\nSubject: Your listing is live\r\nMessage-ID: <live@pf>\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>Your listing <b>PH-1</b> is live.</p>\r\n";

    #[test]
    fn the_unparsed_list_is_read_dismissed_and_turned_into_a_lead_through_the_commands() {
        let s = state();
        {
            let mut book = s.book();
            let ws = book.current_workspace().unwrap();
            book.take_mail(&ws, NOT_AN_ENQUIRY).unwrap();
            assert_eq!(book.take_mail(&ws, NOT_AN_ENQUIRY).unwrap(), leadbook_core::messaging::email_in::MailTaken::AlreadySeen);
        }
        let open = unparsed(&s, false).unwrap();
        assert_eq!(open.len(), 1, "the same mail is kept once");
        assert_eq!(open[0].raw_text, "Your listing PH-1 is live.");
        let input: LeadInput = serde_json::from_value(serde_json::json!({"name": "Omar", "phone": "0501234567"})).unwrap();
        let added = add_as_lead(&s, open[0].id, &input).unwrap();
        assert!(added.created);
        assert!(unparsed(&s, false).unwrap().is_empty());
        let err = dismiss(&s, 999).unwrap_err();
        assert_eq!(serde_json::to_value(&err).unwrap()["code"], "not_found");
    }

    #[test]
    fn a_lead_sender_is_added_with_its_portal_as_the_ui_sends_it_and_removed() {
        let s = state();
        let portal: Option<Portal> = serde_json::from_value(serde_json::json!("bayut")).unwrap();
        let added = add_sender(&s, "Leads@Agency.ae", portal).unwrap();
        assert_eq!(serde_json::to_value(&added).unwrap(), serde_json::json!({"pattern": "leads@agency.ae", "portal": "bayut", "builtin": false, "created_at": "2026-03-06T12:00:00Z"}));
        assert!(serde_json::from_value::<Option<Portal>>(serde_json::json!("craigslist")).is_err(), "Tauri refuses an unknown portal before the command");
        assert_eq!(senders(&s).unwrap().iter().filter(|x| !x.builtin).count(), 1);
        remove_sender(&s, "leads@agency.ae").unwrap();
        let err = add_sender(&s, "nobody", None).unwrap_err();
        assert_eq!(serde_json::to_value(&err).unwrap()["field"], "pattern");
    }
}
