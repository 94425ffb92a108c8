//! Exporting a workspace (SPEC §7): an `.xlsx` workbook with Leads, Properties, Follow-ups and
//! Summary sheets (dates as dates, frozen header, autofilter, grades coloured, right-to-left
//! for Persian and Arabic workspaces), or the leads as `.csv` in UTF-8 with a BOM and with
//! spreadsheet formula injection neutralised.

use crate::dashboard::Dashboard;
use crate::error::{Error, Result};
use crate::leads::{self, Lead};
use crate::model::{Grade, Language};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Exported {
    pub path: String,
    pub leads: usize,
}

const LEAD_HEADERS: &[&str] = &[
    "ID", "Name", "Grade", "Score", "Status", "Source", "Phone", "WhatsApp", "Email", "Telegram ID", "Telegram username",
    "LinkedIn", "Budget min (AED)", "Budget max (AED)", "Areas", "Property type", "Bedrooms", "Purpose", "Language",
    "Tags", "Notes", "Created", "Updated", "Last contacted", "Last inbound", "Next follow-up",
];
/// Where the times begin in [`LEAD_HEADERS`] (Created … Next follow-up, to the end).
const FIRST_TIME_COLUMN: usize = 21;

fn xlsx_err(e: XlsxError) -> Error {
    Error::internal_from(format!("writing the workbook failed: {e}"), e)
}

fn all_leads(conn: &Connection, ws: &Workspace, mut each: impl FnMut(Lead) -> Result<()>) -> Result<usize> {
    let mut stmt = conn.prepare(&format!("SELECT {} FROM leads WHERE workspace_id = ?1 ORDER BY id", leads::COLUMNS))?;
    let mut rows = stmt.query([ws.id])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        each(leads::from_row(r)?)?;
        n += 1;
    }
    Ok(n)
}

/// A lead's cells as text, in [`LEAD_HEADERS`] order (the CSV form).
fn lead_cells(l: &Lead) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let t = |v: Option<DateTime<Utc>>| v.map(crate::clock::fmt_time).unwrap_or_default();
    vec![
        l.id.to_string(), l.name.clone(), l.grade.to_string(), l.score.to_string(), l.status.to_string(), l.source.to_string(),
        o(&l.phone), o(&l.whatsapp), o(&l.email), n(l.telegram_id), o(&l.telegram_username), o(&l.linkedin_url),
        n(l.budget_min), n(l.budget_max), l.locations.join("; "), l.property_type.map(|v| v.to_string()).unwrap_or_default(),
        n(l.bedrooms), l.purpose.map(|v| v.to_string()).unwrap_or_default(), l.language.map(|v| v.to_string()).unwrap_or_default(),
        l.tags.join("; "), o(&l.notes), crate::clock::fmt_time(l.created_at), crate::clock::fmt_time(l.updated_at),
        t(l.last_contacted_at), t(l.last_inbound_at), t(l.next_followup_at),
    ]
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a `'`.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// Exports the workspace to `path`: `.xlsx` (the whole book: leads, properties, what is due,
/// the summary) or `.csv` (the leads), by the file's extension.
pub fn to_path(conn: &Connection, ws: &Workspace, path: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<Exported> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" => {
            let dashboard = crate::dashboard::compute(conn, ws, now)?;
            let due = crate::followups::due_queue(conn, ws, now, 100_000)?;
            xlsx(conn, ws, &dashboard, &due, path)
        }
        "csv" => csv(conn, ws, path),
        _ => Err(crate::Error::Usage(format!("export to .xlsx or .csv, not '{}'", path.display()))),
    }
}

/// The leads as CSV: UTF-8 with a byte-order mark, every cell neutralised.
pub fn csv(conn: &Connection, ws: &Workspace, path: &Path) -> Result<Exported> {
    let tmp = path.with_extension("csv.partial");
    // Owner-only from the first byte: an export holds every lead's contact details.
    let file = crate::store::disk::replace_private(&tmp)?;
    let mut out = std::io::BufWriter::new(file);
    std::io::Write::write_all(&mut out, b"\xEF\xBB\xBF")?;
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| Error::internal_from(format!("writing the CSV failed: {e}"), e);
    w.write_record(LEAD_HEADERS).map_err(io)?;
    let n = all_leads(conn, ws, |l| w.write_record(lead_cells(&l).iter().map(|c| neutralise(c))).map_err(io))?;
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    Ok(Exported { path: path.display().to_string(), leads: n })
}

