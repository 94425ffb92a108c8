//! Workspace commands: list, current, add, switch, update, and the sample book's open and remove. Each `#[tauri::command]` wraps a
//! plain function (the name without `workspace_`) that the tests call directly.

use super::AppState;
use leadbook_core::workspace::{Workspace, WorkspacePatch};
use leadbook_core::Result;
use tauri::State;

pub fn list(state: &AppState) -> Result<Vec<Workspace>> {
    state.book().workspaces()
}

pub fn current(state: &AppState) -> Result<Workspace> {
    state.book().current_workspace()
}

pub fn add(state: &AppState, name: &str, timezone: Option<&str>) -> Result<Workspace> {
    state.book().add_workspace(name, timezone)
}

pub fn switch(state: &AppState, id: i64) -> Result<Workspace> {
    state.book().set_current_workspace(id)
}

pub fn update(state: &AppState, id: i64, patch: &WorkspacePatch) -> Result<Workspace> {
    state.book().update_workspace(id, patch)
}

/// `language`: the interface's (en, fa, ar), which names the sample book.
pub fn sample_open(state: &AppState, language: &str) -> Result<Workspace> {
    state.book().open_sample(leadbook_core::model::Language::parse("language", language)?)
}

pub fn sample_remove(state: &AppState, id: i64) -> Result<Workspace> {
    state.book().remove_sample(id)
}

#[tauri::command(async)]
pub fn workspace_list(state: State<'_, AppState>) -> Result<Vec<Workspace>> {
    list(&state)
}

#[tauri::command(async)]
pub fn workspace_current(state: State<'_, AppState>) -> Result<Workspace> {
    current(&state)
}

#[tauri::command(async)]
pub fn workspace_add(state: State<'_, AppState>, name: String, timezone: Option<String>) -> Result<Workspace> {
    add(&state, &name, timezone.as_deref())
}

#[tauri::command(async)]
pub fn workspace_switch(state: State<'_, AppState>, id: i64) -> Result<Workspace> {
    switch(&state, id)
}

#[tauri::command(async)]
pub fn workspace_update(state: State<'_, AppState>, id: i64, patch: WorkspacePatch) -> Result<Workspace> {
    update(&state, id, &patch)
}

#[tauri::command(async)]
pub fn workspace_sample_open(state: State<'_, AppState>, language: String) -> Result<Workspace> {
    sample_open(&state, &language)
}

#[tauri::command(async)]
pub fn workspace_sample_remove(state: State<'_, AppState>, id: i64) -> Result<Workspace> {
    sample_remove(&state, id)
}
