//! The dashboard of the current workspace.

use super::AppState;
use leadbook_core::dashboard::Dashboard;
use leadbook_core::Result;
use tauri::State;

pub fn get(state: &AppState) -> Result<Dashboard> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.dashboard(&ws)
}

#[tauri::command(async)]
pub fn dashboard(state: State<'_, AppState>) -> Result<Dashboard> {
    get(&state)
}
