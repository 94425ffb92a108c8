// No console window on Windows release builds; the command line still prints when run from one.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc rather than the system allocator: an import allocates on one thread and frees on
/// another, which glibc's arenas make a lock-and-consolidate dance (docs/DEPENDENCIES.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Everything this process creates — the log, SQLite's -wal and -shm, WebKit's caches — is
    // its owner's only, from the first byte (the core also creates its own files 0600).
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; no thread has started yet.
    unsafe {
        libc::umask(0o077);
    }
    std::process::exit(leadbook_app::main_entry(std::env::args_os().collect()));
}
