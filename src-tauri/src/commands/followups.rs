//! Follow-up commands for the current workspace. The 60 s tick itself runs in the background
//! (`crate::background`); `followup_run` is the agent's "run now".

use super::AppState;
use leadbook_core::followups::{Campaign, DueCursor, DuePage, Enrolment, Step, StepStats, TickReport};
use leadbook_core::model::Language;
use leadbook_core::Result;
use tauri::{AppHandle, Emitter, State};

#[tauri::command(async)]
pub fn followup_run(app: AppHandle, state: State<'_, AppState>) -> Result<TickReport> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let r = book.followup_tick(&ws)?;
    let _ = app.emit("outbox-changed", ());
    Ok(r)
}

/// One page of the due queue (at most `limit`, 100 by default, after `after`), with the day's totals.
#[tauri::command(async)]
pub fn followup_due(state: State<'_, AppState>, after: Option<DueCursor>, limit: Option<usize>) -> Result<DuePage> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.due_page(&ws, after.as_ref(), limit.unwrap_or(100))
}

#[tauri::command(async)]
pub fn campaign_list(state: State<'_, AppState>) -> Result<Vec<Campaign>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.campaigns(&ws)
}

#[tauri::command(async)]
pub fn campaign_update(state: State<'_, AppState>, id: i64, steps: Vec<Step>) -> Result<Campaign> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.update_campaign_steps(&ws, id, &steps)
}

#[tauri::command(async)]
pub fn lead_enrolments(state: State<'_, AppState>, lead_id: i64) -> Result<Vec<Enrolment>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.enrolments(&ws, lead_id)
}

#[tauri::command(async)]
pub fn followup_pause(state: State<'_, AppState>, lead_id: i64) -> Result<Vec<Enrolment>> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.pause_followups(&ws, lead_id)
}

#[tauri::command(async)]
pub fn followup_resume(state: State<'_, AppState>, lead_id: i64) -> Result<Vec<Enrolment>> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.resume_followups(&ws, lead_id)
}

/// A template rendered for one lead, in `language` if given (the editor's live preview).
#[tauri::command(async)]
pub fn template_preview(state: State<'_, AppState>, lead_id: i64, template: String, language: Option<Language>) -> Result<String> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.preview_template(&ws, lead_id, &template, language)
}

/// A/B figures of every step under test.
#[tauri::command(async)]
pub fn campaign_stats(state: State<'_, AppState>) -> Result<Vec<StepStats>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.campaign_stats(&ws)
}

/// Ends a step's A/B test: `variant` (0 = A) becomes its text.
#[tauri::command(async)]
pub fn campaign_promote(state: State<'_, AppState>, campaign_id: i64, position: i64, variant: usize) -> Result<Campaign> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.promote_variant(&ws, campaign_id, position, variant)
}
