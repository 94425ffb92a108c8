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
            commands::leads::lead_list,
            commands::leads::lead_get,
            commands::leads::lead_find_duplicate,
            commands::leads::lead_add,
            commands::leads::lead_update,
            commands::leads::lead_set_status,
            commands::leads::lead_merge,
            commands::leads::lead_reply,
            commands::dashboard::dashboard,
        ]
    };
}

/// Opens the window; returns the process exit code.
pub fn run(global: Global) -> i32 {
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
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .target(tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::LogDir { file_name: Some("leadbook".into()) }))
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let book = open(app.handle(), &global)?;
            app.manage(AppState::new(book));
            Ok(())
        })
        .invoke_handler(app_commands!())
        .run(tauri::generate_context!());
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", serde_json::json!({"code": "internal", "message": format!("the window could not start: {e}")}));
            1
        }
    }
}

fn open(app: &tauri::AppHandle, global: &Global) -> Result<Book, Box<dyn std::error::Error>> {
    let clock = clock_from(global.now.as_deref())?;
    let path = match &global.db {
        Some(p) => p.clone(),
        None => app.path().app_data_dir()?.join("leadbook.db"),
    };
    log::info!("opening the book at {}", path.display());
    let mut book = Book::open(&path, clock)?;
    if let Some(name) = &global.workspace {
        let ws = book.workspace(name)?;
        book.set_current_workspace(ws.id)?;
    }
    match book.daily_backup() {
        Ok(Some(p)) => log::info!("daily backup written to {}", p.display()),
        Ok(None) => {}
        Err(e) => log::warn!("daily backup failed: {e}"),
    }
    Ok(book)
}
