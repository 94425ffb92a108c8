//! Follow-up commands for the current workspace, and the timer that ticks every 60 s while
//! the window is open.

use super::{payload, AppState, CmdResult};
use leadbook_core::followups::{Campaign, DueItem, Enrolment, Step, StepStats, TickReport};
use leadbook_core::model::Language;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, State};

/// How often the follow-up tick runs while the app is open (SPEC §5).
pub const TICK_EVERY: Duration = Duration::from_secs(60);

/// Runs one tick for every workspace at start-up and then every [`TICK_EVERY`], off the UI
/// thread; tells the UI (`followups-ticked`) when something was queued or stopped.
pub fn start_timer(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut every = tokio::time::interval(TICK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let handle = app.clone();
            let report = tauri::async_runtime::spawn_blocking(move || handle.state::<AppState>().book().followup_tick_all()).await;
            match report {
                Ok(Ok(r)) => {
                    if r.queued + r.stopped + r.skipped > 0 {
                        log::info!("follow-up tick: {r:?}");
                        let _ = app.emit("followups-ticked", r);
                        let _ = app.emit("outbox-changed", ());
                        app.state::<AppState>().courier.wake();
                    }
                }
                Ok(Err(e)) => log::warn!("follow-up tick failed: {e}"),
                Err(e) => log::warn!("follow-up tick did not run: {e}"),
            }
        }
    });
}

#[tauri::command(async)]
pub fn followup_run(app: AppHandle, state: State<'_, AppState>) -> CmdResult<TickReport> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let r = book.followup_tick(&ws)?;
    let _ = app.emit("outbox-changed", ());
    Ok(r)
}

#[tauri::command(async)]
pub fn followup_due(state: State<'_, AppState>, limit: Option<usize>) -> CmdResult<Vec<DueItem>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.due_queue(&ws, limit.unwrap_or(500).min(5_000))?)
}

#[tauri::command(async)]
pub fn campaign_list(state: State<'_, AppState>) -> CmdResult<Vec<Campaign>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.campaigns(&ws)?)
}

#[tauri::command(async)]
pub fn campaign_update(state: State<'_, AppState>, id: i64, steps: serde_json::Value) -> CmdResult<Campaign> {
    let steps: Vec<Step> = payload("campaign steps", steps)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.update_campaign_steps(&ws, id, &steps)?)
}

#[tauri::command(async)]
pub fn lead_enrolments(state: State<'_, AppState>, lead_id: i64) -> CmdResult<Vec<Enrolment>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.enrolments(&ws, lead_id)?)
}

#[tauri::command(async)]
pub fn followup_pause(state: State<'_, AppState>, lead_id: i64) -> CmdResult<Vec<Enrolment>> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.pause_followups(&ws, lead_id)?)
}

#[tauri::command(async)]
pub fn followup_resume(state: State<'_, AppState>, lead_id: i64) -> CmdResult<Vec<Enrolment>> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.resume_followups(&ws, lead_id)?)
}

/// A template rendered for one lead, in `language` if given (the editor's live preview).
#[tauri::command(async)]
pub fn template_preview(state: State<'_, AppState>, lead_id: i64, template: String, language: Option<String>) -> CmdResult<String> {
    let language = language.map(|l| Language::parse("language", &l)).transpose()?;
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.preview_template(&ws, lead_id, &template, language)?)
}

/// A/B figures of every step under test.
#[tauri::command(async)]
pub fn campaign_stats(state: State<'_, AppState>) -> CmdResult<Vec<StepStats>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.campaign_stats(&ws)?)
}

/// Ends a step's A/B test: `variant` (0 = A) becomes its text.
#[tauri::command(async)]
pub fn campaign_promote(state: State<'_, AppState>, campaign_id: i64, position: i64, variant: usize) -> CmdResult<Campaign> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.promote_variant(&ws, campaign_id, position, variant)?)
}
