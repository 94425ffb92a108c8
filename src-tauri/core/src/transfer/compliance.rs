//! The compliance files (SPEC §14): the Do Not Call Register read from the list the agent was
//! given, and the contact report written for a regulator (`.xlsx` or `.csv`).

use crate::compliance::report::{each_entry, ContactEntry, LogFilter};
use crate::compliance::{hold_words, Check, ContactOutcome};
use crate::model::words::{pick, word};
use crate::model::{Channel, HoldReason, Language};
use crate::error::{Error, Result};
use crate::transfer::export::neutralise;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// Headers a register's number column goes by, folded (letters and digits, lower case).
const NUMBER_HEADERS: &[&str] =
    &["phone", "phonenumber", "number", "mobile", "mobilenumber", "msisdn", "tel", "telephone", "رقم", "رقمالهاتف", "الهاتف", "شماره", "تلفن", "موبایل", "شمارهتلفن"];

fn fold(h: &str) -> String {
    h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The cells of a register file (`.csv`, `.txt`, `.xlsx`, `.xls`, `.ods`), under an import's
/// limits, with their row numbers: the column a header names (Phone, Number, Mobile, رقم,
/// شماره…), or with no such header the first cell of every line.
pub fn read_register(path: &Path) -> Result<Vec<(usize, String)>> {
    let (_, grid, _) = crate::transfer::import::read_grid(path, "auto", "auto")?;
    let rows: Vec<(usize, String)> = match grid.first() {
        None => vec![],
        Some((_, first)) => {
            let col = first.iter().position(|h| NUMBER_HEADERS.contains(&fold(h).as_str()));
            match col {
                // A header names the column: its cells below.
                Some(c) => grid.iter().skip(1).filter_map(|(n, cells)| cells.get(c).map(|v| (*n, v.to_string()))).collect(),
                // No header: numbers alone, the first cell of each line.
                None => grid.iter().filter_map(|(n, cells)| cells.first().map(|v| (*n, v.to_string()))).collect(),
            }
        }
    };
    Ok(rows)
}


/// What writing the report did (SPEC §9: `{"path":..,"contacts":N,"held":N}`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "ComplianceReport")]
pub struct Written {
    pub path: String,
    /// Messages that went and calls made.
    pub contacts: usize,
    /// Messages a rule held back.
    pub held: usize,
}

/// The columns, in English (the CSV's, a machine format), Persian and Arabic (`{tz}`: the zone).
const HEADERS: &[[&str; 3]] = &[
    ["Entry", "ردیف", "القيد"],
    ["Time ({tz})", "زمان ({tz})", "الوقت ({tz})"],
    ["Lead ID", "شناسهٔ سرنخ", "رقم العميل"],
    ["Lead", "سرنخ", "العميل"],
    ["Channel", "کانال", "القناة"],
    ["Marketing or transactional", "بازاریابی یا تراکنشی", "تسويق أو معاملات"],
    ["Outcome", "نتیجه", "النتيجة"],
    ["Message ID", "شناسهٔ پیام", "رقم الرسالة"],
    ["Call ID", "شناسهٔ تماس", "رقم المكالمة"],
    ["Checks passed", "بررسی‌های گذرانده", "الفحوص المجتازة"],
    ["Held by", "نگه‌داشته به‌دلیل", "محتجزة بسبب"],
    ["Why held", "چرا نگه داشته شد", "سبب الاحتجاز"],
    ["Rules not kept", "قواعد رعایت‌نشده", "قواعد لم تُراعَ"],
    ["Detail", "جزئیات", "التفاصيل"],
];

/// The channel of an entry: a channel's words, or the agent's hand, or a call.
fn channel_words(channel: &str, lang: Option<Language>) -> String {
    let Some(lang) = lang else { return channel.to_string() };
    match channel {
        "manual" => pick(["By hand", "دستی", "يدوياً"], lang).into(),
        "call" => pick(["Call", "تماس", "مكالمة"], lang).into(),
        c => Channel::parse("channel", c).map(|c| word(c, lang).to_string()).unwrap_or_else(|_| c.to_string()),
    }
}

/// An entry's cells: codes (`lang` None, the CSV) or words in `lang` (the workbook). The
/// "why held" column is a sentence in both.
fn cells(ws: &Workspace, e: &ContactEntry, lang: Option<Language>) -> Vec<String> {
    let local = crate::clock::parse_time(&e.at)
        .map(|t: DateTime<Utc>| t.with_timezone(&ws.tz()).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| e.at.clone());
    let say = |code: &'static str, words: Option<&'static str>| lang.and(words).unwrap_or(code).to_string();
    let list = |v: &[Check]| v.iter().map(|c| say(c.as_str(), lang.map(|l| word(*c, l)))).collect::<Vec<_>>().join(", ");
    vec![
        e.id.to_string(),
        local,
        e.lead_id.to_string(),
        e.lead_name.clone(),
        channel_words(&e.channel, lang),
        say(e.purpose.as_str(), lang.map(|l| word(e.purpose, l))),
        say(e.outcome.as_str(), lang.map(|l| word(e.outcome, l))),
        e.outbox_id.map(|i| i.to_string()).unwrap_or_default(),
        e.call_id.map(|i| i.to_string()).unwrap_or_default(),
        list(&e.passed),
        e.held_by.map(|h| say(h.as_str(), lang.map(|l| word(h, l)))).unwrap_or_default(),
        e.held_by.map(|h| lang.map(|l| why_held(h, l)).unwrap_or_else(|| hold_words(h)).to_string()).unwrap_or_default(),
        list(&e.broke),
        e.detail.clone().unwrap_or_default(),
    ]
}

/// Why a rule held a message, as a sentence in `lang`.
fn why_held(h: HoldReason, lang: Language) -> &'static str {
    pick(
        match h {
            HoldReason::Dncr => [hold_words(h), "شماره در فهرست «تماس نگیرید» است", "الرقم مسجل في سجل عدم الاتصال"],
            HoldReason::NoConsent => [hold_words(h), "برای این کانال رضایتی نیست و فضای کاری آن را لازم می‌داند", "لا موافقة على هذه القناة، ومساحة العمل تشترطها"],
            HoldReason::NoPermit => [hold_words(h), "آگهی هنوز شمارهٔ مجوز ندارد", "ليس للإعلان رقم تصريح بعد"],
            HoldReason::DoNotMarket => [hold_words(h), "سرنخ علامت «تبلیغ نکن» دارد", "العميل مُعلَّم بعدم التسويق"],
            HoldReason::Review => [hold_words(h), "در انتظار بررسی شما", "بانتظار مراجعة الوكيل"],
        },
        lang,
    )
}

