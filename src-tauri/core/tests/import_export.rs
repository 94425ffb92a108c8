//! Import (LinkedIn and any sheet) and export (xlsx read back with calamine, CSV) — SPEC §7.

use calamine::{open_workbook_auto, Data, Reader};
use leadbook_core::transfer::import::Report;
use leadbook_core::leads::LeadQuery;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

fn book() -> (Book, Workspace) {
    let book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-02T06:00:00Z"))).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, ws)
}

fn import(book: &mut Book, ws: &Workspace, path: &Path) -> leadbook_core::Result<Report> {
    book.import_file(ws, path, "auto", None, &mut |_, _| {}, &AtomicBool::new(false))
}

fn count(book: &Book, table: &str) -> i64 {
    book.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn all(book: &mut Book, ws: &Workspace) -> Vec<leadbook_core::leads::Lead> {
    book.list_leads(ws, &LeadQuery { sort: leadbook_core::leads::SortBy::Name, ..Default::default() }).unwrap().rows
}

#[test]
fn linkedin_connections_with_every_quirk_import_cleanly() {
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &fixture("linkedin-connections.csv")).unwrap();
    assert_eq!((r.imported, r.merged), (5, 1), "{r:?}");
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].row, 12, "the row number as a spreadsheet shows it");
    assert!(r.rejected[0].reason.contains("name"));
    let leads = all(&mut book, &ws);
    let aisha = leads.iter().find(|l| l.name == "Aisha Khan").unwrap();
    assert_eq!(aisha.linkedin_url.as_deref(), Some("https://www.linkedin.com/in/aisha-khan-123"));
    assert_eq!(aisha.email.as_deref(), Some("aisha.k@example.ae"), "the duplicate row filled the blank email");
    assert!(aisha.notes.as_deref().unwrap().contains("Investment Manager at Emaar Properties, PJSC"), "quoted comma kept");
    let reza = leads.iter().find(|l| l.name == "Reza Karimi").unwrap();
    assert_eq!(reza.email, None, "an empty email is absent, not blank");
    assert!(leads.iter().all(|l| l.source.as_str() == "linkedin"));
    assert!(leads.iter().any(|l| l.name == "محمد المنصوري"));
    assert!(leads.iter().any(|l| l.name == "Layla"), "a first name alone is a name");
}

#[test]
fn an_older_linkedin_export_without_url_or_position_imports() {
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &fixture("linkedin-connections-old.csv")).unwrap();
    assert_eq!((r.imported, r.rejected.len()), (2, 0));
    let sara = all(&mut book, &ws).into_iter().find(|l| l.name == "Sara Haddad").unwrap();
    assert_eq!(sara.notes.as_deref(), Some("Betterhomes, LLC"));
}

#[test]
fn mixed_uae_phone_spellings_become_e164_and_bad_rows_are_reported() {
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &fixture("uae-phones.csv")).unwrap();
    assert_eq!(r.imported, 32);
    let rows: Vec<usize> = r.rejected.iter().map(|x| x.row).collect();
    assert_eq!(rows, vec![5, 9, 15, 19, 25, 29, 35, 39]);
    for l in all(&mut book, &ws) {
        let p = l.phone.unwrap();
        assert!(p.starts_with("+9715012345") && p.len() == 13, "{p}");
        assert_eq!(l.budget_max.unwrap() % 100_000, 0, "\"1,200,000\" is read as a number");
        assert_eq!(l.locations, vec!["JVC"]);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_file_with_ten_percent_bad_rows_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Name,Phone,Email\n");
    for i in 0..100 {
        let email = if i % 10 == 4 { "broken@".to_string() } else { format!("p{i}@x.ae") };
        csv.push_str(&format!("Person {i},05{:08},{email}\n", 20_000_000 + i));
    }
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &write(dir.path(), "ten.csv", &csv)).unwrap();
    assert_eq!((r.imported, r.rejected.len()), (90, 10));
    assert_eq!(r.rejected[0].row, 6, "Person 4 is on line 6");
}

#[test]
fn duplicates_inside_the_file_merge() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "Full Name,Mobile,Email\nAisha Khan,050-123 4567,\nA. Khan,+971501234567,aisha@x.ae\nAisha K,,AISHA@x.ae\n";
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &write(dir.path(), "dups.csv", csv)).unwrap();
    assert_eq!((r.imported, r.merged), (1, 2));
    assert_eq!(count(&book, "leads"), 1);
}

