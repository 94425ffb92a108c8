//! Files a user may pick that are not what they seem (issue #14, "Files (import)"): bombs and
//! spans that would take gigabytes, malformed workbooks that panic their reader, CSVs in the
//! encodings Windows writes, folders and missing paths, exports imported back. Each ends in a
//! table, a report or a validation error naming the file — never an abort, a hang or junk.
//!
//! Spreadsheets are read in a child process of this test binary under an address-space cap
//! (`RLIMIT_AS`): a bad sheet once grew past 13 GB, and one that still did would kill only the
//! child, which fails the test.

use leadbook_core::transfer::import::{self, Report};
use leadbook_core::leads::LeadQuery;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The child's address-space cap: room for the test binary and a sheet within the limits.
const CAP_BYTES: u64 = 2 << 30;
/// A child that has not answered by then is hung.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);
const CHILD_ENV: &str = "LEADBOOK_HOSTILE_CHILD_FILE";

fn book() -> (Book, Workspace) {
    let book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, ws)
}

fn import_with(book: &mut Book, ws: &Workspace, path: &Path, encoding: &str) -> leadbook_core::Result<Report> {
    book.import_file_with(ws, path, "auto", encoding, None, &mut |_, _| {}, &AtomicBool::new(false))
}

fn names(book: &mut Book, ws: &Workspace) -> Vec<String> {
    let q = LeadQuery { sort: leadbook_core::leads::SortBy::Name, ..Default::default() };
    book.list_leads(ws, &q).unwrap().rows.into_iter().map(|l| l.name).collect()
}

fn lead_count(book: &Book) -> i64 {
    book.conn().query_row("SELECT count(*) FROM leads", [], |r| r.get(0)).unwrap()
}

// --- the child: reads one file under the cap and prints its answer -------------------------

/// Not a test of its own: the body the child process runs (it does nothing in a normal run).
#[test]
fn child_reads_one_file_under_the_cap() {
    let Ok(file) = std::env::var(CHILD_ENV) else { return };
    let cap = libc::rlimit { rlim_cur: CAP_BYTES as libc::rlim_t, rlim_max: CAP_BYTES as libc::rlim_t };
    // SAFETY: setrlimit only reads the struct it is given.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &cap) }, 0, "cannot cap the child");
    let answer = match import::read(Path::new(&file), "auto") {
        Ok(t) => serde_json::json!({"ok": {"headers": t.headers.len(), "rows": t.total_rows}}),
        Err(e) => serde_json::to_value(&e).unwrap(),
    };
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    println!("ANSWER {} PEAK_KIB {}", answer, usage.ru_maxrss);
}

/// What reading `file` in a capped child answered, and the child's peak memory (KiB).
fn read_in_child(file: &Path) -> (serde_json::Value, u64) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reads_one_file_under_the_cap", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > CHILD_TIMEOUT {
            child.kill().unwrap();
            panic!("{} hung: no answer in {CHILD_TIMEOUT:?}", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    assert!(status.success(), "{} killed the reader ({status}): {out}", file.display());
    let line = out.lines().find_map(|l| l.split_once("ANSWER ").map(|(_, a)| a)).unwrap_or_else(|| panic!("{}: no answer in {out}", file.display()));
    let (json, peak) = line.rsplit_once(" PEAK_KIB ").unwrap();
    (serde_json::from_str(json).unwrap(), peak.trim().parse().unwrap())
}

/// The answer is a table or a validation error about the file that names it.
fn assert_answers_json(file: &Path, answer: &serde_json::Value) {
    if answer.get("ok").is_some() {
        return;
    }
    let name = file.file_name().unwrap().to_string_lossy();
    assert_eq!(answer["code"], "validation", "{}: {answer}", file.display());
    assert_eq!(answer["field"], "file", "{}: {answer}", file.display());
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains(&*name) || message.starts_with("no header row"), "{}: the message names the file: {message}", file.display());
}

// --- hand-made workbooks ---------------------------------------------------------------------

fn zip_file(path: &Path, parts: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// An `.xlsx` with `sheet_data` as its only sheet's `<sheetData>` and `strings` as its shared strings.
fn xlsx(path: &Path, dimension: &str, sheet_data: &str, strings: &str) {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    let sst = format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>"#);
    zip_file(path, &[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ]);
}

const LEADS_ROWS: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Noura</t></is></c><c r="B2" t="inlineStr"><is><t>0501234567</t></is></c></row>"#;

/// An `.ods` whose only table is `rows`.
fn ods(path: &Path, rows: &str) {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Leads">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_file(path, &[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content.as_bytes()),
        ("META-INF/manifest.xml", manifest),
    ]);
}