fn headers(ws: &Workspace, lang: Language) -> Vec<String> {
    HEADERS.iter().map(|h| pick(*h, lang).replace("{tz}", ws.tz().name())).collect()
}

/// Writes the entries of `filter` to `path` — `.xlsx` (one sheet, the times in the workspace's
/// zone, a header naming it) or `.csv` (UTF-8 with a byte-order mark) — replacing the file
/// whole, owner-readable only.
pub fn write_report(conn: &Connection, ws: &Workspace, filter: &LogFilter, path: &Path) -> Result<Written> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let (mut contacts, mut held) = (0, 0);
    let mut count = |e: &ContactEntry| if e.outcome == ContactOutcome::Held { held += 1 } else { contacts += 1 };
    match ext.as_str() {
        "csv" => {
            let tmp = path.with_extension("csv.partial");
            let mut out = std::io::BufWriter::new(crate::store::disk::replace_private(&tmp)?);
            std::io::Write::write_all(&mut out, b"\xEF\xBB\xBF")?;
            let mut w = csv::Writer::from_writer(out);
            let io = |e: csv::Error| Error::internal_from(format!("writing the CSV failed: {e}"), e);
            w.write_record(headers(ws, Language::En)).map_err(io)?;
            each_entry(conn, ws, filter, |e| {
                count(&e);
                w.write_record(cells(ws, &e, None).iter().map(|c| neutralise(c))).map_err(io)
            })?;
            w.flush()?;
            drop(w);
            std::fs::rename(&tmp, path)?;
        }
        "xlsx" => {
            use rust_xlsxwriter::{Format, Workbook};
            let xl = |e: rust_xlsxwriter::XlsxError| Error::internal_from(format!("writing the workbook failed: {e}"), e);
            let mut wb = Workbook::new();
            let sheet = wb.add_worksheet();
            let lang = ws.language;
            sheet.set_name(pick(["Contact log", "گزارش تماس‌ها", "سجل التواصل"], lang)).map_err(xl)?;
            if lang != Language::En {
                sheet.set_right_to_left(true);
            }
            let bold = Format::new().set_bold();
            for (c, h) in headers(ws, lang).iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, h, &bold).map_err(xl)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(xl)?;
            let mut row = 0u32;
            each_entry(conn, ws, filter, |e| {
                count(&e);
                row += 1;
                for (c, v) in cells(ws, &e, Some(lang)).iter().enumerate() {
                    sheet.write_string(row, c as u16, v).map_err(xl)?;
                }
                Ok(())
            })?;
            sheet.autofilter(0, 0, row, (HEADERS.len() - 1) as u16).map_err(xl)?;
            let tmp = path.with_extension("xlsx.partial");
            wb.save_to_writer(crate::store::disk::replace_private(&tmp)?).map_err(xl)?;
            std::fs::rename(&tmp, path)?;
        }
        _ => return Err(Error::Usage(format!("write the report to .xlsx or .csv, not '{}'", path.display()))),
    }
    Ok(Written { path: path.display().to_string(), contacts, held })
}
