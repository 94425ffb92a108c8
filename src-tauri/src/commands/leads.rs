//! Lead commands for the current workspace. Each `#[tauri::command]` is a wrapper over a plain
//! function of the same name without the `lead_` prefix, which the tests call with an
//! `AppState` over an in-memory book.

use super::{payload, AppState, CmdResult};
use leadbook_core::leads::{AddOutcome, DuplicateMatch, LeadDetail, LeadPage, LeadQuery};
use leadbook_core::model::{Channel, Status};
use leadbook_core::leads::validate::LeadInput;
use serde_json::Value;
use tauri::{AppHandle, Emitter, State};

/// Tells every screen that leads changed (so lists and the dashboard refetch).
fn changed(app: &AppHandle) {
    let _ = app.emit("leads-changed", ());
}

pub fn list(state: &AppState, query: Value) -> CmdResult<LeadPage> {
    let query: LeadQuery = payload("lead query", query)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.list_leads(&ws, &query)?)
}

pub fn get(state: &AppState, id: i64) -> CmdResult<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.lead_detail(&ws, id)?)
}

pub fn find_duplicate(state: &AppState, input: Value) -> CmdResult<Option<DuplicateMatch>> {
    let input: LeadInput = payload("lead", input)?;
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.find_duplicate(&ws, &input)?)
}

pub fn add(state: &AppState, input: Value) -> CmdResult<AddOutcome> {
    let input: LeadInput = payload("lead", input)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.add_lead(&ws, &input)?)
}

pub fn update(state: &AppState, id: i64, input: Value) -> CmdResult<LeadDetail> {
    let input: LeadInput = payload("lead", input)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.update_lead(&ws, id, &input)?;
    Ok(book.lead_detail(&ws, id)?)
}

pub fn set_status(state: &AppState, id: i64, status: &str) -> CmdResult<LeadDetail> {
    let status = Status::parse("status", status)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.set_status(&ws, id, status)?;
    Ok(book.lead_detail(&ws, id)?)
}

pub fn merge(state: &AppState, keep: i64, other: i64) -> CmdResult<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.merge_leads(&ws, keep, other)?;
    Ok(book.lead_detail(&ws, keep)?)
}

pub fn reply(state: &AppState, id: i64, text: &str, channel: Option<&str>) -> CmdResult<LeadDetail> {
    let channel = channel.map(|c| Channel::parse("channel", c)).transpose()?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.record_reply(&ws, id, text, channel)?;
    Ok(book.lead_detail(&ws, id)?)
}

#[tauri::command(async)]
pub fn lead_list(state: State<'_, AppState>, query: Value) -> CmdResult<LeadPage> {
    list(&state, query)
}

#[tauri::command(async)]
pub fn lead_get(state: State<'_, AppState>, id: i64) -> CmdResult<LeadDetail> {
    get(&state, id)
}

#[tauri::command(async)]
pub fn lead_find_duplicate(state: State<'_, AppState>, input: Value) -> CmdResult<Option<DuplicateMatch>> {
    find_duplicate(&state, input)
}

#[tauri::command(async)]
pub fn lead_add(app: AppHandle, state: State<'_, AppState>, input: Value) -> CmdResult<AddOutcome> {
    let outcome = add(&state, input)?;
    changed(&app);
    Ok(outcome)
}

#[tauri::command(async)]
pub fn lead_update(app: AppHandle, state: State<'_, AppState>, id: i64, input: Value) -> CmdResult<LeadDetail> {
    let detail = update(&state, id, input)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_set_status(app: AppHandle, state: State<'_, AppState>, id: i64, status: String) -> CmdResult<LeadDetail> {
    let detail = set_status(&state, id, &status)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_merge(app: AppHandle, state: State<'_, AppState>, keep: i64, other: i64) -> CmdResult<LeadDetail> {
    let detail = merge(&state, keep, other)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_reply(app: AppHandle, state: State<'_, AppState>, id: i64, text: String, channel: Option<String>) -> CmdResult<LeadDetail> {
    let detail = reply(&state, id, &text, channel.as_deref())?;
    changed(&app);
    Ok(detail)
}
