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
    "property_list",
    "property_add",
    "property_update",
    "property_set_status",
    "property_matches",
    "outbox_list",
    "outbox_confirm",
    "followup_run",
    "followup_due",
    "campaign_list",
    "campaign_update",
    "lead_enrolments",
    "followup_pause",
    "followup_resume",
    "template_preview",
    "import_preview",
    "import_run",
    "import_cancel",
    "export_run",
    "perf_mark",
];

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri build configuration");
}
