//! The agent's day (SPEC §13) for the current workspace: Today, tasks, calls, viewings, deals
//! and smart lists. Each `#[tauri::command]` wraps one `Book` method; the plain function under
//! it is what the tests call.

use super::AppState;
use leadbook_core::leads::lists::SmartList;
use leadbook_core::leads::{Lead, LeadPage, LeadQuery};
use leadbook_core::tasks::calls::{Call, CallOutcome};
use leadbook_core::tasks::deals::{Deal, DealInput, DealStage};
use leadbook_core::tasks::viewings::{Viewing, ViewingFilter, ViewingInput, ViewingStatus};
use leadbook_core::tasks::{Task, TaskCursor, TaskFilter, TaskInput, TaskPage};
use leadbook_core::today::Today;
use leadbook_core::workflows::{CallLogged, ViewingBooked};
use leadbook_core::{Book, Result};
use tauri::{AppHandle, Emitter, State};

/// Tells every screen that leads changed (a call or a deal moves a lead).
fn changed(app: &AppHandle) {
    let _ = app.emit("leads-changed", ());
}

/// Runs `f` on the book in the current workspace.
pub fn on<T>(state: &AppState, f: impl FnOnce(&mut Book, &leadbook_core::workspace::Workspace) -> Result<T>) -> Result<T> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    f(&mut book, &ws)
}

#[tauri::command(async)]
pub fn today(state: State<'_, AppState>) -> Result<Today> {
    on(&state, |b, ws| b.today(ws))
}

#[tauri::command(async)]
pub fn task_list(state: State<'_, AppState>, filter: TaskFilter) -> Result<Vec<Task>> {
    on(&state, |b, ws| b.tasks(ws, &filter))
}

/// One page of the tasks of `filter` (at most `limit`, 100 by default, after `after`), with their total.
#[tauri::command(async)]
pub fn task_page(state: State<'_, AppState>, filter: TaskFilter, after: Option<TaskCursor>, limit: Option<usize>) -> Result<TaskPage> {
    on(&state, |b, ws| b.task_page(ws, &filter, after.as_ref(), limit.unwrap_or(100)))
}

#[tauri::command(async)]
pub fn task_add(state: State<'_, AppState>, input: TaskInput) -> Result<Task> {
    on(&state, |b, ws| b.add_task(ws, &input))
}

#[tauri::command(async)]
pub fn task_done(state: State<'_, AppState>, id: i64) -> Result<Task> {
    on(&state, |b, ws| b.task_done(ws, id))
}

#[tauri::command(async)]
pub fn task_snooze(state: State<'_, AppState>, id: i64, until: String) -> Result<Task> {
    on(&state, |b, ws| b.snooze_task(ws, id, &until))
}

#[tauri::command(async)]
pub fn call_log(app: AppHandle, state: State<'_, AppState>, lead_id: i64, outcome: CallOutcome, notes: Option<String>, duration_s: Option<i64>) -> Result<CallLogged> {
    let logged = on(&state, |b, ws| b.log_call(ws, lead_id, outcome, notes.as_deref(), duration_s))?;
    changed(&app);
    Ok(logged)
}

#[tauri::command(async)]
pub fn call_list(state: State<'_, AppState>, lead_id: i64) -> Result<Vec<Call>> {
    on(&state, |b, ws| b.calls(ws, lead_id))
}

#[tauri::command(async)]
pub fn lead_set_do_not_market(app: AppHandle, state: State<'_, AppState>, id: i64, marked: bool, reason: String) -> Result<Lead> {
    let lead = on(&state, |b, ws| b.set_do_not_market(ws, id, marked, &reason))?;
    changed(&app);
    Ok(lead)
}

#[tauri::command(async)]
pub fn viewing_add(app: AppHandle, state: State<'_, AppState>, input: ViewingInput) -> Result<ViewingBooked> {
    let booked = on(&state, |b, ws| b.book_viewing(ws, &input))?;
    changed(&app);
    Ok(booked)
}

#[tauri::command(async)]
pub fn viewing_list(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    lead_id: Option<i64>,
    property_id: Option<i64>,
) -> Result<Vec<Viewing>> {
    let time = |f: &str, v: Option<String>| v.map(|s| leadbook_core::tasks::parse_input_time(f, &s)).transpose();
    let filter = ViewingFilter { from: time("from", from)?, to: time("to", to)?, lead: lead_id, property: property_id };
    on(&state, |b, ws| b.viewings(ws, &filter))
}

#[tauri::command(async)]
pub fn viewing_set_status(state: State<'_, AppState>, id: i64, status: ViewingStatus) -> Result<Viewing> {
    on(&state, |b, ws| b.set_viewing_status(ws, id, status))
}

#[tauri::command(async)]
pub fn deal_add(app: AppHandle, state: State<'_, AppState>, input: DealInput) -> Result<Deal> {
    let d = on(&state, |b, ws| b.add_deal(ws, &input))?;
    changed(&app);
    Ok(d)
}

#[tauri::command(async)]
pub fn deal_list(state: State<'_, AppState>, stage: Option<DealStage>) -> Result<Vec<Deal>> {
    on(&state, |b, ws| b.deals(ws, stage))
}

#[tauri::command(async)]
pub fn deal_set_stage(app: AppHandle, state: State<'_, AppState>, id: i64, stage: DealStage) -> Result<Deal> {
    let d = on(&state, |b, ws| b.set_deal_stage(ws, id, stage))?;
    changed(&app);
    Ok(d)
}

#[tauri::command(async)]
pub fn list_all(state: State<'_, AppState>) -> Result<Vec<SmartList>> {
    on(&state, |b, ws| b.lists(ws))
}

#[tauri::command(async)]
pub fn list_save(state: State<'_, AppState>, name: String, filter: LeadQuery) -> Result<SmartList> {
    on(&state, |b, ws| b.save_list(ws, &name, &filter))
}

#[tauri::command(async)]
pub fn list_show(state: State<'_, AppState>, name: String, limit: Option<u32>) -> Result<LeadPage> {
    on(&state, |b, ws| b.show_list(ws, &name, limit))
}

#[tauri::command(async)]
pub fn list_delete(state: State<'_, AppState>, name: String) -> Result<()> {
    on(&state, |b, ws| b.delete_list(ws, &name))
}
