//! Portal commands: Settings → Portals (Property Finder, Bayut, dubizzle lead APIs). Never a
//! key back to the UI; a test answers without holding the book while the portal answers.

use super::AppState;
use leadbook_core::messaging::channels::portals::Portal;
use leadbook_core::messaging::channels::{self, Identity};
use leadbook_core::messaging::portals::{self, PortalInfo, PortalSecrets, PortalSettings};
use leadbook_core::Result;
use tauri::State;

#[tauri::command(async)]
pub fn portal_list(state: State<'_, AppState>) -> Result<Vec<PortalInfo>> {
    let book = state.book();
    let ws = book.current_workspace()?;
    book.portals(&ws, state.secrets.as_ref())
}

/// Saves a portal's settings; a secret left null keeps the stored one.
#[tauri::command(async)]
pub fn portal_set(state: State<'_, AppState>, portal: Portal, settings: PortalSettings, secrets: PortalSecrets) -> Result<PortalInfo> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.set_portal(&ws, state.secrets.as_ref(), portal, &settings, &secrets)
}

#[tauri::command(async)]
pub fn portal_remove(state: State<'_, AppState>, portal: Portal) -> Result<PortalInfo> {
    let mut book = state.book();
    let ws = book.current_workspace()?;
    book.remove_portal(&ws, state.secrets.as_ref(), portal)
}

/// "Test connection": the portal's answer recorded on it; the portal as Settings shows it after.
#[tauri::command]
pub async fn portal_test(state: State<'_, AppState>, portal: Portal) -> Result<PortalTested> {
    let (ws, loaded, now) = {
        let book = state.book();
        let ws = book.current_workspace()?;
        let loaded = book.load_portals(&ws, state.secrets.as_ref(), &channels::http_client()?)?;
        (ws, loaded, book.now())
    };
    let result = loaded.test(portal, now).await?;
    let mut book = state.book();
    book.write(|tx, now| portals::record_test(tx, &ws, portal, &result, now))?;
    let info = portals::info(book.conn(), &ws, state.secrets.as_ref(), portal)?;
    Ok(PortalTested { result, info })
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct PortalTested {
    pub result: Identity,
    pub info: PortalInfo,
}