fn ods_cell(text: &str, repeat: u32) -> String {
    format!(r#"<table:table-cell office:value-type="string" table:number-columns-repeated="{repeat}"><text:p>{text}</text:p></table:table-cell>"#)
}

/// One BIFF8 record.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// A BIFF8 workbook stream with one sheet made of `sheet` records (BOF and EOF added).
fn biff_stream(sheet: &[Vec<u8>]) -> Vec<u8> {
    let bof = |kind: u16| record(0x0809, &[&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat());
    let name = b"Leads";
    let boundsheet_len = 4 + 4 + 2 + 2 + name.len();
    let globals_len = bof(5).len() + boundsheet_len + 4;
    let mut globals = bof(5);
    globals.extend(record(0x0085, &[&(globals_len as u32).to_le_bytes()[..], &[0, 0], &[name.len() as u8, 0], name].concat()));
    globals.extend(record(0x000A, &[]));
    assert_eq!(globals.len(), globals_len);
    globals.extend(bof(0x10));
    for r in sheet {
        globals.extend(r);
    }
    globals.extend(record(0x000A, &[]));
    globals
}

/// A compound file (512-byte sectors) holding `stream` as its `Workbook`.
fn xls(path: &Path, stream: &[u8]) {
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
    let n = (stream.len() / 512) as u32;
    // Sector 0: the FAT; 1: the directory; 2..: the stream.
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&1u32.to_le_bytes());
    header[48..52].copy_from_slice(&1u32.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    header[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 0..109 {
        let id: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        header[76 + i * 4..80 + i * 4].copy_from_slice(&id.to_le_bytes());
    }
    let mut fat = vec![0xFFFF_FFFDu32, 0xFFFF_FFFE];
    for i in 0..n {
        fat.push(if i + 1 == n { 0xFFFF_FFFE } else { 3 + i });
    }
    fat.resize(128, 0xFFFF_FFFF);
    let dir_entry = |name: &str, typ: u8, start: u32, len: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        e[66] = typ;
        e[68..80].copy_from_slice(&[0xFF; 12]);
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&len.to_le_bytes());
        e
    };
    let mut dir = dir_entry("Root Entry", 5, 0xFFFF_FFFE, 0);
    dir[76..80].copy_from_slice(&1u32.to_le_bytes());
    dir.extend(dir_entry("Workbook", 2, 2, stream.len() as u32));
    dir.resize(512, 0);
    let mut bytes = header;
    bytes.extend(fat.iter().flat_map(|id| id.to_le_bytes()));
    bytes.extend(dir);
    bytes.extend(stream);
    std::fs::write(path, bytes).unwrap();
}

/// A BIFF8 LABEL cell (a string written inline).
fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
    record(0x0204, &[&row.to_le_bytes()[..], &col.to_le_bytes(), &[0, 0], &(text.len() as u16).to_le_bytes(), &[0], text.as_bytes()].concat())
}

// --- item 1: bounded before read -------------------------------------------------------------

#[test]
fn a_sheet_with_cells_at_a1_and_xfd1048576_reads_without_allocating_its_span() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corners.xlsx");
    let far = r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>"#;
    xlsx(&path, "A1:XFD1048576", &format!("{LEADS_ROWS}{far}"), "");
    let (answer, peak_kib) = read_in_child(&path);
    assert_eq!(answer["ok"]["rows"], 2, "the lead and the far cell's row: {answer}");
    assert!(peak_kib < 200 * 1024, "{peak_kib} KiB");
}

#[test]
fn an_ods_whose_repeated_cells_stand_for_a_hundred_million_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repeats.ods");
    let header = format!("<table:table-row>{}{}</table:table-row>", ods_cell("Name", 1), ods_cell("Phone", 1));
    let bomb = format!(r#"<table:table-row table:number-rows-repeated="1000000">{}</table:table-row>"#, ods_cell("x", 100));
    ods(&path, &format!("{header}{bomb}"));
    let (answer, peak_kib) = read_in_child(&path);
    assert_eq!(answer["code"], "validation", "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("repeats.ods") && message.contains("3000000"), "names the file and the limit: {message}");
    assert!(peak_kib < 200 * 1024, "{peak_kib} KiB");
}

#[test]
fn an_ods_with_libreoffice_padding_rows_still_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("padded.ods");
    let rows = format!(
        r#"<table:table-row>{}{}</table:table-row><table:table-row>{}{}</table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        ods_cell("Name", 1), ods_cell("Phone", 1), ods_cell("Noura", 1), ods_cell("0501234567", 1)
    );
    ods(&path, &rows);
    let (mut book, ws) = book();
    let r = import_with(&mut book, &ws, &path, "auto").unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
}

