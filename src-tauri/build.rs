// Declares the app's own commands in the app manifest, so tauri-build generates a permission
// for each and the capability in tauri.conf.json is checked against them at build time.
const COMMANDS: &[&str] = &[
    "workspace_list",
    "workspace_current",
    "workspace_add",
    "workspace_switch",
    "workspace_update",
    "lead_list",
    "lead_get",
    "lead_find_duplicate",
    "lead_add",
    "lead_update",
    "lead_set_status",
    "lead_merge",
    "lead_reply",
    "dashboard",
    "perf_mark",
];

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri build configuration");
}