#[test]
fn a_cancelled_import_leaves_the_book_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Name,Phone\n");
    for i in 0..5_000 {
        csv.push_str(&format!("Person {i},05{:08}\n", 20_000_000 + i));
    }
    let path = write(dir.path(), "big.csv", &csv);
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { name: Some("Already here".into()), ..Default::default() }).unwrap();
    let before = (count(&book, "leads"), count(&book, "enrolments"), count(&book, "lead_keys"));
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let e = book.import_file(&ws, &path, "auto", None, &mut |done, _| {
        seen = done;
        if done > 0 {
            cancel.store(true, Ordering::Relaxed);
        }
    }, &cancel).unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert!(seen > 0, "it was under way");
    assert_eq!((count(&book, "leads"), count(&book, "enrolments"), count(&book, "lead_keys")), before);
}

#[test]
fn files_that_are_not_lead_sheets_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    let e = import(&mut book, &ws, &write(dir.path(), "x.csv", "colour,shape\nred,round\n")).unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("file")));
    let e = import(&mut book, &ws, &write(dir.path(), "x.xlsx", "this is not a zip")).unwrap_err();
    assert_eq!(e.code(), "validation");
    assert_eq!(import(&mut book, &ws, &dir.path().join("missing.csv")).unwrap_err().code(), "io");
    assert_eq!(import(&mut book, &ws, &write(dir.path(), "x.pdf", "%PDF")).unwrap_err().code(), "usage");
    assert_eq!(count(&book, "leads"), 0);
}

#[test]
fn an_xlsx_sheet_with_a_header_row_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    for (c, h) in ["Client Name", "Phone Number", "Area", "Budget (AED)", "Beds"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_string(1, 0, "Noura Al Falasi").unwrap();
    s.write_number(1, 1, 501234567.0).unwrap();
    s.write_string(1, 2, "Downtown").unwrap();
    s.write_number(1, 3, 3_500_000.0).unwrap();
    s.write_string(1, 4, "3+").unwrap();
    wb.save(&path).unwrap();
    let (mut book, ws) = book();
    let r = import(&mut book, &ws, &path).unwrap();
    assert_eq!(r.imported, 1, "{r:?}");
    let l = &all(&mut book, &ws)[0];
    assert_eq!((l.phone.as_deref(), l.budget_max, l.bedrooms), (Some("+971501234567"), Some(3_500_000), Some(3)));
    assert_eq!(l.source.as_str(), "import");
}

#[test]
fn the_xlsx_export_reads_back_with_its_sheets_types_and_text_kept_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { name: Some("=HYPERLINK(\"http://x\",\"y\")".into()), phone: Some("0501234567".into()), budget_max: Some(2_000_000), ..Default::default() }).unwrap();
    book.add_lead(&ws, &LeadInput { name: Some("مریم حسینی".into()), ..Default::default() }).unwrap();
    book.add_property(&ws, &leadbook_core::listings::properties::PropertyInput { title: Some("Villa".into()), location: Some("Palm".into()), price: Some(9_000_000), ..Default::default() }).unwrap();
    let path = dir.path().join("book.xlsx");
    let out = book.export(&ws, &path).unwrap();
    assert_eq!(out.leads, 2);
    let mut wb = open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Leads", "Properties", "Follow-ups", "Deals", "Summary"]);
    let leads = wb.worksheet_range("Leads").unwrap();
    assert_eq!(leads.height(), 3, "header and two leads");
    assert_eq!(leads.get((0, 1)), Some(&Data::String("Name".into())));
    assert_eq!(leads.get((1, 1)), Some(&Data::String("=HYPERLINK(\"http://x\",\"y\")".into())), "stored as text, not a formula");
    assert!(matches!(leads.get((1, 13)), Some(Data::Float(v)) if *v == 2_000_000.0), "budget as a number");
    assert!(matches!(leads.get((1, 21)), Some(Data::DateTime(_))), "created as a date: {:?}", leads.get((1, 21)));
    assert_eq!(leads.get((2, 1)), Some(&Data::String("مریم حسینی".into())));
    assert_eq!(wb.worksheet_range("Properties").unwrap().height(), 2);
    let summary = wb.worksheet_range("Summary").unwrap();
    assert_eq!(summary.get((3, 0)), Some(&Data::String("A Hot".into())));
}