#[test]
fn an_xls_that_declares_four_billion_rows_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xls");
    let dims = record(0x0200, &[&0u32.to_le_bytes()[..], &0xFFFF_FF00u32.to_le_bytes(), &0u16.to_le_bytes(), &255u16.to_le_bytes(), &[0, 0]].concat());
    xls(&path, &biff_stream(&[dims, label(0, 0, "Name"), label(0, 1, "Phone")]));
    let (answer, _) = read_in_child(&path);
    assert_eq!(answer["code"], "validation", "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("huge.xls"), "{answer}");
}

#[test]
fn a_hand_made_xls_within_the_limits_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.xls");
    xls(&path, &biff_stream(&[label(0, 0, "Name"), label(0, 1, "Phone"), label(1, 0, "Noura"), label(1, 1, "0501234567")]));
    let (mut book, ws) = book();
    let r = import_with(&mut book, &ws, &path, "auto").unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
}

#[test]
fn an_xlsx_whose_parts_inflate_past_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bloated.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    zip.write_all(br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..260 {
        zip.write_all(&spaces).unwrap();
    }
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap();
    let (answer, peak_kib) = read_in_child(&path);
    assert_eq!(answer["code"], "validation", "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("bloated.xlsx is too large to import"), "{answer}");
    assert!(peak_kib < 300 * 1024, "inflated to count, not into memory: {peak_kib} KiB");
}

/// The corpus: calamine's own test files (read from `LEADBOOK_SHEET_CORPUS`, a folder, when
/// set; see docs/DECISIONS.md for why they are not committed) and the hostile files made here.
#[test]
fn every_spreadsheet_in_the_corpus_ends_in_a_json_answer_under_a_memory_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    if let Ok(corpus) = std::env::var("LEADBOOK_SHEET_CORPUS") {
        for e in std::fs::read_dir(&corpus).unwrap() {
            let p = e.unwrap().path();
            if std::fs::metadata(&p).unwrap().len() <= 1 << 20 {
                files.push(p);
            }
        }
        assert!(!files.is_empty(), "LEADBOOK_SHEET_CORPUS={corpus} holds no files");
    }
    for (name, bytes) in malformed(dir.path()) {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    }
    files.sort();
    let mut worst = (0u64, PathBuf::new());
    for f in &files {
        let (answer, peak) = read_in_child(f);
        assert_answers_json(f, &answer);
        eprintln!("{:>8} KiB  {}  {}", peak, f.file_name().unwrap().to_string_lossy(), answer);
        if peak > worst.0 {
            worst = (peak, f.clone());
        }
    }
    eprintln!("{} files; the worst peaked at {} KiB: {}", files.len(), worst.0, worst.1.display());
}

// --- item 2: malformed workbooks -------------------------------------------------------------

