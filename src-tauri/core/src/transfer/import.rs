//! Importing leads from spreadsheets (SPEC §7): LinkedIn's `Connections.csv` exactly as
//! LinkedIn writes it (a "Notes:" preamble, a byte-order mark, CRLF, blank rows, quoted commas,
//! mostly empty emails, older exports without URL or Position), LinkedIn lead-form exports and
//! any CSV or XLSX with a header row, mapped by header name.
//!
//! Every row goes through the same validation as a typed lead; a failing row is reported as
//! `{row, reason}` and skipped; duplicates merge, inside the file and against the book; the
//! whole import is one transaction, so a failure or a cancel leaves the book as it was.

use crate::error::{Error, Result};
use crate::leads::validate::{split_list, LeadInput};
use crate::model::words::{self, Words};
use crate::model::{Language, PropertyType, Purpose, Source};
use crate::transfer::{decode, limits};
use serde::Serialize;
use std::path::Path;

/// A lead field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ImportField")]
pub enum Field {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Whatsapp,
    TelegramUsername,
    LinkedinUrl,
    Source,
    BudgetMin,
    BudgetMax,
    Locations,
    PropertyType,
    Bedrooms,
    Purpose,
    Language,
    Notes,
    Company,
    Position,
    Tags,
}

/// Header names (folded: lower-case, letters and digits only) and the field each feeds.
const SYNONYMS: &[(&str, Field)] = &[
    ("name", Field::Name), ("fullname", Field::Name), ("leadname", Field::Name), ("clientname", Field::Name),
    ("contactname", Field::Name), ("customer", Field::Name), ("customername", Field::Name), ("contact", Field::Name),
    ("firstname", Field::FirstName), ("givenname", Field::FirstName), ("first", Field::FirstName),
    ("lastname", Field::LastName), ("surname", Field::LastName), ("familyname", Field::LastName), ("last", Field::LastName),
    ("email", Field::Email), ("emailaddress", Field::Email), ("mail", Field::Email), ("workemail", Field::Email),
    ("phone", Field::Phone), ("phonenumber", Field::Phone), ("mobile", Field::Phone), ("mobilenumber", Field::Phone),
    ("mobileno", Field::Phone), ("cell", Field::Phone), ("tel", Field::Phone), ("telephone", Field::Phone),
    ("contactnumber", Field::Phone), ("phoneno", Field::Phone),
    ("whatsapp", Field::Whatsapp), ("whatsappnumber", Field::Whatsapp), ("whatsappno", Field::Whatsapp),
    ("telegram", Field::TelegramUsername), ("telegramusername", Field::TelegramUsername),
    ("url", Field::LinkedinUrl), ("linkedin", Field::LinkedinUrl), ("linkedinurl", Field::LinkedinUrl),
    ("profileurl", Field::LinkedinUrl), ("linkedinprofile", Field::LinkedinUrl),
    ("source", Field::Source), ("leadsource", Field::Source),
    ("budget", Field::BudgetMax), ("budgetaed", Field::BudgetMax), ("maxbudget", Field::BudgetMax),
    ("budgetmax", Field::BudgetMax), ("maxbudgetaed", Field::BudgetMax), ("maxprice", Field::BudgetMax),
    ("minbudget", Field::BudgetMin), ("budgetmin", Field::BudgetMin), ("minbudgetaed", Field::BudgetMin), ("minprice", Field::BudgetMin),
    ("area", Field::Locations), ("areas", Field::Locations), ("location", Field::Locations), ("locations", Field::Locations),
    ("community", Field::Locations), ("preferredarea", Field::Locations), ("preferredareas", Field::Locations),
    ("preferredlocation", Field::Locations), ("neighbourhood", Field::Locations), ("neighborhood", Field::Locations),
    ("propertytype", Field::PropertyType), ("type", Field::PropertyType), ("unittype", Field::PropertyType),
    ("bedrooms", Field::Bedrooms), ("beds", Field::Bedrooms), ("br", Field::Bedrooms), ("bedroom", Field::Bedrooms),
    ("purpose", Field::Purpose), ("buyrent", Field::Purpose), ("intent", Field::Purpose),
    ("language", Field::Language), ("lang", Field::Language),
    ("notes", Field::Notes), ("note", Field::Notes), ("comments", Field::Notes), ("comment", Field::Notes), ("message", Field::Notes),
    ("company", Field::Company), ("position", Field::Position), ("jobtitle", Field::Position), ("title", Field::Position),
    ("tags", Field::Tags), ("tag", Field::Tags),
];

