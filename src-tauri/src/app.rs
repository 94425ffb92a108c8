//! The desktop window: plugins, state, commands. Opening the book happens here; everything the
//! window does goes through `commands`.

use crate::cli::{clock_from, Global};
use crate::commands::{self, AppState};
use leadbook_core::Book;
use tauri::Manager;

/// The commands the UI may call. build.rs declares the same list in the app manifest, and the
/// capability in tauri.conf.json grants exactly these.
macro_rules! app_commands {
    () => {
        tauri::generate_handler![
            commands::workspace::workspace_list,
            commands::workspace::workspace_current,
            commands::workspace::workspace_add,
            commands::workspace::workspace_switch,
            commands::workspace::workspace_update,
            commands::workspace::workspace_sample_open,
            commands::workspace::workspace_sample_remove,
            commands::leads::lead_list,
            commands::leads::lead_get,
            commands::leads::lead_timeline,
            commands::leads::lead_find_duplicate,
            commands::leads::lead_check,
            commands::leads::lead_add,
            commands::leads::lead_add_separate,
            commands::leads::lead_possible_duplicates,
            commands::leads::lead_duplicate_dismiss,
            commands::leads::lead_update,
            commands::leads::lead_set_status,
            commands::leads::lead_merge,
            commands::leads::lead_reply,
            commands::dashboard::dashboard,
            commands::properties::property_list,
            commands::properties::property_add,
            commands::properties::property_announce,
            commands::properties::property_update,
            commands::properties::property_set_status,
            commands::properties::property_matches,
            commands::properties::outbox_list,
            commands::properties::outbox_page,
            commands::properties::outbox_confirm,
            commands::followups::followup_run,
            commands::followups::followup_due,
            commands::followups::campaign_list,
            commands::followups::campaign_update,
            commands::followups::lead_enrolments,
            commands::followups::followup_pause,
            commands::followups::followup_resume,
            commands::followups::template_preview,
            commands::followups::campaign_stats,
            commands::followups::campaign_promote,
            commands::transfer::import_preview,
            commands::transfer::import_run,
            commands::transfer::import_cancel,
            commands::transfer::export_run,
            commands::transfer::calendar_export,
            commands::compliance::compliance_log,
            commands::compliance::compliance_report,
            commands::compliance::dncr_import,
            commands::compliance::dncr_summary,
            commands::compliance::lead_compliance,
            commands::compliance::consent_set,
            commands::compliance::consent_withdraw,
            commands::transfer::import_choose,
            commands::transfer::import_confirm,
            commands::transfer::export_choose,
            commands::transfer::export_confirm,
            commands::channels::channel_list,
            commands::channels::channel_set,
            commands::channels::channel_remove,
            commands::channels::channel_test,
            commands::channels::channel_delete_webhook,
            commands::portals::portal_list,
            commands::portals::portal_set,
            commands::portals::portal_remove,
            commands::portals::portal_test,
            commands::channels::delivery_status,
            commands::channels::outbox_send_now,
            commands::channels::outbox_retry,
            commands::channels::outbox_cancel,
            commands::channels::outbox_mark_done,
            commands::channels::lead_telegram_link,
            commands::intelligence::llm_get,
            commands::intelligence::llm_set,
            commands::intelligence::llm_set_review,
            commands::intelligence::outbox_review,
            commands::intelligence::campaign_set_review,
            commands::enquiries::email_sender_list,
            commands::enquiries::email_sender_add,
            commands::enquiries::email_sender_remove,
            commands::enquiries::unparsed_list,
            commands::enquiries::unparsed_dismiss,
            commands::enquiries::unparsed_add_lead,
            commands::perf::perf_mark,
            commands::window::window_ready,
            commands::day::today,
            commands::day::task_list,
            commands::day::task_page,
            commands::day::task_add,
            commands::day::task_done,
            commands::day::task_snooze,
            commands::day::call_log,
            commands::day::call_list,
            commands::day::lead_set_do_not_market,
            commands::day::viewing_add,
            commands::day::viewing_list,
            commands::day::viewing_set_status,
            commands::day::deal_add,
            commands::day::deal_list,
            commands::day::deal_set_stage,
            commands::day::list_all,
            commands::day::list_save,
            commands::day::list_show,
            commands::day::list_delete,
        ]
    };
}

/// On a machine with no GPU (no DRM render node: a virtual machine, a remote desktop, Xvfb),
/// WebKit would still paint through OpenGL — Mesa's software rasteriser, slower than Skia's own
/// CPU painting: measured under Xvfb, a search keystroke took 134 ms to paint that way and 87–99
/// ms with CPU painting, and WebKit's processes held 436 MB instead of 369 MB. A machine with a GPU
/// keeps GPU painting, and a user's own WEBKIT_SKIA_ENABLE_CPU_RENDERING is left as it is.
/// Runs before GTK starts and before any thread (the environment is read once, at start-up).
fn prefer_cpu_painting_without_gpu() -> bool {
    if !cfg!(target_os = "linux") || std::env::var_os("WEBKIT_SKIA_ENABLE_CPU_RENDERING").is_some() {
        return false;
    }
    let has_render_node = std::fs::read_dir("/dev/dri")
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false);
    if has_render_node {
        return false;
    }
    std::env::set_var("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1");
    true
}

