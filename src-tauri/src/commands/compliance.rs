//! Compliance evidence (SPEC §14) for the current workspace: the contact log and its report,
//! the Do Not Call Register, a lead's consent. Files are read and written only where the agent
//! chose in this session (`import_choose` / `export_choose`, see `chosen`).

use super::day::on;
use super::AppState;
use leadbook_core::compliance::consent::{Consent, ConsentSource};
use leadbook_core::compliance::dncr::Imported;
use leadbook_core::compliance::report::{ContactPage, LogFilter};
use leadbook_core::transfer::compliance::Written;
use leadbook_core::compliance::LeadCompliance;
use leadbook_core::model::Channel;
use leadbook_core::Result;
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Emitter, State};

/// Tells the outbox and the lead pages that held messages may have gone back to the queue.
fn changed(app: &AppHandle) {
    let _ = app.emit("outbox-changed", ());
}

/// A page of the contact log, newest first (`before`: the id the page starts below).
#[tauri::command(async)]
pub fn compliance_log(state: State<'_, AppState>, filter: LogFilter, before: Option<i64>, limit: Option<usize>) -> Result<ContactPage> {
    on(&state, |b, ws| b.contact_log(ws, &filter, before, limit.unwrap_or(100)))
}

/// Writes the contact report of `filter` to `path` (.xlsx or .csv), a file chosen in this session.
pub fn report(state: &AppState, filter: &LogFilter, path: &Path) -> Result<Written> {
    let path = state.chosen().chosen_to_write(path)?;
    on(state, |b, ws| b.compliance_report(ws, filter, &path))
}

#[tauri::command(async)]
pub fn compliance_report(state: State<'_, AppState>, filter: LogFilter, path: PathBuf) -> Result<Written> {
    report(&state, &filter, &path)
}

/// Replaces the register with the numbers of `path`, a file chosen in this session.
pub fn import_register(state: &AppState, path: &Path) -> Result<Imported> {
    let path = state.chosen().chosen_to_read(path)?;
    on(state, |b, ws| b.import_dncr(ws, &path))
}

#[tauri::command(async)]
pub fn dncr_import(app: AppHandle, state: State<'_, AppState>, path: PathBuf) -> Result<Imported> {
    let out = import_register(&state, &path)?;
    changed(&app);
    Ok(out)
}

/// How many numbers the register holds and how many leads it covers.
#[tauri::command(async)]
pub fn dncr_summary(state: State<'_, AppState>) -> Result<Imported> {
    on(&state, |b, ws| b.dncr_summary(ws))
}

/// On the register, consents and held messages of one lead.
#[tauri::command(async)]
pub fn lead_compliance(state: State<'_, AppState>, lead_id: i64) -> Result<LeadCompliance> {
    on(&state, |b, ws| b.lead_compliance(ws, lead_id))
}

#[tauri::command(async)]
pub fn consent_set(app: AppHandle, state: State<'_, AppState>, lead_id: i64, channel: Channel, source: ConsentSource) -> Result<Vec<Consent>> {
    let out = on(&state, |b, ws| b.set_consent(ws, lead_id, channel, source))?;
    changed(&app);
    Ok(out)
}

#[tauri::command(async)]
pub fn consent_withdraw(state: State<'_, AppState>, lead_id: i64, channel: Channel) -> Result<Vec<Consent>> {
    on(&state, |b, ws| b.withdraw_consent(ws, lead_id, channel))
}
