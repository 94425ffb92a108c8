//! The language model's settings (never its key back to the UI), drafts held for review, and
//! each campaign's review mode.

use super::AppState;
use leadbook_core::followups::Campaign;
use leadbook_core::messaging::drafting::LlmSettings;
use leadbook_core::outbox::Message;
use leadbook_core::Result;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct LlmInfo {
    pub settings: Option<LlmSettings>,
    pub has_key: bool,
}

#[tauri::command(async)]
pub fn llm_get(state: State<'_, AppState>) -> Result<LlmInfo> {
    get(&state)
}

pub fn get(state: &AppState) -> Result<LlmInfo> {
    let book = state.book();
    let settings = book.llm_settings()?;
    let has_key = match &settings {
        Some(_) => book.load_llm(state.secrets.as_ref(), &leadbook_core::messaging::channels::http_client()?)?.is_some_and(|l| l.has_key()),
        None => false,
    };
    Ok(LlmInfo { settings, has_key })
}

/// Sets the model up; `api_key` null keeps the stored key, "" removes it.
#[tauri::command(async)]
pub fn llm_set(state: State<'_, AppState>, base_url: String, model: String, api_key: Option<String>, timeout_seconds: Option<u64>) -> Result<LlmInfo> {
    {
        let mut book = state.book();
        book.set_llm(state.secrets.as_ref(), &base_url, &model, api_key.as_deref(), timeout_seconds)?;
    }
    state.courier.wake();
    llm_get(state)
}

/// Holds the model's drafts for the agent's review, or lets them go (`Book::set_llm_review`);
/// refused while no model is set up.
pub fn set_review(state: &AppState, on: bool) -> Result<LlmInfo> {
    state.book().set_llm_review(on)?;
    get(state)
}

#[tauri::command(async)]
pub fn llm_set_review(state: State<'_, AppState>, on: bool) -> Result<LlmInfo> {
    let info = set_review(&state, on)?;
    state.courier.wake();
    Ok(info)
}

/// Approves (optionally edited) or rejects a draft held for review.
#[tauri::command(async)]
pub fn outbox_review(app: AppHandle, state: State<'_, AppState>, id: i64, approve: bool, text: Option<String>) -> Result<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.review_message(&ws, id, approve, text.as_deref())?;
    let _ = app.emit("outbox-changed", ());
    state.courier.wake();
    Ok(m)
}

#[tauri::command(async)]
pub fn campaign_set_review(state: State<'_, AppState>, campaign_id: i64, on: bool) -> Result<Campaign> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.set_campaign_review(&ws, campaign_id, on)
}