fn fold_header(h: &str) -> String {
    h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The field a header feeds, if it is one we know: a common name, or a header the export
/// writes, in any of its three languages (so an exported book reads back).
pub fn field_for(header: &str) -> Option<Field> {
    let f = fold_header(header);
    SYNONYMS.iter().find(|(name, _)| *name == f).map(|(_, field)| *field).or_else(|| {
        let f = words::fold(header);
        crate::transfer::export::LEAD_COLUMNS
            .iter()
            .find(|(h, field)| field.is_some() && h.iter().any(|w| words::fold(w) == f))
            .and_then(|(_, field)| *field)
    })
}

/// A cell naming a code by its words (as the export writes them, in any of the three
/// languages) as that code; any other cell as it is, for validation to read or refuse.
fn code_of<T: Words + Copy>(cell: &str, code: impl Fn(T) -> &'static str) -> String {
    words::from_word::<T>(cell).map_or_else(|| cell.to_string(), |v| code(v).to_string())
}

/// A sheet read from a file: its header, its data rows with their row numbers in the file,
/// the mapping detected from the header (one entry per column), and for a CSV the encoding its
/// text was decoded from.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub format: &'static str,
    /// `utf-8`, `utf-16le`, `windows-1256`…; `None` for a spreadsheet (its text is Unicode).
    pub encoding: Option<String>,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<Field>>,
    #[serde(skip)]
    pub rows: Rows,
    pub total_rows: usize,
}

/// A sheet's data rows (after the header, blank rows left out), read as they are asked for.
/// A CSV's are parsed again from its decoded text, held once, each time they are walked: an
/// import of 1 000 000 rows then holds the file and the rows in flight, not every row's
/// cells besides the text they came from. A spreadsheet's cells come from its reader whole.
#[derive(Debug, Clone)]
pub enum Rows {
    Held(Grid),
    Csv { text: String, delimiter: u8, skip: usize },
}

impl Default for Rows {
    fn default() -> Rows {
        Rows::Held(Vec::new())
    }
}

impl Rows {
    /// The rows with their line numbers in the file, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (usize, Cells)> + Send + '_> {
        match self {
            Rows::Held(grid) => Box::new(grid.iter().cloned()),
            Rows::Csv { text, delimiter, skip } => Box::new(csv_rows(text.as_bytes(), *delimiter, *skip)),
        }
    }

    /// [`Rows::iter`], taking the rows along: the file's text goes as soon as its last row is
    /// read (before an import rebuilds its indexes, which wants the memory).
    pub fn into_rows(self) -> Box<dyn Iterator<Item = (usize, Cells)> + Send> {
        match self {
            Rows::Held(grid) => Box::new(grid.into_iter()),
            Rows::Csv { text, delimiter, skip } => Box::new(csv_rows(std::io::Cursor::new(text.into_bytes()), delimiter, skip)),
        }
    }
}

/// A CSV's data rows: its records after the first `skip`, blank ones left out. The text
/// parsed without an error when the table was read: the same parse again gives the same records.
fn csv_rows<R: std::io::Read + Send>(text: R, delimiter: u8, skip: usize) -> impl Iterator<Item = (usize, Cells)> + Send {
    csv_records(text, delimiter).map_while(|r| r.ok()).skip(skip).filter(|(_, cells)| !is_blank(cells))
}

fn is_blank(cells: &Cells) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// What an import did (SPEC §9).
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(rename = "ImportReport")]
pub struct Report {
    pub imported: usize,
    pub merged: usize,
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(rename = "RejectedRow")]
pub struct Rejected {
    pub row: usize,
    pub reason: String,
}

