//! Import and export commands: a preview of a file with the detected column mapping, the
//! import itself with progress events and cancel, and export to xlsx or csv. Each takes only a
//! path the agent chose in this session (the dialog Rust opens, or a typed path confirmed with
//! `import_confirm`/`export_confirm`), never one in the app's data directory: see `chosen`.
//!
//! An import runs on a connection of its own to the book file, not on the window's: its one
//! long transaction holds no lock the other commands wait for (they keep reading the book as it
//! was until it commits). Each import has an id, given by the UI, with its own cancel flag.

use super::AppState;
use leadbook_core::transfer::export::Exported;
use leadbook_core::transfer::import::{self, Field, Report};
use leadbook_core::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(rename = "ImportPreview")]
pub struct Preview {
    /// What the file was read as (see `import::read`).
    #[ts(type = "\"csv\" | \"linkedin\" | \"xlsx\"")]
    pub format: &'static str,
    /// The encoding a CSV's text was decoded from (`utf-8`, `utf-16le`, `windows-1256`…);
    /// absent for a spreadsheet. `import_preview`/`import_run` take another to override it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub encoding: Option<String>,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<Field>>,
    pub sample: Vec<Vec<String>>,
    pub total_rows: usize,
}

/// The `import-progress` event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(rename = "ImportProgress")]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// Opens the system's file dialog (from Rust, not the webview) for a CSV or XLSX file to import;
/// the file picked is remembered as chosen for this session. `None` when the agent cancelled.
#[tauri::command(async)]
pub fn import_choose(app: AppHandle, state: State<'_, AppState>, title: Option<String>) -> Result<Option<PathBuf>> {
    let mut dialog = app.dialog().file().add_filter("CSV / Excel", &["csv", "xlsx"]);
    if let Some(title) = title {
        dialog = dialog.set_title(title);
    }
    let Some(picked) = dialog.blocking_pick_file() else { return Ok(None) };
    let path = picked.into_path().map_err(|e| Error::validation("path", format!("the file dialog gave no local file: {e}")))?;
    state.chosen().choose_to_read(&path).map(Some)
}

/// A path the agent typed in the Import screen's field and confirmed with Preview: a regular file
/// they can read, outside the app's data directory, remembered as chosen. Returns it resolved.
#[tauri::command(async)]
pub fn import_confirm(state: State<'_, AppState>, path: PathBuf) -> Result<PathBuf> {
    state.chosen().choose_to_read(&path)
}

