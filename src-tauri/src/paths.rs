//! Where the database lives when neither `--db` nor `LEADBOOK_DB` says: `leadbook.db` in the
//! directory Tauri's `app_data_dir()` gives for our identifier, computed the same way here so
//! the command line finds the app's book without starting Tauri.

use std::path::PathBuf;

/// Must equal `identifier` in tauri.conf.json (a test checks it).
pub const IDENTIFIER: &str = "com.leadbook.desktop";

pub fn default_db() -> PathBuf {
    data_dir().join(IDENTIFIER).join("leadbook.db")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(target_os = "linux")]
fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home().join(".local/share"))
}

#[cfg(target_os = "macos")]
fn data_dir() -> PathBuf {
    home().join("Library/Application Support")
}

#[cfg(target_os = "windows")]
fn data_dir() -> PathBuf {
    std::env::var_os("APPDATA").map(PathBuf::from).unwrap_or_else(home)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_identifier_matches_tauri_conf() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json is JSON");
        assert_eq!(conf["identifier"], super::IDENTIFIER);
    }
}
