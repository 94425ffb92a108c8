//! Benchmark marks for the app figures of SPEC §10 (start to first painted lead list, search
//! keystroke latency, memory). With `LEADBOOK_PERF_OUT` set, the UI reports what it painted and
//! each mark is appended to that file as one tab-separated line:
//! `name  ms-since-process-start  unix-ms  value-ms  rss-kb`. Without it, marks are ignored.
//! Nothing here changes what the app does; `tests/bench-app.sh` reads the file.

use leadbook_core::{Error, Result};
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Remembers when the process started; the first call wins. `app::run` calls it first thing.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Whether the UI should report its paints: the window was started for a benchmark.
pub fn enabled() -> bool {
    std::env::var_os("LEADBOOK_PERF_OUT").is_some_and(|v| !v.is_empty())
}

/// Resident memory of this process in kB (Linux; `None` elsewhere).
pub fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The line written for one mark (names are the UI's own, kept to one printable token).
pub fn mark_line(name: &str, since_start_ms: f64, unix_ms: u128, value_ms: Option<f64>, rss: Option<u64>) -> String {
    let name: String = name.chars().map(|c| if c.is_whitespace() || c.is_control() { '_' } else { c }).take(80).collect();
    let value = value_ms.filter(|v| v.is_finite()).map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    let rss = rss.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
    format!("{name}\t{since_start_ms:.2}\t{unix_ms}\t{value}\t{rss}\n")
}

/// Appends one mark to `out`.
pub fn record(out: &Path, name: &str, value_ms: Option<f64>) -> Result<()> {
    let since = STARTED.get().map(|s| s.elapsed().as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
    let unix = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let line = mark_line(name, since, unix, value_ms, rss_kb());
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(out).map_err(Error::from)?;
    f.write_all(line.as_bytes()).map_err(Error::from)?;
    Ok(())
}

/// The UI painted something worth timing (`value_ms`: a latency it measured itself).
#[tauri::command(async)]
pub fn perf_mark(name: String, value_ms: Option<f64>) -> Result<()> {
    match std::env::var_os("LEADBOOK_PERF_OUT").filter(|v| !v.is_empty()) {
        Some(out) => record(Path::new(&out), &name, value_ms),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_one_tab_separated_line_with_odd_names_flattened() {
        let line = mark_line("search rows\n", 812.345, 1_700_000_000_000, Some(12.3456), Some(90_000));
        assert_eq!(line, "search_rows_\t812.35\t1700000000000\t12.35\t90000\n");
        assert_eq!(mark_line("first-paint", 1.0, 2, None, None), "first-paint\t1.00\t2\t-\t-\n");
    }

    #[test]
    fn marks_are_appended_to_the_named_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("marks.tsv");
        record(&out, "first-paint", None).unwrap();
        record(&out, "key", Some(14.0)).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let names: Vec<&str> = text.lines().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(names, ["first-paint", "key"]);
        assert!(text.lines().nth(1).unwrap().split('\t').nth(3) == Some("14.00"));
    }

    #[test]
    fn this_process_has_a_resident_size() {
        if cfg!(target_os = "linux") {
            assert!(rss_kb().unwrap() > 0);
        }
    }
}
