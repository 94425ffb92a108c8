//! Channel commands: Settings → Channels (never a secret back to the UI), the status line,
//! the agent's hand on outbox messages, Telegram start links.

use super::{payload, AppState, CmdResult};
use leadbook_core::messaging::channels::config::{ChannelInfo, ChannelOverview, Settings};
use leadbook_core::messaging::channels::{self, Identity, Provider};
use leadbook_core::messaging::delivery;
use leadbook_core::outbox::Message;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

fn provider(p: &str) -> CmdResult<Provider> {
    Ok(Provider::parse("provider", p)?)
}

#[tauri::command(async)]
pub fn channel_list(state: State<'_, AppState>) -> CmdResult<ChannelOverview> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.channels(&ws, state.secrets.as_ref())?)
}

/// Saves a provider's settings; `secret` null keeps the stored one.
#[tauri::command(async)]
pub fn channel_set(state: State<'_, AppState>, provider: String, settings: serde_json::Value, secret: Option<String>) -> CmdResult<ChannelInfo> {
    let p = self::provider(&provider)?;
    let settings: Settings = payload("channel settings", settings)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let info = book.set_channel(&ws, state.secrets.as_ref(), p, &settings, secret.as_deref())?;
    state.courier.wake();
    Ok(info)
}

#[tauri::command(async)]
pub fn channel_remove(state: State<'_, AppState>, provider: String) -> CmdResult<ChannelInfo> {
    let p = self::provider(&provider)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.remove_channel(&ws, state.secrets.as_ref(), p)?)
}

/// Asks the provider who we are; the book is not held while the network answers.
#[tauri::command]
pub async fn channel_test(state: State<'_, AppState>, provider: String) -> CmdResult<Identity> {
    let p = self::provider(&provider)?;
    let (ws, ch) = {
        let book = state.book();
        let ws = book.current_workspace()?;
        let ch = book.load_channels(&ws, state.secrets.as_ref(), &channels::http_client()?)?;
        (ws, ch)
    };
    let id = ch.test(p).await?;
    let attention = if id.ok { None } else { id.message.clone() };
    state.book().write(|tx, now| channels::config::set_state(tx, &ws, p, attention.as_deref(), now))?;
    Ok(id)
}

#[tauri::command(async)]
pub fn delivery_status(state: State<'_, AppState>) -> CmdResult<delivery::Status> {
    let book = state.book();
    let ws = book.current_workspace()?;
    Ok(state.courier.status(&book, &ws)?)
}

/// Deliver and fetch replies now.
#[tauri::command(async)]
pub fn outbox_send_now(state: State<'_, AppState>) -> CmdResult<delivery::Status> {
    state.courier.wake();
    delivery_status(state)
}

#[tauri::command(async)]
pub fn outbox_retry(app: AppHandle, state: State<'_, AppState>, id: i64) -> CmdResult<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.retry_message(&ws, id)?;
    let _ = app.emit("outbox-changed", ());
    state.courier.wake();
    Ok(m)
}

#[tauri::command(async)]
pub fn outbox_cancel(app: AppHandle, state: State<'_, AppState>, id: i64) -> CmdResult<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.cancel_message(&ws, id)?;
    let _ = app.emit("outbox-changed", ());
    Ok(m)
}

#[tauri::command(async)]
pub fn outbox_mark_done(app: AppHandle, state: State<'_, AppState>, id: i64) -> CmdResult<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.mark_message_done(&ws, id)?;
    let _ = app.emit("outbox-changed", ());
    Ok(m)
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct TelegramLink {
    pub url: String,
    pub token: String,
}

#[tauri::command(async)]
pub fn lead_telegram_link(state: State<'_, AppState>, lead_id: i64) -> CmdResult<TelegramLink> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let (url, token) = book.telegram_link(&ws, lead_id)?;
    Ok(TelegramLink { url, token })
}
