//! What the window does on its own while it is open, each on its own connection to the book so
//! the window never waits for it (nor for the network):
//!
//! - the follow-up tick, at start-up and every 60 s (SPEC §5): `followups-ticked`;
//! - delivery, every 15 s or at once when woken — the core's [`round`], the same as
//!   `leadbook outbox send`: `delivery-status` and `outbox-changed`;
//! - reply polling: `inbox-received`, and a desktop notification when an A or B lead replies;
//! - with the tick, a desktop notification for each task at its due time (once: `tasks-due`);
//! - the daily backup, at start-up and then whenever the day has changed.
//!
//! None of it begins before the window has painted its first screen (the UI says so through
//! `window_ready`), or [`START_AT_THE_LATEST`] after start if it never does: on a 2-core machine
//! the first tick over a big book, the backup copying it and the first polls would otherwise
//! share the cores with WebKit drawing the screen the agent is waiting for.
//!
//! [`Courier`] is the handle the commands hold: wake delivery, read what it last saw, say the
//! window is ready.

use leadbook_core::messaging::channels::{self, config::Channels};
use leadbook_core::messaging::delivery::{self, Pacer};
use leadbook_core::messaging::round::{self, Policy};
use leadbook_core::secrets::SecretStore;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, Clock, Result};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter};
use tokio::sync::Notify;

/// How often the follow-up tick runs while the app is open (SPEC §5).
pub const TICK_EVERY: Duration = Duration::from_secs(60);
/// How often delivery looks for due messages when nothing wakes it.
const DELIVER_EVERY: Duration = Duration::from_secs(15);
/// How often replies are fetched when Telegram's long polling is not in use.
const POLL_EVERY: Duration = Duration::from_secs(20);
/// Telegram long-poll wait.
const LONG_POLL: Duration = Duration::from_secs(20);
/// How often the daily backup looks whether today's was made (a window left open overnight).
/// The portals' lead APIs are asked every 5 minutes (Property Finder allows 650 requests a
/// minute; a round is a page or two).
const PORTALS_EVERY: Duration = Duration::from_secs(5 * 60);
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(60 * 60);
/// The background work starts at the latest this long after the window did, painted or not.
pub const START_AT_THE_LATEST: Duration = Duration::from_secs(20);

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
    ready: AtomicBool,
    ready_now: Notify,
}

impl Courier {
    /// The window painted its first screen: the background work may start.
    pub fn window_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
        self.ready_now.notify_waiters();
    }

    /// Waits until [`Courier::window_ready`] was called, or `at_most`.
    pub async fn until_window_ready(&self, at_most: Duration) {
        let deadline = tokio::time::sleep(at_most);
        tokio::pin!(deadline);
        loop {
            // Made before the flag is read, so a call in between still wakes it.
            let told = self.ready_now.notified();
            if self.ready.load(Ordering::SeqCst) {
                return;
            }
            tokio::select! {
                _ = told => {}
                _ = &mut deadline => return,
            }
        }
    }

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

/// Starts the follow-up tick, delivery, reply polling and the daily backups for the book at
/// `path`, once the window is ready.
pub fn start(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) {
    tauri::async_runtime::spawn(async move {
        courier.until_window_ready(START_AT_THE_LATEST).await;
        log::info!("the window is ready: the background work starts");
        start_now(app, path, clock, secrets, courier);
    });
}

fn start_now(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) {
    let (a, p, c, k) = (app.clone(), path.clone(), clock.clone(), courier.clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = followup_ticks(a, p, c, k).await {
            log::error!("the follow-up tick stopped: {e}");
        }
    });
    let (p, c) = (path.clone(), clock.clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = backups(p, c).await {
            log::error!("daily backups stopped: {e}");
        }
    });
    let (a, p, c, s, k) = (app.clone(), path.clone(), clock.clone(), secrets.clone(), courier.clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = deliveries(a, p, c, s, k).await {
            log::error!("delivery stopped: {e}");
        }
    });
    let (a, p, c, s, k) = (app.clone(), path.clone(), clock.clone(), secrets.clone(), courier.clone());
    tauri::async_runtime::spawn(async move {
        if let Err(e) = portal_polls(a, p, c, s, k).await {
            log::error!("portal polling stopped: {e}");
        }
    });
    tauri::async_runtime::spawn(async move {
        if let Err(e) = inbound(app, path, clock, secrets, courier).await {
            log::error!("inbound polling stopped: {e}");
        }
    });
}