/// Reads `path` (`.csv`, `.xlsx`, `.xls`, `.xlsb` or `.ods`; `format` may force `linkedin`,
/// `csv` or `xlsx`), detecting a CSV's encoding.
pub fn read(path: &Path, format: &str) -> Result<Table> {
    read_with(path, format, "auto")
}

/// [`read`] with the encoding of a CSV chosen: `auto` detects it, or one of
/// [`decode::CHOICES`] (any WHATWG label). A spreadsheet ignores it.
///
/// Whatever the file holds, the answer is a table or an error: a file over the limits of
/// [`limits`] is refused before it is read, and a reader that panics on a malformed
/// spreadsheet is a validation error naming the file.
pub fn read_with(path: &Path, format: &str, encoding: &str) -> Result<Table> {
    let (kind, sheet) = read_sheet_or_csv(path, format, encoding)?;
    let mut table = match sheet {
        Sheet::Grid(grid) => from_grid(grid)?,
        Sheet::Csv { text, delimiter, encoding } => {
            let mut t = from_csv(text, delimiter)?;
            t.encoding = Some(encoding);
            t
        }
    };
    table.format = if kind == "xlsx" {
        "xlsx"
    } else if format == "linkedin" || is_linkedin(&table.headers) {
        "linkedin"
    } else {
        "csv"
    };
    Ok(table)
}

/// The cells of `path` as rows with their line numbers, under the same limits as an import,
/// with no header looked for: `("xlsx" | "csv", rows, the CSV's encoding)`. Also what reads a
/// Do Not Call Register list, which may be numbers alone.
pub fn read_grid(path: &Path, format: &str, encoding: &str) -> Result<(&'static str, Grid, Option<String>)> {
    match read_sheet_or_csv(path, format, encoding)? {
        (kind, Sheet::Grid(grid)) => Ok((kind, grid, None)),
        (kind, Sheet::Csv { text, delimiter, encoding }) => Ok((kind, parse_csv(&text, delimiter, None)?, Some(encoding))),
    }
}

/// What a file holds before its header is looked for: a spreadsheet's cells, or a CSV's
/// decoded text with its delimiter and encoding.
enum Sheet {
    Grid(Grid),
    Csv { text: String, delimiter: u8, encoding: String },
}

fn read_sheet_or_csv(path: &Path, format: &str, encoding: &str) -> Result<(&'static str, Sheet)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let kind = match (format, ext.as_str()) {
        ("auto", "xlsx" | "xlsm" | "xlsb" | "xls" | "ods") | ("xlsx", _) => "xlsx",
        ("auto", "csv" | "txt" | "tsv") | ("csv" | "linkedin", _) => "csv",
        ("auto", _) => return Err(Error::Usage(format!("cannot tell the format of {}; use --format csv|xlsx|linkedin", path.display()))),
        (other, _) => return Err(Error::Usage(format!("unknown format '{other}'; use auto, linkedin, csv or xlsx"))),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Io(std::io::Error::new(e.kind(), format!("{} does not exist", path.display()))))
        }
        Err(e) => return Err(e.into()),
    };
    if meta.is_dir() {
        return Err(Error::validation("file", format!("{} is a folder, not a file: choose the file to import", path.display())));
    }
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    if kind == "xlsx" {
        if meta.len() > limits::MAX_SHEET_FILE_BYTES {
            return Err(limits::too_big(&name, "a spreadsheet", limits::MAX_SHEET_FILE_BYTES));
        }
        Ok((kind, Sheet::Grid(read_sheet_guarded(path, &name)?)))
    } else {
        if meta.len() > limits::MAX_CSV_BYTES {
            return Err(limits::too_big(&name, "a CSV file", limits::MAX_CSV_BYTES));
        }
        let (text, delimiter, encoding) = read_csv(path, &name, encoding)?;
        Ok((kind, Sheet::Csv { text, delimiter, encoding }))
    }
}