/// Opens the window; returns the process exit code.
pub fn run(global: Global) -> i32 {
    commands::perf::mark_start();
    let cpu_painting = prefer_cpu_painting_without_gpu();
    let mut context = tauri::generate_context!();
    let perf = commands::perf::enabled().then(|| std::env::var("LEADBOOK_PERF_SEARCH").unwrap_or_default());
    if let Some(url) = start_url(std::env::var("LEADBOOK_OPEN").ok().as_deref(), perf.as_deref()) {
        for w in context.config_mut().app.windows.iter_mut().filter(|w| w.label == "main") {
            w.url = url.clone();
        }
    }
    let result = tauri::Builder::default()
        // First, so a second launch hands over to the running window before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(
            // The plugin's own defaults are stdout and a second file named after the product
            // (Leadbook.log beside leadbook.log, every line twice): replaced, not added to.
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .clear_targets()
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stdout),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir { file_name: Some("leadbook".into()) }),
                ])
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            if cpu_painting {
                log::info!("no GPU render node: WebKit paints with the CPU (WEBKIT_SKIA_ENABLE_CPU_RENDERING=1)");
            }
            let (book, path, clock) = open(app.handle(), &global)?;
            let secrets: std::sync::Arc<dyn leadbook_core::secrets::SecretStore> = crate::secrets::for_book(&path).into();
            let state = AppState::new(book).with_secrets(secrets.clone());
            let courier = state.courier.clone();
            app.manage(state);
            crate::background::start(app.handle().clone(), path, clock, secrets, courier);
            Ok(())
        })
        .invoke_handler(app_commands!())
        .run(context);
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", serde_json::json!({"code": "internal", "message": format!("the window could not start: {e}")}));
            1
        }
    }
}

/// Where the main window starts when it is not the dashboard: `LEADBOOK_OPEN=leads` (or
/// `settings`) opens that screen. A benchmark run (`LEADBOOK_PERF_OUT`) adds `?perf=TEXT` so the
/// UI reports its paints through `perf_mark` and times the bare `lead_list` round trip for each
/// prefix of TEXT (`LEADBOOK_PERF_SEARCH`). Same window otherwise (label, size, title).
fn start_url(open: Option<&str>, perf: Option<&str>) -> Option<tauri::WebviewUrl> {
    let hash = match open {
        Some("leads") => "#/leads",
        Some("settings") => "#/settings",
        _ => "",
    };
    let query = match perf {
        Some("") => "?perf=1".to_string(),
        Some(text) => format!("?perf={}", query_escape(text)),
        None => String::new(),
    };
    if hash.is_empty() && query.is_empty() {
        return None;
    }
    Some(tauri::WebviewUrl::App(format!("index.html{query}{hash}").into()))
}

/// Percent-encodes everything but ASCII letters and digits.
fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Opens the book the window shows; also returns its path and clock for the background work
/// (`crate::background`: the follow-up tick, delivery, reply polling, the daily backup).
fn open(app: &tauri::AppHandle, global: &Global) -> Result<(Book, std::path::PathBuf, std::sync::Arc<dyn leadbook_core::Clock>), Box<dyn std::error::Error>> {
    let clock = clock_from(global.now.as_deref())?;
    let default = app.path().app_data_dir()?.join("leadbook.db");
    let path = global.db.clone().unwrap_or_else(|| default.clone());
    log::info!("opening the book at {}", path.display());
    // A --db into a folder that does not exist is reported (the window does not start), never
    // made an empty book; so is a damaged book.
    let mut book = Book::open_in(&path, clock.clone(), global.folder(&path, &default)).inspect_err(|e| log::error!("{e}"))?;
    book.set_cache_kib(commands::WINDOW_CACHE_KIB)?;
    if let Some(name) = &global.workspace {
        let ws = book.workspace(name)?;
        book.set_current_workspace(ws.id)?;
    }
    match book.mark_interrupted_sends() {
        Ok(0) => {}
        Ok(n) => log::warn!("{n} message(s) were being sent when Leadbook last stopped; marked unknown for the agent to confirm"),
        Err(e) => log::warn!("could not check for interrupted sends: {e}"),
    }
    Ok((book, path, clock))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(open: Option<&str>, perf: Option<&str>) -> Option<String> {
        start_url(open, perf).map(|u| u.to_string())
    }

    #[test]
    fn the_window_opens_on_the_dashboard_unless_told_otherwise() {
        assert_eq!(url(None, None), None);
        assert_eq!(url(Some("nonsense"), None), None);
        assert_eq!(url(Some("leads"), None).as_deref(), Some("index.html#/leads"));
    }

    #[test]
    fn a_benchmark_run_asks_the_ui_for_marks_with_its_search_text_escaped() {
        assert_eq!(url(Some("leads"), Some("")).as_deref(), Some("index.html?perf=1#/leads"));
        assert_eq!(url(None, Some("Mo h&#")).as_deref(), Some("index.html?perf=Mo%20h%26%23"));
        assert_eq!(query_escape("مح"), "%D9%85%D8%AD");
    }
}
