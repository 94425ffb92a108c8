//! `leadbook-bench`: the figures of SPEC §10 on a deterministic synthetic book, each printed
//! beside a baseline measured in the same run on the same machine.
//!
//! Usage: `leadbook-bench [--leads N] [--only add|export] [--keep FILE.db]` (default 100 000
//! leads; `--only export` times three xlsx exports of the book), or
//! `leadbook-bench --sizes 10000,100000,1000000`: the curve (SPEC §10 round 2), every figure at
//! each size beside its same-run baseline, each phase in a child process of its own so that the
//! peak resident memory it reports is that phase's.
//! `--keep` saves the synthetic book, e.g. to open the app on it. Needs the `sqlite3` shell on
//! PATH for the import baseline. `make bench` runs it in a release build.

use leadbook_core::leads::LeadQuery;
use leadbook_core::clock::Clock;
use leadbook_core::synth;
use leadbook_core::{Book, FixedClock};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator the app ships with (src-tauri/src/main.rs), so the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Figure {
    what: String,
    ours: Duration,
    baseline: Option<(Duration, String)>,
    target: String,
    pass: bool,
}

fn ms(d: Duration) -> String {
    if d >= Duration::from_secs(1) { format!("{:.2} s", d.as_secs_f64()) } else { format!("{:.2} ms", d.as_secs_f64() * 1e3) }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

/// The `sqlite3` shell importing the same rows into a table with the same identity and filter
/// indexes as `leads`: the floor for getting this CSV into SQLite at all.
fn sqlite3_import(dir: &Path, csv: &Path) -> leadbook_core::Result<Duration> {
    let db = dir.join("baseline.db");
    let schema = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE leads (name TEXT, email TEXT, phone TEXT, whatsapp TEXT, linkedin_url TEXT, source TEXT, budget_min TEXT,
          budget_max TEXT, locations TEXT, property_type TEXT, bedrooms TEXT, purpose TEXT, language TEXT);
        CREATE INDEX b_email ON leads(email); CREATE INDEX b_phone ON leads(phone); CREATE INDEX b_whatsapp ON leads(whatsapp);
        CREATE INDEX b_linkedin ON leads(linkedin_url); CREATE INDEX b_source ON leads(source); CREATE INDEX b_name ON leads(name);";
    let run = |sql: &str| {
        Command::new("sqlite3").arg(&db).arg(sql).output()
            .map_err(|e| leadbook_core::Error::internal_from(format!("sqlite3 shell not found ({e}); apt-get install sqlite3"), e))
    };
    run(schema)?;
    let (took, out) = time(|| run(&format!(".import --csv --skip 1 {} leads", csv.display())));
    let out = out?;
    if !out.status.success() {
        return Err(leadbook_core::Error::internal(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    Ok(took)
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--sizes") || argv.first().map(String::as_str) == Some("--phase") {
        curve::main(&argv);
        return;
    }
    let mut n = 100_000usize;
    let mut only: Option<String> = None;
    let mut keep: Option<std::path::PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--leads", Some(v)) => n = v.replace('_', "").parse().unwrap_or(n),
            ("--only", Some(v)) => only = Some(v),
            ("--keep", Some(v)) => keep = Some(std::path::PathBuf::from(v)),
            _ => {
                eprintln!("usage: leadbook-bench [--leads N] [--only add|export] [--keep FILE.db]");
                std::process::exit(2);
            }
        }
    }
    let dir = tempfile_dir();
    let mut figures = Vec::new();

    println!("leadbook-bench: synthetic book of {n} leads (seed 42), {} cores", std::thread::available_parallelism().map_or(1, |p| p.get()));
    let rows = synth::leads(n, 42);
    let csv = dir.join("leads.csv");
    let mut text = String::with_capacity(n * 160);
    text.push_str(synth::CSV_HEADER);
    text.push('\n');
    for r in &rows {
        text.push_str(&r.to_csv_line());
        text.push('\n');
    }
    std::fs::write(&csv, text).expect("write the CSV");

    // 1. Adding the whole book through the core: validate, normalise, de-duplicate, score, one transaction.
    let db_path = dir.join("leadbook.db");
    // Monday 2 March 2026, 10:00 in Dubai: inside the sending window, so the tick does real work.
    let clock = Arc::new(FixedClock::at("2026-03-02T06:00:00Z"));
    let mut book = Book::open(&db_path, clock.clone()).expect("open the book");
    let ws = book.workspace("Default").expect("default workspace");
    let never = std::sync::atomic::AtomicBool::new(false);
    let (took, report) = time(|| book.import_file(&ws, &csv, "csv", None, &mut |_, _| {}, &never).expect("import the book"));
    println!(
        "  imported {} leads, merged {} duplicates, rejected {} dirty rows",
        report.imported,
        report.merged,
        report.rejected.len()
    );
    if let Some(path) = &keep {
        book.backup_to(path).expect("keep a copy of the book");
        println!("  kept a copy of the book at {}", path.display());
    }
    if only.as_deref() == Some("add") {
        println!("  add: {}", ms(took));
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if only.as_deref() == Some("export") {
        for _ in 0..3 {
            let (t, _) = time(|| book.export(&ws, &dir.join("export.xlsx")).expect("export xlsx"));
            println!("  export: {}", ms(t));
        }
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let baseline = sqlite3_import(&dir, &csv);
    let (pass, baseline) = match baseline {
        Ok(b) => (took <= Duration::from_secs(2) && took.as_secs_f64() <= 3.0 * b.as_secs_f64(), Some((b, "sqlite3 shell .import".to_string()))),
        Err(e) => {
            eprintln!("  baseline unavailable: {e}");
            (took <= Duration::from_secs(2), None)
        }
    };
    figures.push(Figure { what: format!("import a {n}-row CSV through the core"), ours: took, baseline, target: "≤ 2 s and ≤ 3× baseline".into(), pass });

    // 2. The dashboard, against the one bare count of the workspace's leads it cannot do less than.
    let runs = 30;
    let ours: Vec<Duration> = (0..runs).map(|_| time(|| book.dashboard(&ws).expect("dashboard")).0).collect();
    let bare: Vec<Duration> = (0..runs)
        .map(|_| {
            time(|| {
                let mut stmt = book.conn().prepare_cached("SELECT count(*) FROM leads WHERE workspace_id = ?1").unwrap();
                let n: i64 = stmt.query_row([ws.id], |r| r.get(0)).unwrap();
                n
            })
            .0
        })
        .collect();
    let d = median(ours);
    figures.push(Figure {
        what: "dashboard query (median)".into(),
        ours: d,
        baseline: Some((median(bare), "bare count(*) of the leads".into())),
        target: "≤ 20 ms".into(),
        pass: d <= Duration::from_millis(20),
    });

    // 3. Matching one listing against the whole book, against the bare SQL selecting the same leads.
    let listings = synth::properties(2_000, 42);
    let ids: Vec<i64> = book
        .write(|tx, now| {
            listings
                .iter()
                .map(|p| {
                    let input = leadbook_core::listings::properties::PropertyInput {
                        title: Some(p.title.clone()),
                        location: Some(p.location.clone()),
                        price: Some(p.price),
                        property_type: Some(p.property_type.clone()),
                        bedrooms: Some(p.bedrooms),
                        purpose: Some(p.purpose.clone()),
                        permit: None,
                        reference: None,
                    };
                    Ok(leadbook_core::listings::properties::add(tx, &ws, &input, now)?.id)
                })
                .collect()
        })
        .expect("add the listings");
    let sample: Vec<i64> = ids.iter().step_by(20).copied().collect();
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    let mut matched = 0usize;
    for id in &sample {
        let (d, m) = time(|| book.property_matches(&ws, *id).expect("matches"));
        matched += m.len();
        ours.push(d);
        let p = book.property(&ws, *id).expect("listing");
        let sql = leadbook_core::listings::matching::MATCH_SQL.replace("{cols}", "l.*");
        bare.push(
            time(|| {
                let mut stmt = book.conn().prepare_cached(&sql).unwrap();
                let v: Vec<(i64, String)> = stmt
                    .query_map(
                        rusqlite::params![ws.id, p.area_key, p.price, p.property_type.map(|t| t.as_str()), p.bedrooms, p.purpose.wanted_by().as_str()],
                        |r| Ok((r.get(0)?, r.get("name")?)),
                    )
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                v
            })
            .0,
        );
    }
    println!("  matched {} leads per listing on average over {} listings", matched / sample.len().max(1), sample.len());
    let (med, worst, base) = (median(ours.clone()), p95(ours), median(bare));
    figures.push(Figure {
        what: format!("match one listing against the book (median; p95 {})", ms(worst)),
        ours: med,
        baseline: Some((base, "bare SQL selecting the same lead rows".into())),
        target: "≤ 15 ms and ≤ 2× baseline".into(),
        pass: med <= Duration::from_millis(15) && med.as_secs_f64() <= 2.0 * base.as_secs_f64(),
    });

    // 4. One follow-up tick with the whole book enrolled and 10 000 leads due (enrolled an hour
    //    earlier than the rest, so their first step is due and the others' is not yet).
    book.conn()
        .execute_batch(
            "UPDATE enrolments SET enrolled_at = '2026-03-02T05:00:00Z', next_due_at = '2026-03-02T06:00:00Z'
               WHERE lead_id IN (SELECT id FROM leads ORDER BY id LIMIT 10000);
             UPDATE leads SET next_followup_at = '2026-03-02T06:00:00Z' WHERE id IN (SELECT id FROM leads ORDER BY id LIMIT 10000);",
        )
        .expect("make 10 000 leads due");
    clock.set(leadbook_core::clock::parse_time("2026-03-02T06:30:00Z").expect("time"));
    let enrolled: i64 = book.conn().query_row("SELECT count(*) FROM enrolments", [], |r| r.get(0)).unwrap_or(0);
    let (bare, due_rows) = time(|| {
        let mut stmt = book.conn().prepare("SELECT lead_id FROM enrolments WHERE state = 'active' AND next_due_at <= '2026-03-02T06:30:00Z'").unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap().count()
    });
    let (took, report) = time(|| book.followup_tick(&ws).expect("tick"));
    println!("  tick: {enrolled} enrolled, {due_rows} due → {report:?}");
    figures.push(Figure {
        what: format!("follow-up tick, {enrolled} enrolled, {} due", report.due),
        ours: took,
        baseline: Some((bare, "bare SELECT of the due enrolments".into())),
        target: "≤ 300 ms".into(),
        pass: took <= Duration::from_millis(300) && report.queued == 10_000.min(report.due),
    });

    // 5. Exporting the whole book to xlsx, beside the CSV export of the same leads.
    let xlsx_path = dir.join("export.xlsx");
    let (took, exported) = time(|| book.export(&ws, &xlsx_path).expect("export xlsx"));
    let (csv_took, _) = time(|| book.export(&ws, &dir.join("export.csv")).expect("export csv"));
    figures.push(Figure {
        what: format!("export {} leads to xlsx", exported.leads),
        ours: took,
        baseline: Some((csv_took, "CSV export of the same leads".into())),
        target: "≤ 3 s".into(),
        pass: took <= Duration::from_secs(3),
    });

    // 6. Search as you type: one list page per keystroke.
    let word = "Mohammed";
    let mut per_key = Vec::new();
    let mut bare_key = Vec::new();
    for _ in 0..5 {
        for i in 1..=word.len() {
            let typed = &word[..i];
            let q = LeadQuery { search: Some(typed.into()), limit: Some(200), ..Default::default() };
            per_key.push(time(|| book.list_leads(&ws, &q).expect("search")).0);
            bare_key.push(
                time(|| {
                    let mut stmt = book.conn().prepare_cached("SELECT id FROM leads WHERE workspace_id = ?1 AND name LIKE ?2 LIMIT 200").unwrap();
                    let v: Vec<i64> = stmt.query_map(rusqlite::params![ws.id, format!("%{typed}%")], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
                    v
                })
                .0,
            );
        }
    }
    let (med, worst) = (median(per_key.clone()), p95(per_key));
    figures.push(Figure {
        what: format!("search-as-you-type per keystroke (median; p95 {})", ms(worst)),
        ours: med,
        baseline: Some((median(bare_key), "bare LIKE on name".into())),
        target: "≤ 30 ms".into(),
        pass: worst <= Duration::from_millis(30),
    });

    // 7. Today with the whole book: 1 000 call tasks due (overdue since 05:00) and a week of
    //    300 viewings, against the bare SELECTs of its two biggest sections.
    let t0 = clock.now();
    for lead in 1..=1_000i64 {
        let input = leadbook_core::tasks::TaskInput {
            title: format!("Call lead {lead}"),
            lead_id: Some(lead),
            property_id: None,
            due_at: Some("2026-03-02T05:00:00Z".into()),
            kind: Some(leadbook_core::tasks::TaskKind::Call),
            detail: None,
        };
        book.add_task(&ws, &input).expect("add a task");
    }
    for i in 0..300i64 {
        let at = t0 + chrono::Duration::minutes(30 + i * 33);
        let input = leadbook_core::tasks::viewings::ViewingInput {
            lead_id: 2_001 + i,
            property_id: ids[(i as usize) % ids.len()],
            at: leadbook_core::clock::fmt_time(at),
            duration_min: Some(30),
            place: None,
        };
        book.book_viewing(&ws, &input).expect("book a viewing");
    }
    let ours: Vec<Duration> = (0..20).map(|_| time(|| book.today(&ws).expect("today")).0).collect();
    let now_s = leadbook_core::clock::fmt_time(clock.now());
    let bare: Vec<Duration> = (0..20)
        .map(|_| {
            time(|| {
                let mut t = book
                    .conn()
                    .prepare_cached(
                        "SELECT t.id, t.title, l.name FROM tasks t LEFT JOIN leads l ON l.id = t.lead_id
                         WHERE t.workspace_id = ?1 AND t.done_at IS NULL AND (t.due_at IS NULL OR t.due_at <= ?2)",
                    )
                    .unwrap();
                let n = t.query_map(rusqlite::params![ws.id, now_s], |r| r.get::<_, i64>(0)).unwrap().count();
                let mut v = book.conn().prepare_cached("SELECT count(*) FROM leads WHERE workspace_id = ?1 AND status = 'new' AND last_contacted_at IS NULL").unwrap();
                n as i64 + v.query_row([ws.id], |r| r.get::<_, i64>(0)).unwrap()
            })
            .0
        })
        .collect();
    let d = median(ours);
    figures.push(Figure {
        what: "Today, 1 000 call tasks due (median)".into(),
        ours: d,
        baseline: Some((median(bare), "bare SELECT of due tasks + count of new leads".into())),
        target: "≤ 20 ms".into(),
        pass: d <= Duration::from_millis(20),
    });

    // 8. The calendar's week: the 300 viewings of the next seven days.
    let week = leadbook_core::tasks::viewings::ViewingFilter { from: Some(t0), to: Some(t0 + chrono::Duration::days(7)), ..Default::default() };
    let ours: Vec<Duration> = (0..20).map(|_| time(|| book.viewings(&ws, &week).expect("viewings")).0).collect();
    let (from_s, to_s) = (leadbook_core::clock::fmt_time(t0), leadbook_core::clock::fmt_time(t0 + chrono::Duration::days(7)));
    let bare: Vec<Duration> = (0..20)
        .map(|_| {
            time(|| {
                let mut v = book.conn().prepare_cached("SELECT v.id FROM viewings v WHERE v.workspace_id = ?1 AND v.at >= ?2 AND v.at < ?3").unwrap();
                v.query_map(rusqlite::params![ws.id, from_s, to_s], |r| r.get::<_, i64>(0)).unwrap().count()
            })
            .0
        })
        .collect();
    let d = median(ours);
    figures.push(Figure {
        what: "calendar week, 300 viewings (median)".into(),
        ours: d,
        baseline: Some((median(bare), "bare SELECT of the week's viewings".into())),
        target: "≤ 20 ms".into(),
        pass: d <= Duration::from_millis(20),
    });

    println!();
    println!("{:<58} {:>10}  {:<34} {:<26} {}", "figure", "leadbook", "baseline (same run)", "target", "");
    for f in &figures {
        let base = f.baseline.as_ref().map_or("—".to_string(), |(d, what)| format!("{} ({what})", ms(*d)));
        println!("{:<58} {:>10}  {:<34} {:<26} {}", f.what, ms(f.ours), base, f.target, if f.pass { "PASS" } else { "MISS" });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("leadbook-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The curve: the figures at several book sizes. The parent writes each size's CSV, runs the
/// `sqlite3` baseline, and runs three phases as child processes of this same binary (import;
/// the interactive figures and the tick; export), each printing `FIG` lines it collects.
mod curve {
    use super::{median, ms, p95, sqlite3_import, time};
    use leadbook_core::leads::LeadQuery;
    use leadbook_core::synth;
    use leadbook_core::{Book, FixedClock};
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::Arc;
    use std::time::Duration;

    /// One measured figure of one phase: ours, the same run's baseline, and a number beside
    /// (peak RSS in MB, or leads) where the figure has one.
    struct Fig {
        key: String,
        ours: f64,
        base: f64,
        extra: String,
    }

    fn emit(key: &str, ours: Duration, base: Duration, extra: &str) {
        println!("FIG\t{key}\t{}\t{}\t{extra}", ours.as_secs_f64(), base.as_secs_f64());
    }

    /// The process's peak resident memory so far, in MB (Linux `VmHWM`).
    fn peak_rss_mb() -> f64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// CPU seconds (user + system) this process has used so far: steadier than wall time on a
    /// shared machine, for comparing builds.
    fn cpu_secs() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
        let f: Vec<f64> = after.split_whitespace().filter_map(|v| v.parse().ok()).collect();
        // Fields 14 and 15 of the file (utime, stime), 11 and 12 after the state letter, in ticks of 1/100 s.
        f.get(10).zip(f.get(11)).map_or(f64::NAN, |(u, s)| (u + s) / 100.0)
    }

    fn clock() -> Arc<FixedClock> {
        // Monday 2 March 2026, 10:00 in Dubai: inside the sending window, so the tick does real work.
        Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))
    }

    fn arg<'a>(argv: &'a [String], name: &str) -> Option<&'a str> {
        argv.iter().position(|a| a == name).and_then(|i| argv.get(i + 1)).map(String::as_str)
    }

    pub fn main(argv: &[String]) {
        if let Some(phase) = arg(argv, "--phase") {
            let db = PathBuf::from(arg(argv, "--db").unwrap_or("book.db"));
            match phase {
                "import" => import(&db, Path::new(arg(argv, "--csv").unwrap_or("leads.csv"))),
                "figures" => figures(&db, arg(argv, "--properties").and_then(|v| v.parse().ok()).unwrap_or(2_000)),
                "export" => export(&db),
                _ => {
                    eprintln!("unknown phase {phase}");
                    std::process::exit(2);
                }
            }
            return;
        }
        let sizes: Vec<usize> = arg(argv, "--sizes")
            .unwrap_or("10000,100000")
            .split(',')
            .filter_map(|v| v.trim().replace('_', "").parse().ok())
            .collect();
        let exe = std::env::current_exe().expect("the benchmark's own path");
        let mut table: Vec<(usize, BTreeMap<String, Fig>)> = vec![];
        println!(
            "leadbook-bench: the curve at {sizes:?} leads (seed 42), {} cores",
            std::thread::available_parallelism().map_or(1, |p| p.get())
        );
        for &n in &sizes {
            let dir = std::env::temp_dir().join(format!("leadbook-curve-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let csv = dir.join("leads.csv");
            write_csv(&csv, n);
            let db = dir.join("book.db");
            let mut figs = BTreeMap::new();
            let run = |args: &[&str]| -> Vec<Fig> {
                let out = Command::new(&exe).args(args).output().expect("run a phase");
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                for l in text.lines().filter(|l| !l.starts_with("FIG\t")) {
                    println!("  [{n}] {l}");
                }
                if !out.status.success() {
                    println!("  [{n}] phase {args:?} failed: {}", out.status);
                }
                text.lines()
                    .filter_map(|l| {
                        let f: Vec<&str> = l.split('\t').collect();
                        (f.len() == 5 && f[0] == "FIG").then(|| Fig {
                            key: f[1].to_string(),
                            ours: f[2].parse().unwrap_or(f64::NAN),
                            base: f[3].parse().unwrap_or(f64::NAN),
                            extra: f[4].to_string(),
                        })
                    })
                    .collect()
            };
            let (db_s, csv_s) = (db.display().to_string(), csv.display().to_string());
            let props = (n / 50).max(1).to_string();
            let mut got = run(&["--phase", "import", "--db", &db_s, "--csv", &csv_s]);
            let base = sqlite3_import(&dir, &csv).map(|d| d.as_secs_f64()).unwrap_or(f64::NAN);
            for f in &mut got {
                if f.key == "import" {
                    f.base = base;
                }
            }
            got.extend(run(&["--phase", "figures", "--db", &db_s, "--properties", &props]));
            got.extend(run(&["--phase", "export", "--db", &db_s]));
            for f in got {
                figs.insert(f.key.clone(), f);
            }
            let _ = std::fs::remove_dir_all(&dir);
            print_size(n, &figs);
            table.push((n, figs));
        }
        print_table(&table);
    }

    /// The synthetic book's CSV, written row by row.
    fn write_csv(path: &Path, n: usize) {
        let rows = synth::leads(n, 42);
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create the CSV"));
        writeln!(w, "{}", synth::CSV_HEADER).expect("write the CSV");
        for r in &rows {
            writeln!(w, "{}", r.to_csv_line()).expect("write the CSV");
        }
        w.flush().expect("write the CSV");
    }

    fn import(db: &Path, csv: &Path) {
        let mut book = Book::open(db, clock()).expect("open the book");
        let ws = book.workspace("Default").expect("default workspace");
        let never = std::sync::atomic::AtomicBool::new(false);
        let (took, report) = time(|| book.import_file(&ws, csv, "csv", None, &mut |_, _| {}, &never).expect("import the book"));
        println!(
            "imported {} leads, merged {} duplicates, rejected {} dirty rows in {} ({:.2} s of CPU)",
            report.imported,
            report.merged,
            report.rejected.len(),
            ms(took),
            cpu_secs()
        );
        emit("import", took, Duration::ZERO, &format!("{:.0}", peak_rss_mb()));
    }

    fn figures(db: &Path, properties: usize) {
        let clock = clock();
        let mut book = Book::open(db, clock.clone()).expect("open the book");
        let ws = book.workspace("Default").expect("default workspace");

        // Opening the lead list: the first page of 50 by score, with its count; beside it the
        // bare SELECT of the same page.
        let page = |book: &mut Book, q: &LeadQuery| book.list_leads(&ws, q).expect("list");
        let open = LeadQuery { limit: Some(50), ..Default::default() };
        let ours: Vec<Duration> = (0..20).map(|_| time(|| page(&mut book, &open)).0).collect();
        let bare: Vec<Duration> = (0..20)
            .map(|_| {
                time(|| {
                    let mut stmt = book.conn().prepare_cached("SELECT * FROM leads WHERE workspace_id = ?1 ORDER BY score DESC, id DESC LIMIT 50").unwrap();
                    stmt.query_map([ws.id], |r| r.get::<_, i64>(0)).unwrap().count()
                })
                .0
            })
            .collect();
        emit("list", median(ours), median(bare), "");

        // The dashboard, beside the one bare count of the workspace's leads.
        let ours: Vec<Duration> = (0..20).map(|_| time(|| book.dashboard(&ws).expect("dashboard")).0).collect();
        let bare: Vec<Duration> = (0..20)
            .map(|_| {
                time(|| {
                    let mut stmt = book.conn().prepare_cached("SELECT count(*) FROM leads WHERE workspace_id = ?1").unwrap();
                    stmt.query_row([ws.id], |r| r.get::<_, i64>(0)).unwrap()
                })
                .0
            })
            .collect();
        emit("dashboard", median(ours), median(bare), "");

        // Search as you type: one page of 50 per keystroke, each word typed from its `from`th
        // character, beside a bare LIKE on the name column for the same page.
        let type_words = |book: &mut Book, words: &[(&str, usize)], key: &str| {
            let (mut per_key, mut bare_key) = (vec![], vec![]);
            for (word, from) in words {
                let chars: Vec<char> = word.chars().collect();
                for i in *from..=chars.len() {
                    let typed: String = chars[..i].iter().collect();
                    let q = LeadQuery { search: Some(typed.clone()), limit: Some(50), ..Default::default() };
                    per_key.push(time(|| page(book, &q)).0);
                    bare_key.push(
                        time(|| {
                            let mut stmt = book.conn().prepare_cached("SELECT id FROM leads WHERE workspace_id = ?1 AND name LIKE ?2 LIMIT 50").unwrap();
                            stmt.query_map(rusqlite::params![ws.id, format!("%{typed}%")], |r| r.get::<_, i64>(0)).unwrap().count()
                        })
                        .0,
                    );
                }
            }
            emit(key, median(per_key.clone()), median(bare_key), &format!("p95 {}", ms(p95(per_key))));
        };
        // Names many leads have, Latin and Arabic.
        type_words(&mut book, &[("Mohammed", 1), ("محمد", 1), ("Karimi", 1)], "search");
        // What the book hardly holds: a name nobody has and one lead's phone digits. A rare
        // needle has no page's end to stop at, so the walk reads the whole index.
        let phone = book.list_leads(&ws, &LeadQuery { limit: Some(500), ..Default::default() }).expect("list").rows.into_iter().rev().find_map(|l| l.phone);
        let digits = phone.map(|p| format!("0{}", p.trim_start_matches("+971"))).unwrap_or_else(|| "0501234567".into());
        type_words(&mut book, &[("Zbigniew", 3), (digits.as_str(), 7)], "rare");

        // Matching one listing, beside the bare SQL selecting the same leads.
        let listings = synth::properties(properties, 42);
        let ids: Vec<i64> = book
            .write(|tx, now| {
                listings
                    .iter()
                    .map(|p| {
                        let input = leadbook_core::listings::properties::PropertyInput {
                            title: Some(p.title.clone()),
                            location: Some(p.location.clone()),
                            price: Some(p.price),
                            property_type: Some(p.property_type.clone()),
                            bedrooms: Some(p.bedrooms),
                            purpose: Some(p.purpose.clone()),
                            permit: None,
                            reference: None,
                        };
                        Ok(leadbook_core::listings::properties::add(tx, &ws, &input, now)?.id)
                    })
                    .collect()
            })
            .expect("add the listings");
        let (mut ours, mut bare, mut matched) = (vec![], vec![], 0usize);
        let sql = leadbook_core::listings::matching::MATCH_SQL.replace("{cols}", "l.*");
        for id in ids.iter().step_by((ids.len() / 100).max(1)) {
            let (d, m) = time(|| book.property_matches(&ws, *id).expect("matches"));
            matched += m.len();
            ours.push(d);
            let p = book.property(&ws, *id).expect("listing");
            bare.push(
                time(|| {
                    let mut stmt = book.conn().prepare_cached(&sql).unwrap();
                    stmt.query_map(
                        rusqlite::params![ws.id, p.area_key, p.price, p.property_type.map(|t| t.as_str()), p.bedrooms, p.purpose.wanted_by().as_str()],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>("name")?)),
                    )
                    .unwrap()
                    .count()
                })
                .0,
            );
        }
        emit("match", median(ours.clone()), median(bare), &format!("{} leads a listing", matched / ours.len().max(1)));

        // The tick with 10 % of the book due: those enrolled an hour earlier than the rest.
        let enrolled: i64 = book.conn().query_row("SELECT count(*) FROM enrolments", [], |r| r.get(0)).unwrap_or(0);
        let due = enrolled / 10;
        book.conn()
            .execute(
                "UPDATE enrolments SET enrolled_at = '2026-03-02T05:00:00Z', next_due_at = '2026-03-02T06:00:00Z'
                   WHERE lead_id IN (SELECT id FROM leads ORDER BY id LIMIT ?1)",
                [due],
            )
            .expect("make 10 % due");
        book.conn()
            .execute("UPDATE leads SET next_followup_at = '2026-03-02T06:00:00Z' WHERE id IN (SELECT id FROM leads ORDER BY id LIMIT ?1)", [due])
            .expect("make 10 % due");
        clock.set(leadbook_core::clock::parse_time("2026-03-02T06:30:00Z").expect("time"));
        let (bare, _) = time(|| {
            let mut stmt = book.conn().prepare("SELECT lead_id FROM enrolments WHERE state = 'active' AND next_due_at <= '2026-03-02T06:30:00Z'").unwrap();
            stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap().count()
        });
        let (took, report) = time(|| book.followup_tick(&ws).expect("tick"));
        println!("tick: {enrolled} enrolled, {} due, {} queued", report.due, report.queued);
        emit("tick", took, bare, &enrolled.to_string());
    }

    fn export(db: &Path) {
        let mut book = Book::open(db, clock()).expect("open the book");
        let ws = book.workspace("Default").expect("default workspace");
        let dir = db.parent().unwrap_or(Path::new("."));
        let (took, exported) = time(|| book.export(&ws, &dir.join("export.xlsx")).expect("export xlsx"));
        let rss = peak_rss_mb();
        let (csv, _) = time(|| book.export(&ws, &dir.join("export.csv")).expect("export csv"));
        emit("export", took, csv, &format!("{} {rss:.0}", exported.leads));
    }

    fn fig<'a>(figs: &'a BTreeMap<String, Fig>, key: &str) -> Option<&'a Fig> {
        figs.get(key).filter(|f| f.ours.is_finite())
    }

    fn s(secs: f64) -> String {
        if !secs.is_finite() { "—".into() } else { ms(Duration::from_secs_f64(secs.max(0.0))) }
    }

    /// Each figure of one size, with its target and PASS/MISS.
    fn rows(n: usize, figs: &BTreeMap<String, Fig>) -> Vec<(String, String, String, String, bool)> {
        let mut out = vec![];
        if let Some(f) = fig(figs, "import") {
            let rss: f64 = f.extra.parse().unwrap_or(f64::NAN);
            let ratio = f.ours / f.base;
            out.push((
                format!("import {n} rows (peak RSS {rss:.0} MB)"),
                s(f.ours),
                format!("{} sqlite3 .import ({ratio:.2}×)", s(f.base)),
                "≤ 2.5×, 1M ≤ 25 s, RSS ≤ 400 MB".into(),
                ratio <= 2.5 && rss <= 400.0 && (n < 1_000_000 || f.ours <= 25.0),
            ));
        }
        if let Some(f) = fig(figs, "match") {
            out.push((format!("match one listing ({})", f.extra), s(f.ours), format!("{} bare SQL ({:.2}×)", s(f.base), f.ours / f.base), "≤ 15 ms, ≤ 1.5×".into(), f.ours <= 0.015 && f.ours <= 1.5 * f.base));
        }
        if let Some(f) = fig(figs, "search") {
            out.push((format!("search, one page a keystroke ({})", f.extra), s(f.ours), format!("{} bare LIKE on name", s(f.base)), "≤ 30 ms".into(), f.ours <= 0.030));
        }
        if let Some(f) = fig(figs, "rare") {
            out.push((format!("search, a rare needle ({})", f.extra), s(f.ours), format!("{} bare LIKE on name", s(f.base)), "≤ 30 ms".into(), f.ours <= 0.030));
        }
        if let Some(f) = fig(figs, "list") {
            out.push(("open the lead list (page + count)".into(), s(f.ours), format!("{} bare page SELECT", s(f.base)), "≤ 20 ms".into(), f.ours <= 0.020));
        }
        if let Some(f) = fig(figs, "dashboard") {
            out.push(("dashboard".into(), s(f.ours), format!("{} bare count(*)", s(f.base)), "≤ 20 ms".into(), f.ours <= 0.020));
        }
        if let Some(f) = fig(figs, "tick") {
            let enrolled: f64 = f.extra.parse().unwrap_or(f64::NAN);
            let per = f.ours / enrolled * 1e6;
            out.push((format!("tick, {enrolled} enrolled, 10 % due ({per:.2} µs a lead)"), s(f.ours), format!("{} bare SELECT of the due", s(f.base)), "≤ 3 µs a lead".into(), per <= 3.0));
        }
        if let Some(f) = fig(figs, "export") {
            let mut e = f.extra.split_whitespace();
            let leads: f64 = e.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
            let rss: f64 = e.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
            let per = f.ours / leads * 1e6;
            out.push((format!("export {leads} leads to xlsx ({per:.1} µs a lead, peak RSS {rss:.0} MB)"), s(f.ours), format!("{} CSV export", s(f.base)), "≤ 30 µs a lead, RSS ≤ 300 MB".into(), per <= 30.0 && rss <= 300.0));
        }
        out
    }

    fn print_size(n: usize, figs: &BTreeMap<String, Fig>) {
        println!("\n{n} leads:");
        for (what, ours, base, target, pass) in rows(n, figs) {
            println!("  {what:<62} {ours:>10}  {base:<36} {target:<34} {}", if pass { "PASS" } else { "MISS" });
        }
    }

    /// The interactive figures side by side, and whether each stays flat (the largest size
    /// within 2× the smallest).
    fn print_table(table: &[(usize, BTreeMap<String, Fig>)]) {
        println!("\nthe curve:");
        print!("  {:<10}", "figure");
        for (n, _) in table {
            print!(" {:>22}", format!("{n}"));
        }
        println!("  flat (largest ≤ 2× smallest)");
        for key in ["import", "match", "search", "rare", "list", "dashboard", "tick", "export"] {
            print!("  {key:<10}");
            let vals: Vec<Option<&Fig>> = table.iter().map(|(_, f)| fig(f, key)).collect();
            for v in &vals {
                print!(" {:>22}", v.map_or("—".into(), |f| format!("{} / {}", s(f.ours), s(f.base))));
            }
            let flat = match (vals.first().copied().flatten(), vals.last().copied().flatten()) {
                (Some(a), Some(b)) if ["search", "rare", "list", "dashboard", "match"].contains(&key) => if b.ours <= 2.0 * a.ours { "yes" } else { "NO" },
                _ => "",
            };
            println!("  {flat}");
        }
    }
}