#[test]
fn the_xlsx_export_has_a_deals_sheet_with_each_deals_commission() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    let lead = book.add_lead(&ws, &LeadInput { name: Some("Aisha".into()), ..Default::default() }).unwrap().id;
    let input = leadbook_core::tasks::deals::DealInput {
        lead_id: lead,
        property_id: None,
        kind: leadbook_core::tasks::deals::DealKind::Sale,
        value: 2_500_000,
        stage: None,
        expected_close: Some("2026-06-30".into()),
        notes: None,
    };
    book.add_deal(&ws, &input).unwrap();
    let path = dir.path().join("book.xlsx");
    book.export(&ws, &path).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    let deals = wb.worksheet_range("Deals").unwrap();
    assert_eq!(deals.height(), 2, "header and one deal");
    assert_eq!(deals.get((1, 2)), Some(&Data::String("Aisha".into())));
    assert_eq!(deals.get((1, 5)), Some(&Data::String("Offer".into())), "the stage in words");
    assert!(matches!(deals.get((1, 7)), Some(Data::Float(v)) if *v == 50_000.0), "{:?}", deals.get((1, 7)));
    assert!(matches!(deals.get((1, 8)), Some(Data::Float(v)) if *v == 2_500.0));
}

/// A book whose leads use many codes: every source, type, purpose and language somewhere.
fn a_book_of_codes(book: &mut Book, ws: &Workspace) -> Vec<(String, String, Option<String>, Option<String>, Option<String>)> {
    let sources = ["linkedin", "telegram", "whatsapp", "referral", "portal", "website", "walk_in", "manual", "import", "property_finder", "bayut", "dubizzle", "email"];
    let types = ["apartment", "villa", "townhouse", "penthouse", "office", "land"];
    for (i, source) in sources.iter().enumerate() {
        let input = LeadInput {
            name: Some(format!("Lead {i}")),
            phone: Some(format!("05012345{i:02}")),
            source: Some(source.to_string()),
            property_type: Some(types[i % types.len()].into()),
            purpose: Some(["buy", "rent"][i % 2].into()),
            language: Some(["en", "fa", "ar"][i % 3].into()),
            ..Default::default()
        };
        book.add_lead(ws, &input).unwrap();
    }
    codes(book, ws)
}

fn codes(book: &mut Book, ws: &Workspace) -> Vec<(String, String, Option<String>, Option<String>, Option<String>)> {
    let mut all = all(book, ws);
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all.into_iter()
        .map(|l| {
            (l.name, l.source.to_string(), l.property_type.map(|v| v.to_string()), l.purpose.map(|v| v.to_string()), l.language.map(|v| v.to_string()))
        })
        .collect()
}

