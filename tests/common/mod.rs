//! What the command line's black-box tests share: run the `leadbook` binary at a given "now"
//! (optionally with standard input) and read its JSON answer and exit code.

#![allow(dead_code)] // each test file uses its own part

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: Value,
    pub stderr: Value,
}

/// `leadbook --db DB --now NOW ARGS…`, never with a developer's real keychain or environment.
fn command(db: &Path, now: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leadbook"));
    c.args(["--db", db.to_str().unwrap(), "--now", now])
        .args(args)
        .env("LEADBOOK_SECRET_STORE", "file")
        .env_remove("LEADBOOK_DB")
        .env_remove("LEADBOOK_NOW")
        .env_remove("LEADBOOK_WORKSPACE");
    c
}

fn read(out: Output) -> Run {
    let parse = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        if s.trim().is_empty() { Value::Null } else { serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}")) }
    };
    Run { code: out.status.code().unwrap_or(-1), stdout: parse(&out.stdout), stderr: parse(&out.stderr) }
}

pub fn run_at(db: &Path, now: &str, args: &[&str]) -> Run {
    read(command(db, now, args).output().expect("the leadbook binary runs"))
}

/// The same with `input` on its standard input (a secret given as `-`).
pub fn run_with_stdin(db: &Path, now: &str, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = command(db, now, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the leadbook binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    read(child.wait_with_output().unwrap())
}

/// A book path in a fresh temporary folder (kept while the folder lives).
pub fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadbook.db");
    (dir, path)
}
