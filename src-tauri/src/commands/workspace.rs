//! Workspace commands: list, current, add, switch, update.

use super::{payload, AppState, CmdResult};
use leadbook_core::workspace::{Workspace, WorkspacePatch};
use tauri::State;

#[tauri::command(async)]
pub fn workspace_list(state: State<'_, AppState>) -> CmdResult<Vec<Workspace>> {
    Ok(state.book().workspaces()?)
}

#[tauri::command(async)]
pub fn workspace_current(state: State<'_, AppState>) -> CmdResult<Workspace> {
    Ok(state.book().current_workspace()?)
}

#[tauri::command(async)]
pub fn workspace_add(state: State<'_, AppState>, name: String, timezone: Option<String>) -> CmdResult<Workspace> {
    Ok(state.book().add_workspace(&name, timezone.as_deref())?)
}

#[tauri::command(async)]
pub fn workspace_switch(state: State<'_, AppState>, id: i64) -> CmdResult<Workspace> {
    Ok(state.book().set_current_workspace(id)?)
}

#[tauri::command(async)]
pub fn workspace_update(state: State<'_, AppState>, id: i64, patch: serde_json::Value) -> CmdResult<Workspace> {
    let patch: WorkspacePatch = payload("workspace settings", patch)?;
    Ok(state.book().update_workspace(id, &patch)?)
}