#[test]
fn a_book_exported_in_persian_or_arabic_reads_in_words_and_reimports_with_the_same_codes() {
    for (lang, referral, apartment, headers) in [
        ("fa", "معرفی", "آپارتمان", ["نام", "منبع", "سرنخ‌ها"]),
        ("ar", "توصية", "شقة", ["الاسم", "المصدر", "العملاء"]),
        ("en", "Referral", "Apartment", ["Name", "Source", "Leads"]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (mut book, ws) = book();
        let patch = leadbook_core::workspace::WorkspacePatch { language: Some(lang.into()), ..Default::default() };
        let ws = book.update_workspace(ws.id, &patch).unwrap();
        let before = a_book_of_codes(&mut book, &ws);
        let path = dir.path().join("book.xlsx");
        book.export(&ws, &path).unwrap();

        let mut wb = open_workbook_auto(&path).unwrap();
        assert_eq!(wb.sheet_names()[0], headers[2], "{lang}: the sheet's name in words");
        let leads = wb.worksheet_range(headers[2]).unwrap();
        assert_eq!(leads.get((0, 1)), Some(&Data::String(headers[0].into())), "{lang}: headers in words");
        assert_eq!(leads.get((0, 5)), Some(&Data::String(headers[1].into())));
        let cells: Vec<String> = leads.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
        assert!(cells.iter().any(|c| c == referral) && cells.iter().any(|c| c == apartment), "{lang}: codes in words");
        for code in ["referral", "apartment", "walk_in", "new"] {
            assert!(!cells.iter().any(|c| c == code), "{lang}: no code '{code}' left in the Leads sheet");
        }

        let followups = wb.worksheet_range(&wb.sheet_names()[2]).unwrap();
        assert!(followups.height() > 1, "{lang}: the new leads' first steps are due");
        let campaign = leadbook_core::followups::name_in(leadbook_core::followups::DEFAULT_CAMPAIGN, ws.language);
        assert_eq!(followups.get((1, 3)), Some(&Data::String(campaign.into())), "{lang}: the default campaign named in words");
        assert_eq!(followups.get((1, 5)), Some(&Data::String(leadbook_core::followups::name_in("Introduction", ws.language).into())));

        let (mut fresh, fresh_ws) = self::book();
        let report = import(&mut fresh, &fresh_ws, &path).unwrap();
        assert!(report.rejected.is_empty(), "{lang}: {:?}", report.rejected);
        assert_eq!(report.imported, before.len());
        assert_eq!(codes(&mut fresh, &fresh_ws), before, "{lang}: the same codes after the round trip");
    }
}

#[test]
fn the_csv_export_keeps_the_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    let patch = leadbook_core::workspace::WorkspacePatch { language: Some("fa".into()), ..Default::default() };
    let ws = book.update_workspace(ws.id, &patch).unwrap();
    book.add_lead(&ws, &LeadInput { name: Some("Sara".into()), source: Some("referral".into()), property_type: Some("apartment".into()), ..Default::default() }).unwrap();
    let path = dir.path().join("leads.csv");
    book.export(&ws, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.lines().next().unwrap().ends_with("Next follow-up"), "English headers");
    assert!(text.contains(",referral,") && text.contains(",apartment,"), "{text}");
}

/// The XML of one part of an xlsx file.
fn xlsx_part(path: &Path, part: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    std::io::read_to_string(zip.by_name(part).unwrap()).unwrap()
}

#[test]
fn the_leads_sheet_keeps_its_frozen_header_autofilter_widths_and_local_dates_and_mirrors_for_persian() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    for i in 0..3 {
        book.add_lead(&ws, &LeadInput { name: Some(format!("Lead {i}")), phone: Some(format!("050123456{i}")), ..Default::default() }).unwrap();
    }
    let path = dir.path().join("book.xlsx");
    book.export(&ws, &path).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    let leads = wb.worksheet_range("Leads").unwrap();
    let Some(Data::DateTime(created)) = leads.get((1, 21)) else { panic!("created is not a date: {:?}", leads.get((1, 21))) };
    assert_eq!(created.as_datetime().unwrap().to_string(), "2026-03-02 10:00:00", "06:00 UTC as the Dubai wall clock shows it");
    assert_eq!(leads.get((0, 21)), Some(&Data::String("Created (Asia/Dubai)".into())), "the header names the zone");
    let xml = xlsx_part(&path, "xl/worksheets/sheet1.xml");
    assert!(xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#), "header row frozen");
    assert!(xml.contains(r#"<autoFilter ref="A1:Z4"/>"#), "autofilter over the header and the three leads");
    assert!(xml.contains("<cols>") && xml.contains("customWidth"), "column widths");
    assert!(!xml.contains("rightToLeft"), "an English workspace reads left to right");

    let patch = leadbook_core::workspace::WorkspacePatch { language: Some("fa".into()), ..Default::default() };
    let ws = book.update_workspace(ws.id, &patch).unwrap();
    book.export(&ws, &path).unwrap();
    for sheet in 1..=4 {
        assert!(xlsx_part(&path, &format!("xl/worksheets/sheet{sheet}.xml")).contains(r#"rightToLeft="1""#), "sheet {sheet} mirrored");
    }
}

#[test]
fn the_csv_export_has_a_bom_and_neutralises_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { name: Some("=1+1".into()), phone: Some("0501234567".into()), notes: Some("@evil".into()), ..Default::default() }).unwrap();
    let path = dir.path().join("leads.csv");
    book.export(&ws, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.contains(",'=1+1,"), "{row}");
    assert!(row.contains(",'+971501234567,"), "{row}");
    assert!(row.contains(",'@evil,"), "{row}");
    assert_eq!(book.export(&ws, &dir.path().join("x.pdf")).unwrap_err().code(), "usage");
}
