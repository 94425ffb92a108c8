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