/// How much less CPU the tick and the backup get than the window when both want it (Linux
/// `nice`, per thread: 10 gives the window's threads about ten times their share).
const BACKGROUND_NICE: i32 = 10;

/// Runs `work` on a thread of its own at a lower priority than the window's (the tick over a
/// big book takes a core for seconds; a keystroke's paint should not wait behind it). Like
/// `spawn_blocking`, the answer is an error when the work panicked.
async fn in_the_background<T: Send + 'static>(name: &str, work: impl FnOnce() -> T + Send + 'static) -> std::result::Result<T, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
        lower_this_threads_priority();
        let _ = tx.send(work());
    });
    match spawned {
        Ok(_) => rx.await.map_err(|_| format!("the {name} thread stopped before it answered")),
        Err(e) => Err(format!("the {name} thread could not start: {e}")),
    }
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // On Linux a nice value is the calling thread's own (PRIO_PROCESS with its thread id).
    // SAFETY: plain system calls on this thread's own id; a failure leaves the priority as it was.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE) != 0 {
            log::debug!("the background thread keeps its priority: {}", std::io::Error::last_os_error());
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// The background connections touch a few rows at a time: a small page cache each.
const BACKGROUND_CACHE_KIB: u32 = 2 * 1024;

fn open(path: &std::path::Path, clock: Arc<dyn Clock>) -> Result<Book> {
    let book = Book::open(path, clock)?;
    book.set_cache_kib(BACKGROUND_CACHE_KIB)?;
    Ok(book)
}

/// One tick for every workspace at start-up and then every [`TICK_EVERY`], off the runtime's
/// threads; tells the UI (`followups-ticked`) when something was queued or stopped.
async fn followup_ticks(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, courier: Arc<Courier>) -> Result<()> {
    let mut book = Some(open(&path, clock.clone())?);
    let mut every = tokio::time::interval(TICK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(mut b) = book.take() else { return Ok(()) };
        let ran = in_the_background("leadbook-tick", move || {
            let r = b.followup_tick_all();
            let due = due_tasks(&mut b);
            (b, r, due)
        })
        .await;
        match ran {
            Ok((b, report, due)) => {
                book = Some(b);
                notify_tasks(&app, &due);
                match report {
                    Ok(r) => {
                        if r.queued + r.stopped + r.skipped > 0 {
                            log::info!("follow-up tick: {r:?}");
                            let _ = app.emit("followups-ticked", r);
                            let _ = app.emit("outbox-changed", ());
                            courier.wake();
                        }
                    }
                    Err(e) => log::warn!("follow-up tick failed: {e}"),
                }
            }
            // The tick panicked: its connection went with it; the next tick opens another.
            Err(e) => {
                log::warn!("follow-up tick did not run: {e}");
                book = Some(open(&path, clock.clone())?);
            }
        }
    }
}

/// Today's backup beside the database if it was not made yet (rotation keeps days, weeks and
/// months), at start-up and then every [`BACKUP_CHECK_EVERY`]; off the runtime's threads, as the
/// tick is: copying and checking a big book takes seconds.
async fn backups(path: PathBuf, clock: Arc<dyn Clock>) -> Result<()> {
    let mut book = open(&path, clock.clone())?;
    loop {
        let ran = in_the_background("leadbook-backup", move || {
            let r = book.daily_backup();
            (book, r)
        })
        .await;
        book = match ran {
            Ok((b, report)) => {
                match report {
                    Ok(Some(p)) => log::info!("daily backup written to {}", p.display()),
                    Ok(None) => {}
                    Err(e) => log::warn!("daily backup failed: {e}"),
                }
                b
            }
            // The backup panicked: its connection went with it; the next check opens another.
            Err(e) => {
                log::warn!("daily backup did not run: {e}");
                open(&path, clock.clone())?
            }
        };
        tokio::time::sleep(BACKUP_CHECK_EVERY).await;
    }
}

