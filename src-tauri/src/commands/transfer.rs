//! Import and export commands: a preview of a file with the detected column mapping, the
//! import itself with progress events and cancel, and export to xlsx or csv.

use super::{payload, AppState, CmdResult};
use leadbook_core::transfer::export::Exported;
use leadbook_core::transfer::import::{self, Field, Report};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{AppHandle, Emitter, State};

/// Set by `import_cancel`; the running import stops at its next batch and keeps nothing.
static CANCEL: AtomicBool = AtomicBool::new(false);

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
pub fn import_preview(path: PathBuf, format: Option<String>, encoding: Option<String>) -> CmdResult<Preview> {
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

/// Imports the file in one transaction, emitting `import-progress` {done, total}.
#[tauri::command(async)]
pub fn import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    path: PathBuf,
    format: Option<String>,
    mapping: Option<serde_json::Value>,
    encoding: Option<String>,
) -> CmdResult<Report> {
    let mapping: Option<Vec<Option<Field>>> = mapping.map(|m| payload("column mapping", m)).transpose()?;
    CANCEL.store(false, Ordering::Relaxed);
    let mut book = state.book();
    let ws = book.current_workspace()?;
    // The import's b-trees want the big cache; the window goes back to its small one after.
    book.set_cache_kib(leadbook_core::store::DEFAULT_CACHE_KIB)?;
    let report = book.import_file_with(
        &ws,
        &path,
        format.as_deref().unwrap_or("auto"),
        encoding.as_deref().unwrap_or("auto"),
        mapping,
        &mut |done, total| {
            let _ = app.emit("import-progress", Progress { done, total });
        },
        &CANCEL,
    );
    book.set_cache_kib(super::WINDOW_CACHE_KIB)?;
    let report = report?;
    let _ = app.emit("leads-changed", ());
    Ok(report)
}

#[tauri::command(async)]
pub fn import_cancel() {
    CANCEL.store(true, Ordering::Relaxed);
}

/// Exports the current workspace to `path` (.xlsx or .csv).
#[tauri::command(async)]
pub fn export_run(state: State<'_, AppState>, path: PathBuf) -> CmdResult<Exported> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    Ok(book.export(&ws, &path)?)
}