fn is_linkedin(headers: &[String]) -> bool {
    let f: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
    ["firstname", "lastname", "connectedon"].iter().all(|k| f.iter().any(|h| h == k))
}

/// Rows with their 1-based line numbers as a spreadsheet shows them.
pub type Grid = Vec<(usize, Cells)>;

/// One row's cells in one allocation: their text end to end and where each ends. A file is
/// held whole while it is imported (one transaction), and a `String` per cell cost several
/// times the file (a header, a separate allocation and its slack for each of 13 000 000 cells
/// of a 1 000 000-row sheet); this holds the file's text once plus four bytes a cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Cells {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell in column `i`, if the row is that wide.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }

    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Cells {
    fn from_iter<I: IntoIterator<Item = S>>(cells: I) -> Cells {
        let mut text = String::new();
        let mut ends = Vec::new();
        for c in cells {
            text.push_str(c.as_ref());
            // A row is at most `limits::MAX_LINE_BYTES` long, far below 4 GB.
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        Cells { text: text.into_boxed_str(), ends: ends.into_boxed_slice() }
    }
}

/// The delimiters a CSV may use, in the order they are tried.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// Undoes the export's formula neutralisation (`'` before a leading `=`, `+`, `-`, `@`, tab or
/// CR, see [`crate::transfer::export::neutralise`]): the `'` is not part of the value.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Reads a CSV: decoded (see [`decode`]), its delimiter found by where a header row appears.
/// Returns the text, the delimiter and the encoding.
fn read_csv(path: &Path, name: &str, encoding: &str) -> Result<(String, u8, String)> {
    let bytes = std::fs::read(path)?;
    let decode::Decoded { text, encoding } = decode::decode(bytes, encoding, name)?;
    let text = crlf_to_lf(text)?;
    if let Some((i, _)) = text.split('\n').enumerate().find(|(_, l)| l.len() > limits::MAX_LINE_BYTES) {
        return Err(Error::validation(
            "file",
            format!("line {} of {name} is longer than {} MB: is it a CSV file?", i + 1, limits::MAX_LINE_BYTES / (1024 * 1024)),
        ));
    }
    let delimiter = DELIMITERS
        .iter()
        .copied()
        .find(|d| parse_csv(&text, *d, Some(50)).is_ok_and(|g| header_row(&g).is_some()))
        .unwrap_or(b',');
    Ok((text, delimiter, encoding))
}

/// CRLF becomes LF, in place, so the reader's line numbers are the file's (it miscounts CRLF
/// blank lines).
fn crlf_to_lf(text: String) -> Result<String> {
    if !text.contains("\r\n") {
        return Ok(text);
    }
    let mut bytes = text.into_bytes();
    let mut w = 0;
    for r in 0..bytes.len() {
        if bytes[r] == b'\r' && bytes.get(r + 1) == Some(&b'\n') {
            continue;
        }
        bytes[w] = bytes[r];
        w += 1;
    }
    bytes.truncate(w);
    // Only ASCII CRs were taken out: still UTF-8.
    String::from_utf8(bytes).map_err(|e| Error::internal_from("dropping CRs broke the text", e))
}

/// A CSV's records with their line numbers, one at a time.
fn csv_records<R: std::io::Read + Send>(text: R, delimiter: u8) -> impl Iterator<Item = Result<(usize, Cells)>> + Send {
    csv_reader(text, delimiter).into_records().map(|rec| {
        let rec = rec.map_err(|e| Error::validation("file", format!("not a readable CSV file: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        Ok((line, rec.iter().map(unneutralise).collect()))
    })
}

/// How every CSV is read: no header assumed (it is looked for), rows of any width.
fn csv_reader<R: std::io::Read>(text: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text)
}

fn parse_csv(text: &str, delimiter: u8, limit: Option<usize>) -> Result<Grid> {
    csv_records(text.as_bytes(), delimiter).take(limit.unwrap_or(usize::MAX)).collect()
}

/// Reads the first sheet of a spreadsheet, refusing what would cost too much (see
/// [`limits`]) and turning a panic of the reader on a malformed file into a validation error.
fn read_sheet_guarded(path: &Path, name: &str) -> Result<Grid> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_sheet(path, name))).unwrap_or_else(|_| {
        Err(Error::validation("file", format!("{name} is not a readable spreadsheet: it is damaged or not in a format Leadbook reads")))
    })
}