/// Malformed workbooks, as `(file name, bytes)`: truncated zips, broken XML, shared strings out
/// of range or empty, a truncated formula operand, compound files with chains out of the file
/// or in a circle.
fn malformed(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let good = dir.join("good.xlsx");
    xlsx(&good, "A1:B3", &format!(r#"{LEADS_ROWS}<row r="3"><c r="A3" t="s"><v>0</v></c></row>"#), "<si><t>Sara</t></si>");
    let good = std::fs::read(&good).unwrap();
    for cut in [10, good.len() / 3, good.len() / 2, good.len() - 10] {
        out.push((format!("truncated-{cut}.xlsx"), good[..cut].to_vec()));
    }
    let mut cases: Vec<(&str, String, String)> = vec![
        ("broken-xml.xlsx", r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</is></c></row"#.into(), String::new()),
        ("sst-out-of-range.xlsx", format!(r#"{LEADS_ROWS}<row r="3"><c r="A3" t="s"><v>99</v></c></row>"#), "<si><t>Sara</t></si>".into()),
        ("sst-negative.xlsx", format!(r#"{LEADS_ROWS}<row r="3"><c r="A3" t="s"><v>-1</v></c></row>"#), String::new()),
        ("empty-shared-string.xlsx", format!(r#"{LEADS_ROWS}<row r="3"><c r="A3" t="s"><v>0</v></c></row>"#), "<si/>".into()),
        ("bad-cell-ref.xlsx", r#"<row r="1"><c r="ZZZZZZ99999999999" t="inlineStr"><is><t>Name</t></is></c></row>"#.into(), String::new()),
    ];
    for (name, data, sst) in cases.drain(..) {
        let p = dir.join(name);
        xlsx(&p, "A1:B2", &data, &sst);
        out.push((name.to_string(), std::fs::read(&p).unwrap()));
    }
    // A formula whose PtgExp token lost its operand (the reader indexed past it).
    let formula = record(0x0006, &[&[0u8, 0, 0, 0, 0, 0][..], &[0; 8], &[0, 0], &[0; 4], &1u16.to_le_bytes(), &[0x01]].concat());
    let p = dir.join("ptgexp.xls");
    xls(&p, &biff_stream(&[label(0, 0, "Name"), label(0, 1, "Phone"), formula]));
    out.push(("truncated-formula-operand.xls".into(), std::fs::read(&p).unwrap()));
    let xls_bytes = std::fs::read(&p).unwrap();
    let mut far = xls_bytes.clone();
    far[516..520].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    out.push(("fat-chain-outside-the-file.xls".into(), far));
    let mut circle = xls_bytes.clone();
    circle[512 + 8..512 + 12].copy_from_slice(&2u32.to_le_bytes());
    out.push(("fat-chain-in-a-circle.xls".into(), circle));
    let mut difat = xls_bytes.clone();
    difat[76..80].copy_from_slice(&0xFFFF_FFFAu32.to_le_bytes());
    out.push(("difat-reserved-sector.xls".into(), difat));
    out.push(("truncated.xls".into(), xls_bytes[..700].to_vec()));
    out.push(("not-a-workbook.xlsx".into(), b"PK\x03\x04 this is not a zip".to_vec()));
    out.push(("empty.xls".into(), Vec::new()));
    out
}

#[test]
fn malformed_spreadsheets_are_validation_errors_naming_the_file_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    for (name, bytes) in malformed(dir.path()) {
        let p = dir.path().join(&name);
        std::fs::write(&p, bytes).unwrap();
        match import_with(&mut book, &ws, &p, "auto") {
            Ok(r) => assert!(r.imported <= 2, "{name}: {r:?}"),
            Err(e) => {
                assert_eq!((e.code(), e.field()), ("validation", Some("file")), "{name}: {e}");
                assert!(e.to_string().contains(&name) || e.to_string().starts_with("no header row"), "{name}: {e}");
            }
        }
    }
    // Every file that failed left the book as it was (any that read imported Noura, merged).
    assert!(lead_count(&book) <= 2);
}

// --- item 3: encodings -----------------------------------------------------------------------

const ARABIC_CSV: &str = "Name,Phone,Notes\r\nمحمد المنصوري,0501234567,يبحث عن شقة في دبي مارينا\r\nفاطمة الزهراء,0507654321,فيلا في المرابع العربية\r\n";

#[test]
fn a_windows_1256_csv_imports_its_arabic_names_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arabic.csv");
    std::fs::write(&path, encoding_rs::WINDOWS_1256.encode(ARABIC_CSV).0).unwrap();
    let table = import::read(&path, "auto").unwrap();
    assert_eq!(table.encoding.as_deref(), Some("windows-1256"));
    let (mut book, ws) = book();
    let r = import_with(&mut book, &ws, &path, "auto").unwrap();
    assert_eq!(r.imported, 2, "{r:?}");
    let names = names(&mut book, &ws);
    assert_eq!(names, vec!["فاطمة الزهراء", "محمد المنصوري"]);
    assert!(names.iter().all(|n| !n.contains('\u{FFFD}')));
}

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn excel_unicode_text_utf16_with_tabs_imports() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Name\tMobile\tEmail\r\nمریم حسینی\t050 123 4567\tmaryam@example.ae\r\nJohn Smith\t+971507654321\t\r\n";
    let (mut book, ws) = book();
    for (file, bom) in [("unicode.txt", true), ("no-bom.txt", false)] {
        let path = dir.path().join(file);
        std::fs::write(&path, utf16le(text, bom)).unwrap();
        let table = import::read(&path, "auto").unwrap();
        assert_eq!((table.encoding.as_deref(), table.headers.len()), (Some("utf-16le"), 3), "{file}");
        import_with(&mut book, &ws, &path, "auto").unwrap();
    }
    assert_eq!(names(&mut book, &ws), vec!["John Smith", "مریم حسینی"], "no junk leads named X'00'");
}

#[test]
fn a_semicolon_separated_csv_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("semi.csv");
    std::fs::write(&path, "Name;Phone;Budget\nNoura;0501234567;\"2,500,000\"\n").unwrap();
    let (mut book, ws) = book();
    assert_eq!(import_with(&mut book, &ws, &path, "auto").unwrap().imported, 1);
    assert_eq!(names(&mut book, &ws), vec!["Noura"]);
}

#[test]
fn the_preview_says_which_encoding_it_read_and_another_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arabic.csv");
    std::fs::write(&path, encoding_rs::WINDOWS_1256.encode(ARABIC_CSV).0).unwrap();
    let auto = import::read_with(&path, "auto", "auto").unwrap();
    assert_eq!(auto.rows.iter().next().unwrap().1.get(0), Some("محمد المنصوري"));
    let chosen = import::read_with(&path, "auto", "windows-1252").unwrap();
    assert_eq!(chosen.encoding.as_deref(), Some("windows-1252"), "the choice is what was used");
    assert_ne!(chosen.rows.iter().next().unwrap().1.get(0), Some("محمد المنصوري"));
    let json = serde_json::to_value(&auto).unwrap();
    assert_eq!(json["encoding"], "windows-1256");
}

#[test]
fn a_csv_that_does_not_decode_in_the_chosen_encoding_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arabic.csv");
    std::fs::write(&path, encoding_rs::WINDOWS_1256.encode(ARABIC_CSV).0).unwrap();
    let (mut book, ws) = book();
    let e = import_with(&mut book, &ws, &path, "utf-8").unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("file")));
    assert!(e.to_string().contains("arabic.csv is not valid utf-8 text; choose another encoding"), "{e}");
    assert_eq!(lead_count(&book), 0);
}

// --- item 4: size, folders, missing paths, xlsb ----------------------------------------------

#[test]
fn a_folder_or_a_missing_path_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    let folder = dir.path().join("leads.csv");
    std::fs::create_dir(&folder).unwrap();
    let e = import_with(&mut book, &ws, &folder, "auto").unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("file")));
    assert!(e.to_string().contains(&folder.display().to_string()) && e.to_string().contains("folder"), "{e}");
    let missing = dir.path().join("gone.xlsx");
    let e = import_with(&mut book, &ws, &missing, "auto").unwrap_err();
    assert!(e.to_string().contains(&missing.display().to_string()), "the path is named: {e}");
}

