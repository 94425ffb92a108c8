//! Import and export commands: a preview of a file with the detected column mapping, the
//! import itself with progress events and cancel, and export to xlsx or csv.
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

/// The file's header, the mapping Leadbook detected and its first rows.
#[tauri::command(async)]
pub fn import_preview(path: PathBuf, format: Option<String>, encoding: Option<String>) -> Result<Preview> {
    let t = import::read_with(&path, format.as_deref().unwrap_or("auto"), encoding.as_deref().unwrap_or("auto"))?;
    Ok(Preview {
        format: t.format,
        encoding: t.encoding,
        sample: t.rows.iter().take(10).map(|(_, cells)| cells.clone()).collect(),
        total_rows: t.total_rows,
        headers: t.headers,
        mapping: t.mapping,
    })
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

/// Exports the current workspace to `path` (.xlsx or .csv).
#[tauri::command(async)]
pub fn export_run(state: State<'_, AppState>, path: PathBuf) -> Result<Exported> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.export(&ws, &path)
}
