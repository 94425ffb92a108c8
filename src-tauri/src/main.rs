// No console window on Windows release builds; the command line still prints when run from one.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc rather than the system allocator: an import allocates on one thread and frees on
/// another, which glibc's arenas make a lock-and-consolidate dance (docs/DEPENDENCIES.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(leadbook_app::main_entry(std::env::args_os().collect()));
}