async fn deliveries(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) -> Result<()> {
    let mut book = open(&path, clock)?;
    let http = channels::http_client()?;
    let mut pacer = Pacer::default();
    loop {
        // A passing error (the file busy longer than the timeout) skips a round, never ends the loop.
        let workspaces = book.workspaces().unwrap_or_else(|e| {
            log::warn!("delivery could not read the workspaces: {e}");
            vec![]
        });
        for ws in workspaces {
            // Drafting that fails (or a model whose settings cannot be read) never stops delivery.
            let r = match round::run(book.store(), &ws, secrets.as_ref(), &http, &mut pacer, Policy::KeepGoing).await {
                Ok(r) => r,
                Err(e) => {
                    log::warn!("channels of workspace {} could not be loaded: {e}", ws.name);
                    continue;
                }
            };
            for p in &r.problems {
                log::warn!("{} in {} failed: {}", p.step, ws.name, p.error);
            }
            if r.drafted_any() {
                log::info!("drafted in {}: {:?}", ws.name, r.drafted);
            }
            let d = &r.delivered;
            if d.offline {
                courier.saw(Some(false), d.last_error.clone());
            } else if r.tried_any() {
                courier.saw(Some(true), d.last_error.clone());
            }
            if r.tried_any() || d.manual > 0 {
                log::info!("delivery in {}: {d:?}", ws.name);
            }
            if r.changed_outbox() {
                let _ = app.emit("outbox-changed", ());
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
    let mut book = open(&path, clock)?;
    let http = channels::http_client()?;
    loop {
        let mut listening: Vec<(Workspace, Channels)> = vec![];
        let workspaces = book.workspaces().unwrap_or_else(|e| {
            log::warn!("reply polling could not read the workspaces: {e}");
            vec![]
        });
        for ws in workspaces {
            if let Ok(ch) = book.load_channels(&ws, secrets.as_ref(), &http) {
                // The mailbox is read here too (SPEC §12), after the other channels' polls.
                if ch.telegram.is_some() || ch.twilio.is_some() || ch.email.is_some() {
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
                    if r.received > 0 || r.emails > 0 {
                        log::info!(
                            "inbound in {}: {} received, {} new leads, {} opt-outs, {} emails ({} portal leads, {} unparsed)",
                            ws.name, r.received, r.new_leads, r.opt_outs, r.emails, r.portal_leads, r.unparsed
                        );
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

/// The tasks of every workspace that fell due since the last tick, each claimed once (another
/// window on the same book does not notify it again).
fn due_tasks(book: &mut Book) -> Vec<leadbook_core::tasks::Task> {
    let mut due = Vec::new();
    for ws in book.workspaces().unwrap_or_default() {
        match book.claim_due_tasks(&ws) {
            Ok(mut t) => due.append(&mut t),
            Err(e) => log::warn!("due tasks of workspace {} could not be read: {e}", ws.id),
        }
    }
    due
}

/// A desktop notification for each task at its due time, while the app is open.
fn notify_tasks(app: &AppHandle, due: &[leadbook_core::tasks::Task]) {
    use tauri_plugin_notification::NotificationExt;
    for t in due {
        let body = t.lead_name.as_deref().map(|n| format!("{} — {n}", t.kind)).unwrap_or_else(|| t.kind.to_string());
        if let Err(e) = app.notification().builder().title(&t.title).body(body).show() {
            log::warn!("the notification could not be shown: {e}");
        }
    }
    if !due.is_empty() {
        let _ = app.emit("tasks-due", due.len());
    }
}

/// Polls the portals' lead APIs of every workspace that has one set up; their new leads are
/// answered by the next tick (speed to lead).
async fn portal_polls(app: AppHandle, path: PathBuf, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>, courier: Arc<Courier>) -> Result<()> {
    let mut book = open(&path, clock)?;
    let http = channels::http_client()?;
    // Each workspace's clients live across rounds: Property Finder's token and a 429's back-off
    // are kept until the settings change.
    let mut loaded: Vec<(Workspace, leadbook_core::messaging::portals::Portals, String)> = vec![];
    loop {
        let workspaces = book.workspaces().unwrap_or_else(|e| {
            log::warn!("portal polling could not read the workspaces: {e}");
            vec![]
        });
        let mut next = vec![];
        for ws in workspaces {
            let Ok(infos) = book.portals(&ws, secrets.as_ref()) else { continue };
            let stamp = serde_json::to_string(&infos.iter().map(|i| (&i.state, &i.settings, i.has_secret)).collect::<Vec<_>>()).unwrap_or_default();
            let kept = loaded.iter().position(|(w, _, s)| w.id == ws.id && *s == stamp);
            match kept {
                Some(i) => next.push(loaded.swap_remove(i)),
                None => {
                    if let Ok(p) = book.load_portals(&ws, secrets.as_ref(), &http) {
                        next.push((ws, p, stamp));
                    }
                }
            }
        }
        loaded = next;
        for (ws, portals, _) in loaded.iter().filter(|(_, p, _)| p.any()) {
            match book.poll_portals(ws, portals).await {
                Ok(r) => {
                    if !r.errors.is_empty() {
                        log::warn!("portals in {}: {}", ws.name, r.errors.join("; "));
                    }
                    if r.portal_leads > 0 {
                        log::info!("portals in {}: {} enquiries, {} new leads", ws.name, r.portal_leads, r.new_leads);
                        let _ = app.emit("portal-leads", &r);
                        let _ = app.emit("outbox-changed", ());
                        courier.wake();
                    }
                }
                Err(e) => log::warn!("portal polling in {} failed: {e}", ws.name),
            }
        }
        tokio::time::sleep(PORTALS_EVERY).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap()
    }

    #[test]
    fn the_background_work_waits_for_the_window_to_say_it_is_ready() {
        runtime().block_on(async {
            let courier = Arc::new(Courier::default());
            let told = courier.clone();
            let waiting = tokio::spawn(async move {
                let at = std::time::Instant::now();
                told.until_window_ready(Duration::from_secs(30)).await;
                at.elapsed()
            });
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(!waiting.is_finished(), "not ready yet");
            courier.window_ready();
            let waited = waiting.await.unwrap();
            assert!(waited < Duration::from_secs(30), "woken by the window, not by the deadline");
            // Once ready, it stays ready.
            courier.until_window_ready(Duration::from_secs(30)).await;
        });
    }

    #[test]
    fn the_tick_and_the_backup_run_on_a_thread_of_lower_priority_and_a_panic_is_an_error() {
        runtime().block_on(async {
            #[cfg(target_os = "linux")]
            {
                // SAFETY: reads the calling thread's own nice value.
                let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t) };
                let here = nice();
                let there = in_the_background("test", nice).await.unwrap();
                assert!(there >= (here + BACKGROUND_NICE).min(19), "nice {there} on the background thread, {here} here");
            }
            assert_eq!(in_the_background("test", || 7).await, Ok(7));
            let panicked = in_the_background("test", || -> i32 { panic!("boom") }).await;
            assert!(panicked.unwrap_err().contains("stopped before it answered"));
        });
    }

    #[test]
    fn the_background_work_starts_anyway_when_the_window_never_says_so() {
        runtime().block_on(async {
            let courier = Courier::default();
            courier.until_window_ready(Duration::from_millis(20)).await;
            assert!(!courier.ready.load(Ordering::SeqCst));
        });
    }
}
