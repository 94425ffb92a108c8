//! Channel commands: Settings → Channels (never a secret back to the UI), the status line,
//! the agent's hand on outbox messages, Telegram start links.

use super::AppState;
use leadbook_core::messaging::channels::config::{self, ChannelInfo, ChannelOverview, Settings};
use leadbook_core::messaging::channels::{self, Identity, Provider};
use leadbook_core::messaging::delivery;
use leadbook_core::outbox::Message;
use leadbook_core::Result;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

#[tauri::command(async)]
pub fn channel_list(state: State<'_, AppState>) -> Result<ChannelOverview> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.channels(&ws, state.secrets.as_ref())
}

/// Saves a provider's settings; `secret` null keeps the stored one.
#[tauri::command(async)]
pub fn channel_set(state: State<'_, AppState>, provider: Provider, settings: Settings, secret: Option<String>) -> Result<ChannelInfo> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let info = book.set_channel(&ws, state.secrets.as_ref(), provider, &settings, secret.as_deref())?;
    state.courier.wake();
    Ok(info)
}

#[tauri::command(async)]
pub fn channel_remove(state: State<'_, AppState>, provider: Provider) -> Result<ChannelInfo> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.remove_channel(&ws, state.secrets.as_ref(), provider)
}

/// Asks the provider who we are, as `Book::test_channel` does, but without holding the book
/// while the network answers.
#[tauri::command]
pub async fn channel_test(state: State<'_, AppState>, provider: Provider) -> Result<Identity> {
    let (ws, ch) = {
        let book = state.book();
        let ws = book.current_workspace()?;
        let ch = book.load_channels(&ws, state.secrets.as_ref(), &channels::http_client()?)?;
        (ws, ch)
    };
    let answer = ch.test(provider).await;
    state.book().write(|tx, now| config::record_test_answer(tx, &ws, provider, &answer, now))?;
    answer
}

/// Removes the webhook set on the Telegram bot, as `Book::delete_webhook` does, but without
/// holding the book while Telegram answers; then tests the bot and records that, so the channel
/// is `ok` again unless the token is refused. The channel as Settings shows it afterwards.
pub async fn delete_webhook(state: &AppState, provider: Provider) -> Result<ChannelInfo> {
    let (ws, ch) = {
        let book = state.book();
        let ws = book.current_workspace()?;
        let ch = book.load_channels(&ws, state.secrets.as_ref(), &channels::http_client()?)?;
        (ws, ch)
    };
    ch.delete_webhook(provider).await?;
    let answer = ch.test(provider).await;
    let mut book = state.book();
    book.write(|tx, now| config::record_test_answer(tx, &ws, provider, &answer, now))?;
    answer?;
    config::info(book.conn(), &ws, state.secrets.as_ref(), provider)
}

#[tauri::command]
pub async fn channel_delete_webhook(state: State<'_, AppState>, provider: Provider) -> Result<ChannelInfo> {
    let info = delete_webhook(&state, provider).await?;
    state.courier.wake();
    Ok(info)
}

#[tauri::command(async)]
pub fn delivery_status(state: State<'_, AppState>) -> Result<delivery::Status> {
    let book = state.book();
    let ws = book.current_workspace()?;
    state.courier.status(&book, &ws)
}

/// Deliver and fetch replies now.
#[tauri::command(async)]
pub fn outbox_send_now(state: State<'_, AppState>) -> Result<delivery::Status> {
    state.courier.wake();
    delivery_status(state)
}

#[tauri::command(async)]
pub fn outbox_retry(app: AppHandle, state: State<'_, AppState>, id: i64) -> Result<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.retry_message(&ws, id)?;
    let _ = app.emit("outbox-changed", ());
    state.courier.wake();
    Ok(m)
}

#[tauri::command(async)]
pub fn outbox_cancel(app: AppHandle, state: State<'_, AppState>, id: i64) -> Result<Message> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let m = book.cancel_message(&ws, id)?;
    let _ = app.emit("outbox-changed", ());
    Ok(m)
}

#[tauri::command(async)]
pub fn outbox_mark_done(app: AppHandle, state: State<'_, AppState>, id: i64) -> Result<Message> {
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
pub fn lead_telegram_link(state: State<'_, AppState>, lead_id: i64) -> Result<TelegramLink> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    let (url, token) = book.telegram_link(&ws, lead_id)?;
    Ok(TelegramLink { url, token })
}
