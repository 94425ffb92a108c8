//! While the window is open: delivers the outbox (every 15 s, or at once when woken) and polls
//! the providers for replies, each on its own connection to the book so the window never waits
//! for the network. Tells the UI through `delivery-status`, `outbox-changed` and
//! `inbox-received`, and raises a desktop notification when an A or B lead replies.

use leadbook_core::messaging::channels::{self, config::Channels};
use leadbook_core::messaging::delivery::{self, Pacer};
use leadbook_core::secrets::SecretStore;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, Clock, Result};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter};
use tokio::sync::Notify;

/// How often delivery looks for due messages when nothing wakes it.
const DELIVER_EVERY: Duration = Duration::from_secs(15);
/// How often replies are fetched when Telegram's long polling is not in use.
const POLL_EVERY: Duration = Duration::from_secs(20);
/// Telegram long-poll wait.
const LONG_POLL: Duration = Duration::from_secs(20);

#[derive(Debug, Default, Clone)]
struct Seen {
    online: Option<bool>,
    last_error: Option<String>,
}

/// The background worker's handle: wake it, read what it saw.
#[derive(Default)]
pub struct Courier {
    wake: Notify,
    seen: Mutex<Seen>,
}

impl Courier {
    /// Deliver now (a message was queued, a channel was set, the agent pressed "Send now").
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The status line: counts from the book, reachability from the last round.
    pub fn status(&self, book: &Book, ws: &Workspace) -> Result<delivery::Status> {
        let mut st = book.delivery_status(ws)?;
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        st.online = seen.online;
        st.last_error = seen.last_error;
        Ok(st)
    }

    fn saw(&self, online: Option<bool>, error: Option<String>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if online.is_some() {
            seen.online = online;
        }
        if online == Some(true) && error.is_none() {
            seen.last_error = None;
        }
        if error.is_some() {
            seen.last_error = error;
        }
    }
}

/// Starts delivery and inbound polling for the book at `path`.
pub fn start(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) {
    let (a, p, c, s, k) = (app.clone(), path.clone(), clock.clone(), secrets.clone(), courier.clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = deliveries(a, p, c, s, k).await {
            log::error!("delivery stopped: {e}");
        }
    });
    tauri::async_runtime::spawn(async move {
        if let Err(e) = inbound(app, path, clock, secrets, courier).await {
            log::error!("inbound polling stopped: {e}");
        }
    });
}

/// The courier's connections touch a few rows at a time: a small page cache each.
const COURIER_CACHE_KIB: u32 = 2 * 1024;

async fn deliveries(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) -> Result<()> {
    let mut book = Book::open(&path, clock)?;
    book.set_cache_kib(COURIER_CACHE_KIB)?;
    let http = channels::http_client()?;
    let mut pacer = Pacer::default();
    loop {
        // A passing error (the file busy longer than the timeout) skips a round, never ends the loop.
        let workspaces = book.workspaces().unwrap_or_else(|e| {
            log::warn!("delivery could not read the workspaces: {e}");
            vec![]
        });
        for ws in workspaces {
            let ch = match book.load_channels(&ws, secrets.as_ref(), &http) {
                Ok(ch) => ch,
                Err(e) => {
                    log::warn!("channels of workspace {} could not be loaded: {e}", ws.name);
                    continue;
                }
            };
            // Each message written for its lead (or its template) before it goes.
            let llm = book.load_llm(secrets.as_ref(), &http).unwrap_or_else(|e| {
                log::warn!("the language model's settings could not be read: {e}");
                None
            });
            match book.draft_messages(&ws, llm.as_ref()).await {
                Ok(d) if d.rewritten + d.templates > 0 => {
                    log::info!("drafted in {}: {d:?}", ws.name);
                    let _ = app.emit("outbox-changed", ());
                }
                Ok(_) => {}
                Err(e) => log::warn!("drafting in {} failed: {e}", ws.name),
            }
            match book.deliver(&ws, &ch, &mut pacer).await {
                Ok(r) => {
                    let tried = r.sent + r.failed + r.deferred + r.unknown > 0;
                    if r.offline {
                        courier.saw(Some(false), r.last_error.clone());
                    } else if tried {
                        courier.saw(Some(true), r.last_error.clone());
                    }
                    if tried || r.manual > 0 {
                        log::info!("delivery in {}: {r:?}", ws.name);
                        let _ = app.emit("outbox-changed", ());
                    }
                }
                Err(e) => log::warn!("delivery in {} failed: {e}", ws.name),
            }
        }
        if let Ok(ws) = book.current_workspace() {
            if let Ok(st) = courier.status(&book, &ws) {
                let _ = app.emit("delivery-status", st);
            }
        }
        tokio::select! {
            _ = courier.wake.notified() => {}
            _ = tokio::time::sleep(DELIVER_EVERY) => {}
        }
    }
}

async fn inbound(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) -> Result<()> {
    let mut book = Book::open(&path, clock)?;
    book.set_cache_kib(COURIER_CACHE_KIB)?;
    let http = channels::http_client()?;
    loop {
        let mut listening: Vec<(Workspace, Channels)> = vec![];
        let workspaces = book.workspaces().unwrap_or_else(|e| {
            log::warn!("reply polling could not read the workspaces: {e}");
            vec![]
        });
        for ws in workspaces {
            if let Ok(ch) = book.load_channels(&ws, secrets.as_ref(), &http) {
                if ch.telegram.is_some() || ch.twilio.is_some() {
                    listening.push((ws, ch));
                }
            }
        }
        // Long polling holds the line open: only worth it with one bot to listen to.
        let long = listening.len() == 1 && listening[0].1.telegram.is_some();
        for (ws, ch) in &listening {
            match book.sync_inbox(ws, ch, if long { LONG_POLL } else { Duration::ZERO }).await {
                Ok(r) => {
                    if !r.errors.is_empty() {
                        log::warn!("inbound in {}: {}", ws.name, r.errors.join("; "));
                        courier.saw(None, Some(r.errors.join("; ")));
                    }
                    if r.received > 0 {
                        log::info!("inbound in {}: {} received, {} new leads, {} opt-outs", ws.name, r.received, r.new_leads, r.opt_outs);
                        notify(&app, &r.notices);
                        let _ = app.emit("inbox-received", &r);
                        let _ = app.emit("outbox-changed", ());
                        courier.wake();
                    }
                }
                Err(e) => log::warn!("inbound in {} failed: {e}", ws.name),
            }
        }
        let pause = if long { Duration::from_secs(1) } else { POLL_EVERY };
        tokio::time::sleep(pause).await;
    }
}

/// A desktop notification for each reply from an A or B lead.
fn notify(app: &AppHandle, notices: &[leadbook_core::messaging::inbox::Notice]) {
    use tauri_plugin_notification::NotificationExt;
    for n in notices.iter().take(5) {
        let shown = app.notification().builder().title(format!("{} ({}) replied", n.name, n.grade)).body(&n.text).show();
        if let Err(e) = shown {
            log::warn!("the notification could not be shown: {e}");
        }
    }
}