/// Opens the system's save dialog (from Rust) for the export's file, starting at `file_name`;
/// the path is remembered as chosen for this session. `None` when the agent cancelled.
#[tauri::command(async)]
pub fn export_choose(
    app: AppHandle,
    state: State<'_, AppState>,
    title: Option<String>,
    file_name: Option<String>,
    format: Option<String>,
) -> Result<Option<PathBuf>> {
    let mut dialog = app.dialog().file();
    dialog = match format.as_deref() {
        Some("csv") => dialog.add_filter("CSV", &["csv"]),
        Some("ics") => dialog.add_filter("Calendar", &["ics"]),
        _ => dialog.add_filter("Excel", &["xlsx"]),
    };
    if let Some(title) = title {
        dialog = dialog.set_title(title);
    }
    // The field's path (a folder and a name) or just a name.
    if let Some(start) = file_name.map(PathBuf::from) {
        if let Some(dir) = start.parent().filter(|d| d.is_absolute() && d.is_dir()) {
            dialog = dialog.set_directory(dir);
        }
        if let Some(name) = start.file_name() {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
    }
    let Some(picked) = dialog.blocking_save_file() else { return Ok(None) };
    let path = picked.into_path().map_err(|e| Error::validation("path", format!("the save dialog gave no local file: {e}")))?;
    state.chosen().choose_to_write(&path).map(Some)
}

/// A path the agent typed in the Export screen's field and confirmed with Export: in an existing
/// folder, outside the app's data directory, remembered as chosen. Returns it resolved.
#[tauri::command(async)]
pub fn export_confirm(state: State<'_, AppState>, path: PathBuf) -> Result<PathBuf> {
    state.chosen().choose_to_write(&path)
}

/// The file's header, the mapping Leadbook detected and its first rows, for a file chosen in
/// this session (else a validation error on `path`).
pub fn preview(state: &AppState, path: &Path, format: &str, encoding: &str) -> Result<Preview> {
    let path = state.chosen().chosen_to_read(path)?;
    let t = import::read_with(&path, format, encoding)?;
    Ok(Preview {
        format: t.format,
        encoding: t.encoding,
        sample: t.rows.iter().take(10).map(|(_, cells)| cells.to_vec()).collect(),
        total_rows: t.total_rows,
        headers: t.headers,
        mapping: t.mapping,
    })
}

/// The file's header, the mapping Leadbook detected and its first rows.
#[tauri::command(async)]
pub fn import_preview(state: State<'_, AppState>, path: PathBuf, format: Option<String>, encoding: Option<String>) -> Result<Preview> {
    preview(&state, &path, format.as_deref().unwrap_or("auto"), encoding.as_deref().unwrap_or("auto"))
}

/// Imports `path` into the current workspace as import `id`, in one transaction on a connection
/// of its own; `progress(done, total)` as it goes. Stops, keeping nothing, when [`cancel`] is
/// called with the same id.
pub fn import(
    state: &AppState,
    id: &str,
    path: &Path,
    format: &str,
    encoding: &str,
    mapping: Option<Vec<Option<Field>>>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report> {
    let path = &state.chosen().chosen_to_read(path)?;
    let ws = state.book().current_workspace()?;
    let flag = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.imports();
        if running.contains_key(id) {
            return Err(Error::Usage(format!("import '{id}' is already running")));
        }
        running.insert(id.to_string(), flag.clone());
    }
    let report = state.open_another().and_then(|mut book| book.import_file_with(&ws, path, format, encoding, mapping, progress, &flag));
    state.imports().remove(id);
    report
}

/// Asks import `id` to stop at its next batch; an id that is not running changes nothing.
pub fn cancel(state: &AppState, id: &str) {
    if let Some(flag) = state.imports().get(id) {
        flag.store(true, Ordering::Relaxed);
    }
}

/// Whether import `id` is running.
pub fn running(state: &AppState, id: &str) -> bool {
    state.imports().contains_key(id)
}

/// Imports the file in one transaction, emitting `import-progress` {done, total}.
#[tauri::command(async)]
pub fn import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    path: PathBuf,
    format: Option<String>,
    mapping: Option<Vec<Option<Field>>>,
    encoding: Option<String>,
) -> Result<Report> {
    let (format, encoding) = (format.as_deref().unwrap_or("auto"), encoding.as_deref().unwrap_or("auto"));
    let report = import(&state, &id, &path, format, encoding, mapping, &mut |done, total| {
        let _ = app.emit("import-progress", Progress { done, total });
    })?;
    let _ = app.emit("leads-changed", ());
    Ok(report)
}

#[tauri::command(async)]
pub fn import_cancel(state: State<'_, AppState>, id: String) {
    cancel(&state, &id);
}

/// Exports the current workspace to `path` (.xlsx or .csv), a file chosen in this session.
pub fn export(state: &AppState, path: &Path) -> Result<Exported> {
    let path = state.chosen().chosen_to_write(path)?;
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.export(&ws, &path)
}

/// Exports the current workspace to `path` (.xlsx or .csv).
#[tauri::command(async)]
pub fn export_run(state: State<'_, AppState>, path: PathBuf) -> Result<Exported> {
    export(&state, &path)
}

/// Writes the current workspace's viewings to `path` as an RFC 5545 calendar (`.ics`), a file
/// chosen in this session like every export.
pub fn calendar(state: &AppState, path: &Path) -> Result<leadbook_core::transfer::calendar::Exported> {
    let path = state.chosen().chosen_to_write(path)?;
    let book = state.book();
    let ws = book.current_workspace()?;
    book.export_calendar(&ws, &path)
}

/// The viewings as a calendar file (`leadbook calendar export` from the window).
#[tauri::command(async)]
pub fn calendar_export(state: State<'_, AppState>, path: PathBuf) -> Result<leadbook_core::transfer::calendar::Exported> {
    calendar(&state, &path)
}