#[test]
fn a_csv_over_the_size_cap_or_with_an_overlong_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    // Sparse: the size is checked before a byte is read.
    std::fs::File::create(&big).unwrap().set_len(leadbook_core::transfer::limits::MAX_CSV_BYTES + 1).unwrap();
    let e = import::read(&big, "auto").unwrap_err();
    assert_eq!(e.code(), "validation");
    assert!(e.to_string().contains("big.csv is too large to import: a CSV file may be at most 200 MB"), "{e}");
    let long = dir.path().join("long.csv");
    let mut text = String::from("Name,Notes\nNoura,");
    text.push_str(&"x".repeat(leadbook_core::transfer::limits::MAX_LINE_BYTES + 1));
    std::fs::write(&long, text).unwrap();
    let e = import::read(&long, "auto").unwrap_err();
    assert!(e.to_string().contains("line 2 of long.csv is longer than 1 MB"), "{e}");
}

// --- item 5: export → import -----------------------------------------------------------------

#[test]
fn a_csv_export_imported_back_keeps_names_notes_and_phones_without_the_neutralising_quote() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    let leads = [("=1+1 Khan", "@home after 6"), ("-Sara-", "+ wants a villa"), ("'Quoted' Name", "'plain quote kept")];
    for (i, (name, notes)) in leads.iter().enumerate() {
        let input = LeadInput { name: Some(name.to_string()), notes: Some(notes.to_string()), phone: Some(format!("05012345{i:02}")), ..Default::default() };
        book.add_lead(&ws, &input).unwrap();
    }
    let path = dir.path().join("leads.csv");
    book.export(&ws, &path).unwrap();
    let (mut other, ws2) = self::book();
    let r = import_with(&mut other, &ws2, &path, "auto").unwrap();
    assert_eq!(r.imported, 3, "{r:?}");
    let q = LeadQuery { sort: leadbook_core::leads::SortBy::Name, ..Default::default() };
    let back = other.list_leads(&ws2, &q).unwrap().rows;
    for (name, notes) in leads {
        let l = back.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("{name} came back as {:?}", back.iter().map(|l| &l.name).collect::<Vec<_>>()));
        assert!(l.notes.as_deref().unwrap_or("").contains(notes), "{name}: {:?}", l.notes);
        assert!(l.phone.as_deref().unwrap().starts_with("+9715012345"), "{:?}", l.phone);
    }
}