/// An Excel date-time (which has no zone) showing the wall-clock time in the workspace's zone:
/// the agent reads "due 10:00" as Dubai time, not UTC.
fn excel_time(t: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<ExcelDateTime> {
    ExcelDateTime::from_timestamp(t.with_timezone(&tz).naive_local().and_utc().timestamp()).ok()
}

/// A date column's header names the zone its times are in: "Created (Asia/Dubai)".
fn zoned(header: &str, tz: chrono_tz::Tz) -> String {
    format!("{header} ({})", tz.name())
}

fn grade_fill(g: Grade) -> Color {
    match g {
        Grade::A => Color::RGB(0xFECACA),
        Grade::B => Color::RGB(0xFDE68A),
        Grade::C => Color::RGB(0xBFDBFE),
        Grade::D => Color::RGB(0xE5E7EB),
    }
}

fn header(sheet: &mut Worksheet, names: &[&str], rtl: bool) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_background_color(Color::RGB(0xF1F5F9));
    for (c, h) in names.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_right_to_left(rtl);
    Ok(())
}

/// The whole workspace as an `.xlsx` workbook.
pub fn xlsx(conn: &Connection, ws: &Workspace, dashboard: &Dashboard, due: &[crate::followups::DueItem], path: &Path) -> Result<Exported> {
    let rtl = matches!(ws.language, Language::Fa | Language::Ar);
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let money = Format::new().set_num_format("#,##0");
    let grades: Vec<(Grade, Format)> =
        Grade::ALL.iter().map(|g| (*g, Format::new().set_background_color(grade_fill(*g)).set_bold().set_align(FormatAlign::Center))).collect();

    // Leads.
    let tz = ws.tz();
    let sheet = wb.add_worksheet_with_constant_memory().set_name("Leads").map_err(xlsx_err)?;
    let lead_headers: Vec<String> = LEAD_HEADERS.iter().enumerate().map(|(c, h)| if c >= FIRST_TIME_COLUMN { zoned(h, tz) } else { h.to_string() }).collect();
    header(sheet, &lead_headers.iter().map(String::as_str).collect::<Vec<_>>(), rtl).map_err(xlsx_err)?;
    let mut row: u32 = 0;
    let n = all_leads(conn, ws, |l| {
        row += 1;
        let r = row;
        let w = |res: std::result::Result<&mut Worksheet, XlsxError>| res.map(|_| ()).map_err(xlsx_err);
        w(sheet.write_number(r, 0, l.id as f64))?;
        w(sheet.write_string(r, 1, &l.name))?;
        match grades.iter().find(|(g, _)| *g == l.grade) {
            Some((_, gf)) => w(sheet.write_string_with_format(r, 2, l.grade.as_str(), gf))?,
            None => w(sheet.write_string(r, 2, l.grade.as_str()))?,
        }
        w(sheet.write_number(r, 3, l.score as f64))?;
        w(sheet.write_string(r, 4, l.status.as_str()))?;
        w(sheet.write_string(r, 5, l.source.as_str()))?;
        let texts: [(u16, Option<&str>); 6] = [
            (6, l.phone.as_deref()), (7, l.whatsapp.as_deref()), (8, l.email.as_deref()), (10, l.telegram_username.as_deref()),
            (11, l.linkedin_url.as_deref()), (20, l.notes.as_deref()),
        ];
        for (c, v) in texts {
            if let Some(v) = v {
                w(sheet.write_string(r, c, v))?;
            }
        }
        if let Some(id) = l.telegram_id {
            w(sheet.write_number(r, 9, id as f64))?;
        }
        for (c, v) in [(12u16, l.budget_min), (13, l.budget_max), (16, l.bedrooms)] {
            if let Some(v) = v {
                w(sheet.write_number_with_format(r, c, v as f64, &money))?;
            }
        }
        if !l.locations.is_empty() {
            w(sheet.write_string(r, 14, l.locations.join("; ")))?;
        }
        for (c, v) in [(15u16, l.property_type.map(|v| v.as_str())), (17, l.purpose.map(|v| v.as_str())), (18, l.language.map(|v| v.as_str()))] {
            if let Some(v) = v {
                w(sheet.write_string(r, c, v))?;
            }
        }
        if !l.tags.is_empty() {
            w(sheet.write_string(r, 19, l.tags.join("; ")))?;
        }
        for (c, t) in [(21u16, Some(l.created_at)), (22, Some(l.updated_at)), (23, l.last_contacted_at), (24, l.last_inbound_at), (25, l.next_followup_at)] {
            if let Some(d) = t.and_then(|t| excel_time(t, tz)) {
                w(sheet.write_datetime_with_format(r, c, &d, &date))?;
            }
        }
        Ok(())
    })?;
    sheet.autofilter(0, 0, row.max(1), (LEAD_HEADERS.len() - 1) as u16).map_err(xlsx_err)?;
    sheet.set_column_width(1, 28).map_err(xlsx_err)?;
    for c in [6u16, 7, 8, 11, 14] {
        sheet.set_column_width(c, 20).map_err(xlsx_err)?;
    }
    for c in 21u16..=25 {
        sheet.set_column_width(c, 17).map_err(xlsx_err)?;
    }

    // Properties.
    let props = crate::listings::properties::list(conn, ws)?;
    let sheet = wb.add_worksheet_with_constant_memory().set_name("Properties").map_err(xlsx_err)?;
    let created = zoned("Created", tz);
    let ph = ["ID", "Title", "Area", "Price (AED)", "Type", "Bedrooms", "Purpose", "RERA permit", "Status", created.as_str()];
    header(sheet, &ph, rtl).map_err(xlsx_err)?;
    for (i, p) in props.iter().enumerate() {
        let r = i as u32 + 1;
        (|| -> std::result::Result<(), XlsxError> {
            sheet.write_number(r, 0, p.id as f64)?;
            sheet.write_string(r, 1, &p.title)?;
            sheet.write_string(r, 2, &p.location)?;
            sheet.write_number_with_format(r, 3, p.price as f64, &money)?;
            if let Some(t) = p.property_type {
                sheet.write_string(r, 4, t.as_str())?;
            }
            if let Some(b) = p.bedrooms {
                sheet.write_number(r, 5, b as f64)?;
            }
            sheet.write_string(r, 6, p.purpose.as_str())?;
            if let Some(permit) = &p.permit {
                sheet.write_string(r, 7, permit)?;
            }
            sheet.write_string(r, 8, p.status.as_str())?;
            if let Some(d) = excel_time(p.created_at, tz) {
                sheet.write_datetime_with_format(r, 9, &d, &date)?;
            }
            Ok(())
        })()
        .map_err(xlsx_err)?;
    }
    sheet.autofilter(0, 0, props.len().max(1) as u32, (ph.len() - 1) as u16).map_err(xlsx_err)?;
    sheet.set_column_width(1, 32).map_err(xlsx_err)?;

    // Follow-ups: what is due and when.
    let sheet = wb.add_worksheet_with_constant_memory().set_name("Follow-ups").map_err(xlsx_err)?;
    let due_header = zoned("Due", tz);
    let fh = ["Lead ID", "Lead", "Grade", "Campaign", "Step", "Step name", due_header.as_str(), "Overdue"];
    header(sheet, &fh, rtl).map_err(xlsx_err)?;
    for (i, d) in due.iter().enumerate() {
        let r = i as u32 + 1;
        (|| -> std::result::Result<(), XlsxError> {
            sheet.write_number(r, 0, d.lead_id as f64)?;
            sheet.write_string(r, 1, &d.name)?;
            sheet.write_string(r, 2, d.grade.as_str())?;
            sheet.write_string(r, 3, &d.campaign)?;
            sheet.write_number(r, 4, d.step as f64)?;
            sheet.write_string(r, 5, &d.label)?;
            if let Some(t) = crate::clock::parse_time(&d.due_at).and_then(|t| excel_time(t, tz)) {
                sheet.write_datetime_with_format(r, 6, &t, &date)?;
            }
            sheet.write_boolean(r, 7, d.overdue || d.waiting_for_window)?;
            Ok(())
        })()
        .map_err(xlsx_err)?;
    }
    sheet.autofilter(0, 0, due.len().max(1) as u32, (fh.len() - 1) as u16).map_err(xlsx_err)?;

    // Deals: the pipeline with each deal's commission.
    let deals = crate::tasks::deals::list(conn, ws, None)?;
    let sheet = wb.add_worksheet().set_name("Deals").map_err(xlsx_err)?;
    let opened = zoned("Opened", tz);
    let closed = zoned("Closed", tz);
    let dh = [
        "ID", "Lead ID", "Lead", "Listing ID", "Kind", "Stage", "Value (AED)", "Commission (AED)", "VAT (AED)", "Agent's share (AED)",
        "Expected close", opened.as_str(), closed.as_str(), "Notes",
    ];
    header(sheet, &dh, rtl).map_err(xlsx_err)?;
    for (i, d) in deals.iter().enumerate() {
        let r = i as u32 + 1;
        (|| -> std::result::Result<(), XlsxError> {
            sheet.write_number(r, 0, d.id as f64)?;
            sheet.write_number(r, 1, d.lead_id as f64)?;
            sheet.write_string(r, 2, &d.lead_name)?;
            if let Some(p) = d.property_id {
                sheet.write_number(r, 3, p as f64)?;
            }
            sheet.write_string(r, 4, d.kind.as_str())?;
            sheet.write_string(r, 5, d.stage.as_str())?;
            for (c, v) in [(6u16, d.value), (7, d.commission), (8, d.vat), (9, d.agent_share)] {
                sheet.write_number_with_format(r, c, v as f64, &money)?;
            }
            if let Some(c) = &d.expected_close {
                sheet.write_string(r, 10, c)?;
            }
            for (c, t) in [(11u16, Some(d.created_at.as_str())), (12, d.closed_at.as_deref())] {
                if let Some(t) = t.and_then(crate::clock::parse_time).and_then(|t| excel_time(t, tz)) {
                    sheet.write_datetime_with_format(r, c, &t, &date)?;
                }
            }
            if let Some(n) = &d.notes {
                sheet.write_string(r, 13, n)?;
            }
            Ok(())
        })()
        .map_err(xlsx_err)?;
    }
    sheet.autofilter(0, 0, deals.len().max(1) as u32, (dh.len() - 1) as u16).map_err(xlsx_err)?;
    sheet.set_column_width(2, 28).map_err(xlsx_err)?;
    sheet.set_column_width(1, 28).map_err(xlsx_err)?;
    sheet.set_column_width(6, 17).map_err(xlsx_err)?;

    // Summary.
    let sheet = wb.add_worksheet().set_name("Summary").map_err(xlsx_err)?;
    sheet.set_right_to_left(rtl);
    let bold = Format::new().set_bold();
    (|| -> std::result::Result<(), XlsxError> {
        sheet.write_string_with_format(0, 0, format!("Leadbook — {}", ws.name), &bold)?;
        sheet.write_string_with_format(2, 0, "Grade", &bold)?;
        sheet.write_string_with_format(2, 1, "Leads", &bold)?;
        for (i, (g, label)) in [(Grade::A, "A Hot"), (Grade::B, "B Warm"), (Grade::C, "C Cool"), (Grade::D, "D Cold")].iter().enumerate() {
            let r = 3 + i as u32;
            let f = grades.iter().find(|(x, _)| x == g).map(|(_, f)| f.clone()).unwrap_or_default();
            sheet.write_string_with_format(r, 0, *label, &f)?;
            sheet.write_number(r, 1, *dashboard.grades.get(g.as_str()).unwrap_or(&0) as f64)?;
        }
        sheet.write_string_with_format(8, 0, "Status", &bold)?;
        sheet.write_string_with_format(8, 1, "Leads", &bold)?;
        for (i, s) in crate::model::Status::ALL.iter().enumerate() {
            sheet.write_string(9 + i as u32, 0, s.as_str())?;
            sheet.write_number(9 + i as u32, 1, *dashboard.by_status.get(s.as_str()).unwrap_or(&0) as f64)?;
        }
        let r = 18;
        for (i, (label, v)) in [
            ("Total leads", dashboard.total_leads),
            ("Follow-ups due today", dashboard.due_today),
            ("Overdue follow-ups", dashboard.overdue),
            ("Messages waiting", dashboard.outbox_waiting),
            ("Replies this week", dashboard.replies_this_week),
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(r + i as u32, 0, *label)?;
            sheet.write_number(r + i as u32, 1, *v as f64)?;
        }
        sheet.set_column_width(0, 24)?;
        Ok(())
    })()
    .map_err(xlsx_err)?;

    let tmp = path.with_extension("xlsx.partial");
    wb.save_to_writer(crate::store::disk::replace_private(&tmp)?).map_err(xlsx_err)?;
    std::fs::rename(&tmp, path)?;
    Ok(Exported { path: path.display().to_string(), leads: n })
}
