//! The dashboard of the current workspace.

use super::{AppState, CmdResult};
use leadbook_core::dashboard::Dashboard;
use tauri::State;

#[tauri::command(async)]
pub fn dashboard(state: State<'_, AppState>) -> CmdResult<Dashboard> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.dashboard(&ws)?)
}
