//! Workspace commands: list, current, add, switch, update. Each `#[tauri::command]` wraps a
//! plain function (the name without `workspace_`) that the tests call directly.

use super::{payload, AppState, CmdResult};
use leadbook_core::workspace::{Workspace, WorkspacePatch};
use serde_json::Value;
use tauri::State;

pub fn list(state: &AppState) -> CmdResult<Vec<Workspace>> {
    Ok(state.book().workspaces()?)
}

pub fn current(state: &AppState) -> CmdResult<Workspace> {
    Ok(state.book().current_workspace()?)
}

pub fn add(state: &AppState, name: &str, timezone: Option<&str>) -> CmdResult<Workspace> {
    Ok(state.book().add_workspace(name, timezone)?)
}

pub fn switch(state: &AppState, id: i64) -> CmdResult<Workspace> {
    Ok(state.book().set_current_workspace(id)?)
}

pub fn update(state: &AppState, id: i64, patch: Value) -> CmdResult<Workspace> {
    let patch: WorkspacePatch = payload("workspace settings", patch)?;
    Ok(state.book().update_workspace(id, &patch)?)
}

#[tauri::command(async)]
pub fn workspace_list(state: State<'_, AppState>) -> CmdResult<Vec<Workspace>> {
    list(&state)
}

#[tauri::command(async)]
pub fn workspace_current(state: State<'_, AppState>) -> CmdResult<Workspace> {
    current(&state)
}

#[tauri::command(async)]
pub fn workspace_add(state: State<'_, AppState>, name: String, timezone: Option<String>) -> CmdResult<Workspace> {
    add(&state, &name, timezone.as_deref())
}

#[tauri::command(async)]
pub fn workspace_switch(state: State<'_, AppState>, id: i64) -> CmdResult<Workspace> {
    switch(&state, id)
}

#[tauri::command(async)]
pub fn workspace_update(state: State<'_, AppState>, id: i64, patch: Value) -> CmdResult<Workspace> {
    update(&state, id, patch)
}