fn read_sheet(path: &Path, name: &str) -> Result<Grid> {
    use calamine::{Ods, Reader, Xls, Xlsb, Xlsx};
    use std::io::{BufReader, Cursor};
    let unreadable = |e: &dyn std::fmt::Display| Error::validation("file", format!("{name} is not a readable spreadsheet: {e}"));
    let bytes = std::fs::read(path)?;
    let first_sheet = |names: Vec<String>| names.into_iter().next().ok_or_else(|| Error::validation("file", format!("{name}: the workbook has no sheets")));
    let cannot_read = |sheet: &str, e: &dyn std::fmt::Display| Error::validation("file", format!("{name}: cannot read sheet '{sheet}': {e}"));
    // Xlsx and Xlsb stream their cells one by one through methods of the same names on two
    // types: a far-away cell costs one cell, never the rectangle up to it.
    macro_rules! stream_cells {
        ($open:expr) => {{
            let mut wb = $open.map_err(|e| unreadable(&e))?;
            let sheet = first_sheet(wb.sheet_names())?;
            let mut cells = wb.worksheet_cells_reader(&sheet).map_err(|e| cannot_read(&sheet, &e))?;
            let mut sparse = Vec::new();
            while let Some(c) = cells.next_cell().map_err(|e| cannot_read(&sheet, &e))? {
                push_cell(&mut sparse, c.get_position(), ref_text(c.get_value()), name)?;
            }
            sparse_to_grid(sparse, name)
        }};
    }
    if bytes.starts_with(b"PK") {
        let kind = limits::check_zip(Cursor::new(&bytes), name)?;
        let reader = BufReader::new(Cursor::new(bytes));
        match kind {
            limits::Zipped::Xlsx => stream_cells!(Xlsx::new(reader)),
            limits::Zipped::Xlsb => stream_cells!(Xlsb::new(reader)),
            limits::Zipped::Ods => {
                let mut wb = Ods::new(reader).map_err(|e| unreadable(&e))?;
                let sheet = first_sheet(wb.sheet_names())?;
                let range = wb.worksheet_range(&sheet).map_err(|e| cannot_read(&sheet, &e))?;
                Ok(range_to_grid(&range))
            }
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        limits::check_xls(&bytes, name)?;
        let mut wb = Xls::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
        let sheet = first_sheet(wb.sheet_names())?;
        let range = wb.worksheet_range(&sheet).map_err(|e| cannot_read(&sheet, &e))?;
        Ok(range_to_grid(&range))
    } else {
        Err(unreadable(&"it is neither an Excel workbook (.xlsx, .xls, .xlsb) nor an OpenDocument sheet (.ods)"))
    }
}

/// A cell kept while a sheet streams: row, column and its text (empty cells are not kept).
type SparseCell = (u32, u32, String);

fn push_cell(cells: &mut Vec<SparseCell>, (row, col): (u32, u32), text: String, name: &str) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    if cells.len() as u64 >= limits::MAX_CELLS {
        return Err(limits::too_many_cells(name, cells.len() as u64 + 1));
    }
    cells.push((row, col, text));
    Ok(())
}

/// The rows of a streamed sheet, each as wide as its last cell, columns counted from the
/// sheet's first; no row is made for an empty one, and the rows together hold at most
/// [`limits::MAX_CELLS`] cells.
fn sparse_to_grid(mut cells: Vec<SparseCell>, name: &str) -> Result<Grid> {
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let first_col = cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
    let mut held = 0u64;
    let mut grid: Vec<(usize, Vec<String>)> = Vec::new();
    for (row, col, text) in cells {
        let col = (col - first_col) as usize;
        let line = row as usize + 1;
        if grid.last().is_none_or(|(l, _)| *l != line) {
            grid.push((line, Vec::new()));
        }
        if let Some((_, cells)) = grid.last_mut() {
            if col >= cells.len() {
                held += (col + 1 - cells.len()) as u64;
                if held > limits::MAX_CELLS {
                    return Err(limits::too_many_cells(name, held));
                }
                cells.resize(col + 1, String::new());
            }
            cells[col] = text;
        }
    }
    Ok(grid.into_iter().map(|(line, cells)| (line, cells.into_iter().collect())).collect())
}

