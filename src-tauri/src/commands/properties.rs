//! Listing commands for the current workspace: add (telling the matching buyers), edit,
//! status, matches; and what a lead was sent.

use super::AppState;
use leadbook_core::book::PropertyAdded;
use leadbook_core::listings::matching::Match;
use leadbook_core::model::{MessageStatus, PropertyStatus};
use leadbook_core::outbox::{Message, OutboxCursor, OutboxFilter, OutboxPage};
use leadbook_core::listings::properties::{Property, PropertyInput};
use leadbook_core::Result;
use tauri::{Manager, AppHandle, Emitter, State};

/// The outbox has new alerts: tell the UI, and deliver them now rather than at the next round.
fn changed(app: &AppHandle) {
    let _ = app.emit("outbox-changed", ());
    if let Some(state) = app.try_state::<AppState>() {
        state.courier.wake();
    }
}

#[tauri::command(async)]
pub fn property_list(state: State<'_, AppState>) -> Result<Vec<Property>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.properties(&ws)
}

#[tauri::command(async)]
pub fn property_add(app: AppHandle, state: State<'_, AppState>, input: PropertyInput) -> Result<PropertyAdded> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let added = book.add_property_as_set(&ws, &input)?;
    if !added.awaiting_confirmation {
        changed(&app);
    }
    Ok(added)
}

/// The agent confirmed who is to be told about listing `id`: queue their alerts.
#[tauri::command(async)]
pub fn property_announce(app: AppHandle, state: State<'_, AppState>, id: i64) -> Result<PropertyAdded> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let told = book.announce_property(&ws, id)?;
    changed(&app);
    Ok(told)
}

#[tauri::command(async)]
pub fn property_update(state: State<'_, AppState>, id: i64, input: PropertyInput) -> Result<Property> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.update_property(&ws, id, &input)
}

#[tauri::command(async)]
pub fn property_set_status(app: AppHandle, state: State<'_, AppState>, id: i64, status: PropertyStatus) -> Result<PropertyAdded> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let done = book.set_property_status_as_set(&ws, id, status)?;
    changed(&app);
    Ok(done)
}

#[tauri::command(async)]
pub fn property_matches(state: State<'_, AppState>, id: i64) -> Result<Vec<Match>> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.property_matches(&ws, id)
}

/// The outbox of the current workspace, oldest first; of one lead if `lead_id` is given.
#[tauri::command(async)]
pub fn outbox_list(state: State<'_, AppState>, status: Option<MessageStatus>, lead_id: Option<i64>) -> Result<Vec<Message>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.outbox(&ws, status, lead_id)
}

/// One page of the outbox: what the window's lists draw, whatever the outbox's size.
#[tauri::command(async)]
pub fn outbox_page(state: State<'_, AppState>, filter: OutboxFilter, after: Option<OutboxCursor>, limit: usize) -> Result<OutboxPage> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.outbox_page(&ws, &filter, after.as_ref(), limit)
}

/// The agent settles an `unknown` message: it arrived, or it may go again.
#[tauri::command(async)]
pub fn outbox_confirm(app: AppHandle, state: State<'_, AppState>, id: i64, arrived: bool) -> Result<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.confirm_message(&ws, id, arrived)?;
    changed(&app);
    Ok(m)
}
