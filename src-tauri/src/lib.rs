//! The `leadbook` binary: the desktop window (Tauri) and the command line, two thin shells over
//! `leadbook-core`. With no subcommand it opens the window; with one it runs headless on the
//! same core and database and prints JSON.

pub mod app;
pub mod background;
pub mod cli;
pub mod commands;
pub mod paths;
pub mod secrets;
#[cfg(test)]
mod wire_types;

use std::ffi::OsString;

/// Parses the arguments and runs the window or the subcommand; returns the exit code.
pub fn main_entry(args: Vec<OsString>) -> i32 {
    match cli::parse(args) {
        cli::Parsed::Command(cli) => cli::execute(cli),
        cli::Parsed::App(global) => app::run(global),
        cli::Parsed::Exit(code) => code,
    }
}