fn range_to_grid(range: &calamine::Range<calamine::Data>) -> Grid {
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    range.rows().enumerate().map(|(i, r)| (start_row + i + 1, r.iter().map(data_text).collect())).collect()
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn data_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => float_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_default(),
    }
}

fn ref_text(d: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match d {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_default(),
    }
}

/// The index of the header row: the first of the first 50 rows with two or more known column
/// names (LinkedIn puts notes above it).
fn header_row(grid: &Grid) -> Option<usize> {
    grid.iter().take(50).position(|(_, cells)| cells.iter().filter(|c| field_for(c).is_some()).count() >= 2)
}

/// The header (the first row with two or more known column names — LinkedIn puts notes above
/// it): its index, its names and the mapping of its columns.
fn find_header(first_rows: &Grid) -> Result<(usize, Vec<String>, Vec<Option<Field>>)> {
    let pos = header_row(first_rows)
        .ok_or_else(|| Error::validation("file", "no header row found: the first rows name no columns Leadbook knows (Name, Phone, Email, …)"))?;
    let headers: Vec<String> = first_rows[pos].1.iter().map(|h| h.trim().to_string()).collect();
    let mut mapping: Vec<Option<Field>> = headers.iter().map(|h| field_for(h)).collect();
    // A column mapped twice keeps its first use.
    for i in 0..mapping.len() {
        if mapping[..i].iter().any(|m| m.is_some() && *m == mapping[i]) {
            mapping[i] = None;
        }
    }
    Ok((pos, headers, mapping))
}

/// A spreadsheet's table: its header found and mapped, the rows after it kept.
fn from_grid(grid: Grid) -> Result<Table> {
    let (pos, headers, mapping) = find_header(&grid)?;
    let rows: Grid = grid.into_iter().skip(pos + 1).filter(|(_, cells)| !is_blank(cells)).collect();
    Ok(Table { format: "csv", encoding: None, total_rows: rows.len(), headers, mapping, rows: Rows::Held(rows) })
}

/// A CSV's table: its header found in the first rows, the rest read through once to count
/// them (and to find an unreadable record before anything is written), kept as text.
fn from_csv(text: String, delimiter: u8) -> Result<Table> {
    let (pos, headers, mapping) = find_header(&parse_csv(&text, delimiter, Some(50))?)?;
    // One record reused for the count: no row's cells are made here.
    let mut rdr = csv_reader(text.as_bytes(), delimiter);
    let (mut rec, mut read, mut total_rows) = (csv::ByteRecord::new(), 0usize, 0usize);
    while rdr.read_byte_record(&mut rec).map_err(|e| Error::validation("file", format!("not a readable CSV file: {e}")))? {
        read += 1;
        // The text is UTF-8 and the reader splits only at ASCII bytes: every cell is UTF-8.
        let blank = rec.iter().all(|c| std::str::from_utf8(c).is_ok_and(|c| c.trim().is_empty()));
        total_rows += usize::from(read > pos + 1 && !blank);
    }
    Ok(Table { format: "csv", encoding: None, total_rows, headers, mapping, rows: Rows::Csv { text, delimiter, skip: pos + 1 } })
}

