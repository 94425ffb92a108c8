//! The book as a file on disk (issue #14, items 6–10): an emptied, missing or unreadable book
//! that had leads is reported, never made new; a path into a missing folder is not a new book;
//! a restore works over any live file and checks what it restores; a book found corrupt takes
//! no more writes; backups and exports are owner-only.
//!
//! Every test here runs with the process's umask at 0, so a file the core did not create
//! owner-only itself would show as world-readable.

use chrono::{DateTime, Utc};
use leadbook_core::clock::parse_time;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::leads::LeadQuery;
use leadbook_core::store::{disk, Folder};
use leadbook_core::transfer::backup;
use leadbook_core::{Book, FixedClock};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn permissive_umask() {
    // SAFETY: sets this process's file-creation mask; races only with other file creation.
    unsafe {
        libc::umask(0);
    }
}

fn at(t: &str) -> DateTime<Utc> {
    parse_time(t).unwrap()
}

fn open(db: &Path) -> leadbook_core::Result<Book> {
    Book::open(db, Arc::new(FixedClock::at("2026-03-02T09:00:00Z")))
}

fn lead(name: &str) -> LeadInput {
    LeadInput { name: Some(name.into()), notes: Some(format!("{name}: {}", "wants a sea view; ".repeat(8))), ..Default::default() }
}

/// A book at `<tmp>/leadbook.db` with `n` leads.
fn book_with_leads(n: usize) -> (tempfile::TempDir, PathBuf) {
    permissive_umask();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leadbook.db");
    let mut book = open(&db).unwrap();
    let ws = book.workspace("Default").unwrap();
    for i in 0..n {
        book.add_lead(&ws, &lead(&format!("Lead {i}"))).unwrap();
    }
    (dir, db)
}

fn lead_names(book: &mut Book) -> leadbook_core::Result<Vec<String>> {
    let ws = book.workspace("Default")?;
    Ok(book.list_leads(&ws, &LeadQuery { limit: Some(10_000), ..Default::default() })?.rows.into_iter().map(|l| l.name).collect())
}

fn add(book: &mut Book, name: &str) -> leadbook_core::Result<i64> {
    let ws = book.workspace("Default")?;
    Ok(book.add_lead(&ws, &lead(name))?.id)
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn page_size(db: &Path) -> u64 {
    let mut header = [0u8; 18];
    std::fs::File::open(db).unwrap().read_exact(&mut header).unwrap();
    match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => n as u64,
    }
}

/// The leaf pages of the leads table, left to right (its root is an interior page).
fn leads_leaf_pages(db: &Path) -> Vec<u64> {
    let root: u64 = {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'leads'", [], |r| r.get::<_, i64>(0)).unwrap() as u64
    };
    let size = page_size(db);
    let bytes = std::fs::read(db).unwrap();
    let page = &bytes[((root - 1) * size) as usize..(root * size) as usize];
    assert_eq!(page[0], 0x05, "the leads table's root is an interior page: add more leads");
    let cells = u16::from_be_bytes([page[3], page[4]]) as usize;
    let mut leaves: Vec<u64> = (0..cells)
        .map(|i| {
            let at = u16::from_be_bytes([page[12 + 2 * i], page[13 + 2 * i]]) as usize;
            u32::from_be_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]) as u64
        })
        .collect();
    leaves.push(u32::from_be_bytes([page[8], page[9], page[10], page[11]]) as u64);
    leaves
}

/// Overwrites the b-tree header of page `n` of `db` (1-based) with junk.
fn corrupt_page(db: &Path, n: u64) {
    let size = page_size(db);
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start((n - 1) * size)).unwrap();
    f.write_all(&[0xFF; 64]).unwrap();
    f.sync_all().unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

// --- 6: an emptied or unreadable book that had leads is reported, never made new ---

