//! The window's own life: it tells the Rust side when its first screen is on show.

use super::AppState;
use tauri::State;

/// The UI painted its first screen with its answers: the background work (the follow-up tick,
/// the backup, delivery and polling) may start now rather than share the cores with that paint.
/// Saying it again changes nothing.
#[tauri::command]
pub fn window_ready(state: State<'_, AppState>) {
    state.courier.window_ready();
}
