//! Lead commands for the current workspace. Each `#[tauri::command]` is a wrapper over a plain
//! function of the same name without the `lead_` prefix, which the tests call with an
//! `AppState` over an in-memory book, with the arguments Tauri would have deserialised.

use super::AppState;
use leadbook_core::leads::possible::PossibleDuplicates;
use leadbook_core::leads::timeline::{TimelineCursor, TimelinePage};
use leadbook_core::leads::{AddOutcome, DuplicateMatch, LeadDetail, LeadPage, LeadQuery};
use leadbook_core::model::{Channel, Status};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::Result;
use tauri::{AppHandle, Emitter, State};

/// Tells every screen that leads changed (so lists and the dashboard refetch).
fn changed(app: &AppHandle) {
    let _ = app.emit("leads-changed", ());
}

pub fn list(state: &AppState, query: &LeadQuery) -> Result<LeadPage> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.list_leads(&ws, query)
}

pub fn get(state: &AppState, id: i64) -> Result<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.lead_detail(&ws, id)
}

/// The next page of a lead's history, after the last entry shown.
pub fn timeline(state: &AppState, id: i64, after: Option<&TimelineCursor>, limit: usize) -> Result<TimelinePage> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.lead_timeline(&ws, id, after, limit)
}

pub fn find_duplicate(state: &AppState, input: &LeadInput) -> Result<Option<DuplicateMatch>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.find_duplicate(&ws, input)
}

pub fn add(state: &AppState, input: &LeadInput) -> Result<AddOutcome> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.add_lead(&ws, input)
}

/// "Add as a new lead" on the duplicate warning: never merged; the shared keys stay the other's.
pub fn add_separate(state: &AppState, input: &LeadInput) -> Result<AddOutcome> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.add_lead_separately(&ws, input)
}

pub fn update(state: &AppState, id: i64, input: &LeadInput) -> Result<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.update_lead(&ws, id, input)?;
    book.lead_detail(&ws, id)
}

pub fn set_status(state: &AppState, id: i64, status: Status) -> Result<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.set_status(&ws, id, status)?;
    book.lead_detail(&ws, id)
}

/// The scan reads every lead (4.8 s at 1 000 000): on a connection of its own, so the window's
/// — the lead list it opens beside — is not held meanwhile. An in-memory book (tests) has only
/// the window's.
pub fn possible_duplicates(state: &AppState, offset: usize, limit: usize) -> Result<PossibleDuplicates> {
    let ws = state.book().current_workspace()?;
    if state.path.is_none() {
        return state.book().possible_duplicates(&ws, offset, limit);
    }
    let book = state.open_another()?;
    // It reads each page once: a page cache of the window's size, not an import's.
    book.set_cache_kib(super::WINDOW_CACHE_KIB)?;
    book.possible_duplicates(&ws, offset, limit)
}

pub fn duplicate_dismiss(state: &AppState, a: i64, b: i64) -> Result<()> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.dismiss_duplicate(&ws, a, b)
}

pub fn merge(state: &AppState, keep: i64, other: i64) -> Result<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.merge_leads(&ws, keep, other)?;
    book.lead_detail(&ws, keep)
}

pub fn reply(state: &AppState, id: i64, text: &str, channel: Option<Channel>) -> Result<LeadDetail> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.record_reply(&ws, id, text, channel)?;
    book.lead_detail(&ws, id)
}

#[tauri::command(async)]
pub fn lead_list(state: State<'_, AppState>, query: LeadQuery) -> Result<LeadPage> {
    list(&state, &query)
}

#[tauri::command(async)]
pub fn lead_get(state: State<'_, AppState>, id: i64) -> Result<LeadDetail> {
    get(&state, id)
}

#[tauri::command(async)]
pub fn lead_timeline(state: State<'_, AppState>, id: i64, after: Option<TimelineCursor>, limit: Option<usize>) -> Result<TimelinePage> {
    timeline(&state, id, after.as_ref(), limit.unwrap_or(leadbook_core::book::LEAD_TIMELINE_PAGE))
}

/// Every field the form holds that a save would refuse, each with its own error: the form
/// shows them all at once (on submit) or the one just left (on blur).
#[tauri::command(async)]
pub fn lead_check(state: State<'_, AppState>, input: LeadInput) -> Result<Vec<leadbook_core::Error>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.check_lead(&ws, &input))
}

#[tauri::command(async)]
pub fn lead_find_duplicate(state: State<'_, AppState>, input: LeadInput) -> Result<Option<DuplicateMatch>> {
    find_duplicate(&state, &input)
}

#[tauri::command(async)]
pub fn lead_add(app: AppHandle, state: State<'_, AppState>, input: LeadInput) -> Result<AddOutcome> {
    let outcome = add(&state, &input)?;
    changed(&app);
    Ok(outcome)
}

#[tauri::command(async)]
pub fn lead_add_separate(app: AppHandle, state: State<'_, AppState>, input: LeadInput) -> Result<AddOutcome> {
    let outcome = add_separate(&state, &input)?;
    changed(&app);
    Ok(outcome)
}

#[tauri::command(async)]
pub fn lead_update(app: AppHandle, state: State<'_, AppState>, id: i64, input: LeadInput) -> Result<LeadDetail> {
    let detail = update(&state, id, &input)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_set_status(app: AppHandle, state: State<'_, AppState>, id: i64, status: Status) -> Result<LeadDetail> {
    let detail = set_status(&state, id, status)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_possible_duplicates(state: State<'_, AppState>, offset: usize, limit: usize) -> Result<PossibleDuplicates> {
    possible_duplicates(&state, offset, limit)
}

#[tauri::command(async)]
pub fn lead_duplicate_dismiss(state: State<'_, AppState>, a: i64, b: i64) -> Result<()> {
    duplicate_dismiss(&state, a, b)
}

#[tauri::command(async)]
pub fn lead_merge(app: AppHandle, state: State<'_, AppState>, keep: i64, other: i64) -> Result<LeadDetail> {
    let detail = merge(&state, keep, other)?;
    changed(&app);
    Ok(detail)
}

#[tauri::command(async)]
pub fn lead_reply(app: AppHandle, state: State<'_, AppState>, id: i64, text: String, channel: Option<Channel>) -> Result<LeadDetail> {
    let detail = reply(&state, id, &text, channel)?;
    changed(&app);
    Ok(detail)
}