#[test]
fn a_book_emptied_to_zero_bytes_while_its_backups_hold_leads_is_reported_and_not_made_new() {
    let (dir, db) = book_with_leads(2);
    let backup = open(&db).unwrap().daily_backup().unwrap().unwrap();
    std::fs::File::create(&db).unwrap(); // truncate -s 0 leadbook.db

    let e = open(&db).err().expect("an emptied book is not a new one");
    assert_eq!(e.code(), "database");
    let message = e.to_string();
    assert!(message.contains("damaged") && message.contains("empty"), "{message}");
    assert!(message.contains(&format!("leadbook restore {}", backup.display())), "names the backup to restore: {message}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "nothing was written");

    std::fs::remove_file(&db).unwrap();
    let e = open(&db).err().expect("nor is a deleted one");
    assert!(e.to_string().contains("missing"), "{e}");
    assert!(!db.exists());
    drop(dir);
}

#[test]
fn an_empty_or_missing_file_is_a_new_book_when_no_backup_beside_it_holds_leads() {
    let (_dir, db) = book_with_leads(0);
    open(&db).unwrap().daily_backup().unwrap().unwrap(); // a backup of a book with no leads
    std::fs::File::create(&db).unwrap();
    let mut book = open(&db).expect("nothing was lost: a new book");
    assert_eq!(lead_names(&mut book).unwrap(), Vec::<String>::new());
    assert!(book.workspace("Default").is_ok());
}

#[test]
fn a_book_whose_header_is_not_a_database_is_reported_damaged_with_the_backup_to_restore() {
    let (_dir, db) = book_with_leads(2);
    let backup = open(&db).unwrap().daily_backup().unwrap().unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.write_all(b"this is no longer a SQLite header, sorry.......").unwrap();
    drop(f);
    let e = open(&db).err().expect("a damaged header is reported");
    assert_eq!(e.code(), "database");
    assert!(e.to_string().contains(&backup.display().to_string()), "{e}");
}

#[test]
fn rotation_never_deletes_the_newest_backup_that_holds_leads() {
    let (_dir, db) = book_with_leads(3);
    let book = open(&db).unwrap();
    let good = backup::daily(book.conn(), &db, at("2026-01-01T10:00:00Z")).unwrap().unwrap();
    // Then the book loses its leads, and every day for nine months backs up an empty book.
    book.conn().execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM leads;").unwrap();
    let mut day = at("2026-01-02T10:00:00Z");
    while day < at("2026-10-01T00:00:00Z") {
        backup::daily(book.conn(), &db, day).unwrap();
        day += chrono::Duration::days(1);
    }
    let kept = disk::dated_backups(&db);
    assert!(good.exists(), "the last backup with leads is kept: {kept:?}");
    assert_eq!(disk::lead_count(&good), Some(3));
    // 7 days + 4 weeks + 6 months (some shared), and the one with leads.
    assert!(kept.len() <= 7 + 4 + 6 + 1, "{kept:?}");
    assert_eq!(kept.last().unwrap().1, good);
    assert!(kept.iter().any(|(d, _)| d.to_string() == "2026-04-30"), "monthly ones are kept: {kept:?}");
}

// --- 7: a path into a folder that does not exist is a typo, not a new book ---

#[test]
fn a_book_path_into_a_missing_folder_is_refused_and_creates_nothing_unless_asked() {
    permissive_umask();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo").join("leadbook.db");
    let clock = Arc::new(FixedClock::at("2026-03-02T09:00:00Z"));
    let e = Book::open_in(&db, clock.clone(), Folder::MustExist).err().expect("a missing folder is refused");
    assert_eq!(e.code(), "usage");
    assert!(e.to_string().contains("--create"), "{e}");
    assert!(!dir.path().join("typo").exists(), "nothing was created");

    // A missing file in a folder that exists is a new book; so is a missing folder when asked.
    Book::open_in(&dir.path().join("other.db"), clock.clone(), Folder::MustExist).unwrap();
    Book::open_in(&db, clock, Folder::Create).unwrap();
    assert!(db.is_file());
}

// --- 8: restore works over any live file, keeps a copy of it first, checks what it restores ---

#[test]
fn restore_works_over_a_book_whose_header_is_damaged_and_keeps_an_owner_only_copy_of_it_first() {
    let (dir, db) = book_with_leads(1);
    let copy = dir.path().join("copy.db");
    open(&db).unwrap().backup_to(&copy).unwrap();
    add(&mut open(&db).unwrap(), "Added later").unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.write_all(&[0x55; 100]).unwrap();
    drop(f);
    let damaged = std::fs::read(&db).unwrap();
    assert!(open(&db).is_err());

    let done = backup::restore(&db, &copy, Folder::MustExist, at("2026-03-02T10:00:00Z")).unwrap();
    let before = done.before.expect("the live file was copied first");
    assert_eq!(before, dir.path().join("leadbook.db.before-restore-20260302T100000Z"));
    assert_eq!(std::fs::read(&before).unwrap(), damaged, "the copy is the damaged file as it was");
    #[cfg(unix)]
    assert_eq!(mode(&before), 0o600);
    assert_eq!(lead_names(&mut open(&db).unwrap()).unwrap(), vec!["Lead 0"]);
    add(&mut open(&db).unwrap(), "Writable again").unwrap();
}

/// A backup of a one-lead book, changed by `plant`, and what restoring it answers.
fn restore_planted(plant: &str) -> (leadbook_core::Error, tempfile::TempDir, PathBuf) {
    let (dir, db) = book_with_leads(1);
    let copy = dir.path().join("copy.db");
    open(&db).unwrap().backup_to(&copy).unwrap();
    rusqlite::Connection::open(&copy).unwrap().execute_batch(plant).unwrap();
    let e = backup::restore(&db, &copy, Folder::MustExist, at("2026-03-02T10:00:00Z")).expect_err("refused");
    assert!(!files_in(dir.path()).iter().any(|n| n.contains("before-restore")), "nothing was touched");
    (e, dir, db)
}

#[test]
fn restore_refuses_a_backup_with_a_planted_trigger_and_the_book_stays_as_it_was() {
    let (e, _dir, db) = restore_planted(
        "CREATE TRIGGER rewrite AFTER INSERT ON leads BEGIN UPDATE leads SET notes = 'call +1 555 0100' WHERE id = new.id; END;",
    );
    assert_eq!(e.code(), "usage");
    assert!(e.to_string().contains("trigger 'rewrite'"), "{e}");
    let mut book = open(&db).unwrap();
    let id = add(&mut book, "New lead").unwrap();
    let ws = book.workspace("Default").unwrap();
    assert!(book.lead_detail(&ws, id).unwrap().lead.notes.unwrap().starts_with("New lead"));
}

#[test]
fn restore_refuses_a_backup_with_a_view_a_foreign_table_or_a_changed_table() {
    let (e, ..) = restore_planted("CREATE VIEW everyone AS SELECT name FROM leads;");
    assert!(e.to_string().contains("view 'everyone'"), "{e}");
    let (e, ..) = restore_planted("CREATE TABLE extra (x);");
    assert!(e.to_string().contains("table 'extra'"), "{e}");
    let (e, ..) = restore_planted("ALTER TABLE leads ADD COLUMN secret TEXT;");
    assert!(e.to_string().contains("table 'leads'"), "{e}");
    let (e, ..) = restore_planted("DROP INDEX leads_ws_score;");
    assert!(e.to_string().contains("lacks the index 'leads_ws_score'"), "{e}");
}

#[test]
fn restore_refuses_a_backup_from_a_newer_version_or_that_fails_the_integrity_check() {
    let (e, ..) = restore_planted("PRAGMA user_version = 99;");
    assert_eq!(e.code(), "usage");
    assert!(e.to_string().contains("newer Leadbook"), "{e}");

    let (dir, db) = book_with_leads(300);
    let copy = dir.path().join("copy.db");
    open(&db).unwrap().backup_to(&copy).unwrap();
    let leaf = leads_leaf_pages(&copy)[1];
    corrupt_page(&copy, leaf);
    let e = backup::restore(&db, &copy, Folder::MustExist, Utc::now()).expect_err("refused");
    assert_eq!(e.code(), "usage");
    assert!(e.to_string().contains("damaged"), "{e}");
    assert_eq!(lead_names(&mut open(&db).unwrap()).unwrap().len(), 300);
}

// --- 9: a book found corrupt takes no more writes; backup --to never overwrites another file ---

#[test]
fn after_a_read_finds_a_corrupt_page_every_later_write_is_refused_until_a_restore() {
    let (dir, db) = book_with_leads(300);
    let good = dir.path().join("good.db");
    open(&db).unwrap().backup_to(&good).unwrap();
    let leaves = leads_leaf_pages(&db);
    corrupt_page(&db, leaves[1]); // a page in the middle: adding a lead never reads it

    let mut book = open(&db).unwrap();
    let e = lead_names(&mut book).expect_err("the list meets the corrupt page");
    let e = book.note(e); // what the shells do with every error
    assert_eq!(e.code(), "database");
    assert!(e.to_string().contains("restore"), "{e}");

    let refused = add(&mut book, "Written into a damaged book").expect_err("no more writes");
    assert_eq!(refused.code(), "database");
    assert!(refused.to_string().contains("damaged"), "{refused}");
    // Nor from another connection (another process, the window's background work).
    let refused = add(&mut open(&db).unwrap(), "From elsewhere").expect_err("no more writes");
    assert!(refused.to_string().contains("damaged"), "{refused}");
    drop(book);

    backup::restore(&db, &good, Folder::MustExist, Utc::now()).unwrap();
    let mut book = open(&db).unwrap();
    add(&mut book, "After the restore").unwrap();
    assert_eq!(lead_names(&mut book).unwrap().len(), 301);
}

#[test]
fn a_write_that_meets_a_corrupt_page_marks_the_book_damaged() {
    let (_dir, db) = book_with_leads(300);
    let last = *leads_leaf_pages(&db).last().unwrap();
    corrupt_page(&db, last); // where the next lead goes
    let mut book = open(&db).unwrap();
    let e = add(&mut book, "Lands on the corrupt page").expect_err("SQLite finds it");
    assert_eq!(e.code(), "database");
    assert!(disk::damage(&db).is_some(), "the book is marked");
    let e = book.add_workspace("Elsewhere", None).expect_err("any later write is refused");
    assert!(e.to_string().contains("damaged"), "{e}");
}

#[test]
fn the_daily_backup_of_a_corrupt_book_is_not_kept_and_the_good_backups_stay() {
    let (_dir, db) = book_with_leads(300);
    let book = open(&db).unwrap();
    let yesterday = backup::daily(book.conn(), &db, at("2026-03-01T10:00:00Z")).unwrap().unwrap();
    drop(book);
    corrupt_page(&db, leads_leaf_pages(&db)[1]);
    let book = open(&db).unwrap();
    let e = backup::daily(book.conn(), &db, at("2026-03-02T10:00:00Z")).expect_err("the copy fails its check");
    assert_eq!(e.code(), "database");
    assert_eq!(disk::dated_backups(&db).into_iter().map(|(_, p)| p).collect::<Vec<_>>(), vec![yesterday]);
    assert!(disk::damage(&db).is_some(), "the book is marked");
}

#[test]
fn backup_to_an_existing_file_that_is_not_a_backup_is_refused_and_left_as_it_was() {
    let (dir, db) = book_with_leads(1);
    let book = open(&db).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my own notes").unwrap();
    let e = book.backup_to(&notes).unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("to")));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my own notes");

    let e = book.backup_to(&db).unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("to")), "never over the book itself");
    let e = book.backup_to(dir.path()).unwrap_err();
    assert_eq!(e.code(), "validation");

    // An earlier Leadbook backup is replaced.
    let copy = dir.path().join("copy.db");
    book.backup_to(&copy).unwrap();
    book.backup_to(&copy).unwrap();
    assert_eq!(disk::lead_count(&copy), Some(1));
}

// --- 10: owner-only from the first byte ---

#[cfg(unix)]
#[test]
fn backups_exports_and_the_book_are_owner_only_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, db) = book_with_leads(1);
    assert_eq!(mode(&db), 0o600);
    let mut book = open(&db).unwrap();
    let ws = book.workspace("Default").unwrap();
    let daily = book.daily_backup().unwrap().unwrap();
    let copy = dir.path().join("copy.db");
    book.backup_to(&copy).unwrap();
    let csv = dir.path().join("leads.csv");
    let xlsx = dir.path().join("book.xlsx");
    book.export(&ws, &csv).unwrap();
    book.export(&ws, &xlsx).unwrap();
    for p in [&daily, &copy, &csv, &xlsx] {
        assert_eq!(mode(p), 0o600, "{}", p.display());
    }
    drop(book);

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _book = open(&db).unwrap();
    assert_eq!(mode(&db), 0o600, "an existing book is tightened when opened");
    let wal = disk::companion(&db, "-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
}