/// `2,500,000`, `AED 2.5M`, `800k`, `1.2 million` → whole dirhams; `None` for blank. A cell
/// that is not an amount is a validation error on `field`.
pub fn parse_amount(field: &str, s: &str) -> Result<Option<i64>> {
    let t = s.trim().to_lowercase().replace(['\u{a0}', ' '], "");
    let t = t.trim_start_matches("aed").trim_end_matches("aed").trim_start_matches("dhs").trim_end_matches("dhs").replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    let (num, mult) = if let Some(n) = t.strip_suffix("million").or_else(|| t.strip_suffix("mn")).or_else(|| t.strip_suffix('m')) {
        (n, 1_000_000.0)
    } else if let Some(n) = t.strip_suffix('k') {
        (n, 1_000.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = num.parse().map_err(|_| Error::validation(field, format!("'{}' is not an amount", s.trim())))?;
    if !v.is_finite() || v < 0.0 || v * mult > 1e13 {
        return Err(Error::validation(field, format!("'{}' is not a sensible amount", s.trim())));
    }
    Ok(Some((v * mult).round() as i64))
}

/// One row as a [`LeadInput`] under `mapping`; `default_source` when the sheet has no source.
/// A cell that cannot be read as its field is a validation error naming the field.
pub fn row_to_input(cells: &Cells, mapping: &[Option<Field>], default_source: &str) -> Result<LeadInput> {
    let mut input = LeadInput { source: Some(default_source.to_string()), ..Default::default() };
    let (mut first, mut last, mut company, mut position) = (None, None, None, None);
    let mut notes: Vec<String> = Vec::new();
    for (i, field) in mapping.iter().enumerate() {
        let Some(field) = field else { continue };
        let v = cells.get(i).map(str::trim).unwrap_or("");
        if v.is_empty() {
            continue;
        }
        let s = Some(v.to_string());
        let number = |f: &str| parse_amount(f, v);
        match field {
            Field::Name => input.name = s,
            Field::FirstName => first = s,
            Field::LastName => last = s,
            Field::Email => input.email = s,
            Field::Phone => input.phone = s,
            Field::Whatsapp => input.whatsapp = s,
            Field::TelegramUsername => input.telegram_username = s,
            Field::LinkedinUrl => input.linkedin_url = s,
            Field::Source => input.source = Some(code_of(v, Source::as_str)),
            Field::BudgetMin => input.budget_min = number("budget_min")?,
            Field::BudgetMax => input.budget_max = number("budget_max")?,
            Field::Locations => input.locations = split_list(&v.replace(['،', ','], ";")),
            Field::PropertyType => input.property_type = Some(code_of(v, PropertyType::as_str)),
            Field::Bedrooms => {
                let b = v.to_lowercase();
                input.bedrooms = Some(if b == "studio" { 0 } else {
                    b.trim_end_matches(['+', ' ']).trim_end_matches("br").trim_end_matches("bed").trim().parse::<i64>()
                        .map_err(|_| Error::validation("bedrooms", format!("'{v}' is not a number of bedrooms")))?
                });
            }
            Field::Purpose => input.purpose = Some(code_of(v, Purpose::as_str)),
            Field::Language => input.language = Some(code_of(v, Language::as_str)),
            Field::Notes => notes.push(v.to_string()),
            Field::Company => company = s,
            Field::Position => position = s,
            Field::Tags => input.tags = split_list(&v.replace(',', ";")),
        }
    }
    if input.name.is_none() {
        input.name = match (first, last) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.or(l),
        };
    }
    match (position, company) {
        (Some(p), Some(c)) => notes.insert(0, format!("{p} at {c}")),
        (Some(p), None) => notes.insert(0, p),
        (None, Some(c)) => notes.insert(0, c),
        (None, None) => {}
    }
    if !notes.is_empty() {
        input.notes = Some(notes.join("\n"));
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_read_row_by_row_gives_the_rows_of_a_whole_parse() {
        let text = "Notes:\n\"Exported, with notes\"\n\nFirst Name,Last Name,Connected On,Email\nMary,Jones,01 Jan 2026,\n,,,\n\n\"Al, Noor\",\"Line\nbreak\",02 Jan 2026,n@x.ae\nOmar,,03 Jan 2026,\n";
        let table = from_csv(text.to_string(), b',').unwrap();
        let whole: Grid = parse_csv(text, b',', None).unwrap().into_iter().skip(3).filter(|(_, c)| !is_blank(c)).collect();
        assert_eq!(table.headers, ["First Name", "Last Name", "Connected On", "Email"]);
        assert_eq!(table.total_rows, 3);
        assert_eq!(table.rows.iter().collect::<Grid>(), whole, "walked twice, the same rows");
        let lines: Vec<usize> = table.rows.iter().map(|(line, _)| line).collect();
        assert_eq!((lines[0], lines[2]), (5, 10), "line numbers are the file's, after a quoted line break too");
        assert_eq!(table.rows.into_rows().collect::<Grid>(), whole, "taken along, the same rows");
    }

    #[test]
    fn amounts_are_read_as_agents_write_them() {
        for (s, v) in [("2,500,000", 2_500_000), ("AED 2.5M", 2_500_000), ("800k", 800_000), ("1.2 million", 1_200_000), ("950000 AED", 950_000)] {
            assert_eq!(parse_amount("budget_max", s).unwrap(), Some(v), "{s}");
        }
        assert_eq!(parse_amount("budget_max", "  ").unwrap(), None);
        assert!(parse_amount("budget_max", "lots").is_err());
        let e = parse_amount("budget_min", "-5").unwrap_err();
        assert_eq!((e.code(), e.field()), ("validation", Some("budget_min")));
    }

    #[test]
    fn headers_are_recognised_by_their_common_names() {
        assert_eq!(field_for("Mobile"), Some(Field::Phone));
        assert_eq!(field_for("Phone Number"), Some(Field::Phone));
        assert_eq!(field_for("WhatsApp"), Some(Field::Whatsapp));
        assert_eq!(field_for("Full Name"), Some(Field::Name));
        assert_eq!(field_for("Budget (AED)"), Some(Field::BudgetMax));
        assert_eq!(field_for("Community"), Some(Field::Locations));
        assert_eq!(field_for("Email Address"), Some(Field::Email));
        assert_eq!(field_for("Favourite colour"), None);
    }

    #[test]
    fn the_exports_own_headers_are_read_in_every_language() {
        for (header, field) in crate::transfer::export::LEAD_COLUMNS {
            for h in header {
                if let Some(field) = field {
                    assert_eq!(field_for(h), Some(*field), "{h}");
                }
            }
        }
        assert_eq!(field_for("نوع ملک"), Some(Field::PropertyType));
        assert_eq!(field_for("المصدر"), Some(Field::Source));
    }

    #[test]
    fn words_for_codes_are_read_as_the_codes() {
        let mapping = [Some(Field::Name), Some(Field::Source), Some(Field::PropertyType), Some(Field::Purpose), Some(Field::Language)];
        let row = |cells: [&str; 5]| row_to_input(&cells.into_iter().collect(), &mapping, "import").unwrap();
        let fa = row(["مریم", "معرفی", "آپارتمان", "خرید", "فارسی"]);
        let ar = row(["مريم", "توصية", "شقة", "إيجار", "العربية"]);
        let en = row(["Mary", "Walk-in", "Villa", "Buy", "English"]);
        let codes = |i: &LeadInput| (i.source.clone().unwrap(), i.property_type.clone().unwrap(), i.purpose.clone().unwrap(), i.language.clone().unwrap());
        assert_eq!(codes(&fa), ("referral".into(), "apartment".into(), "buy".into(), "fa".into()));
        assert_eq!(codes(&ar), ("referral".into(), "apartment".into(), "rent".into(), "ar".into()));
        assert_eq!(codes(&en), ("walk_in".into(), "villa".into(), "buy".into(), "en".into()));
        let code = row(["Mary", "property_finder", "apartment", "rent", "fa"]);
        assert_eq!(codes(&code), ("property_finder".into(), "apartment".into(), "rent".into(), "fa".into()), "codes still read as codes");
        assert_eq!(row(["Mary", "fax", "castle", "lease", "xx"]).source.as_deref(), Some("fax"), "an unknown word is left for validation to refuse");
    }
}
