// No console window on Windows release builds; the command line still prints when run from one.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    std::process::exit(leadbook_app::main_entry(std::env::args_os().collect()));
}
