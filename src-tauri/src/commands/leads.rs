//! Lead commands for the current workspace.

use super::{payload, AppState, CmdResult};
use leadbook_core::leads::{AddOutcome, DuplicateMatch, LeadDetail, LeadPage, LeadQuery};
use leadbook_core::model::{Channel, Status};
use leadbook_core::validate::LeadInput;
use tauri::{AppHandle, Emitter, State};

/// Tells every screen that leads changed (so lists and the dashboard refetch).
fn changed(app: &AppHandle) {
    let _ = app.emit("leads-changed", ());
}

#[tauri::command(async)]
pub fn lead_list(state: State<'_, AppState>, query: serde_json::Value) -> CmdResult<LeadPage> {
    let query: LeadQuery = payload("lead query", query)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.list_leads(&ws, &query)?)
}

#[tauri::command(async)]
pub fn lead_get(state: State<'_, AppState>, id: i64) -> CmdResult<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.lead_detail(&ws, id)?)
}

#[tauri::command(async)]
pub fn lead_find_duplicate(state: State<'_, AppState>, input: serde_json::Value) -> CmdResult<Option<DuplicateMatch>> {
    let input: LeadInput = payload("lead", input)?;
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.find_duplicate(&ws, &input)?)
}

#[tauri::command(async)]
pub fn lead_add(app: AppHandle, state: State<'_, AppState>, input: serde_json::Value) -> CmdResult<AddOutcome> {
    let input: LeadInput = payload("lead", input)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let outcome = book.add_lead(&ws, &input)?;
    changed(&app);
    Ok(outcome)
}

#[tauri::command(async)]
pub fn lead_update(app: AppHandle, state: State<'_, AppState>, id: i64, input: serde_json::Value) -> CmdResult<LeadDetail> {
    let input: LeadInput = payload("lead", input)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.update_lead(&ws, id, &input)?;
    changed(&app);
    Ok(book.lead_detail(&ws, id)?)
}

#[tauri::command(async)]
pub fn lead_set_status(app: AppHandle, state: State<'_, AppState>, id: i64, status: String) -> CmdResult<LeadDetail> {
    let status = Status::parse("status", &status)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.set_status(&ws, id, status)?;
    changed(&app);
    Ok(book.lead_detail(&ws, id)?)
}

#[tauri::command(async)]
pub fn lead_merge(app: AppHandle, state: State<'_, AppState>, keep: i64, other: i64) -> CmdResult<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.merge_leads(&ws, keep, other)?;
    changed(&app);
    Ok(book.lead_detail(&ws, keep)?)
}

#[tauri::command(async)]
pub fn lead_reply(app: AppHandle, state: State<'_, AppState>, id: i64, text: String, channel: Option<String>) -> CmdResult<LeadDetail> {
    let channel = channel.map(|c| Channel::parse("channel", &c)).transpose()?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.record_reply(&ws, id, &text, channel)?;
    changed(&app);
    Ok(book.lead_detail(&ws, id)?)
}
