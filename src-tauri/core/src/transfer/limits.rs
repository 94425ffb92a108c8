//! What an imported file may cost, checked before it is read. A spreadsheet says how big it is
//! in ways a reader believes (a declared dimension, repeated rows, zip entries, the sector
//! chains of an `.xls`) and a hostile or broken one lies: a 1.5 KB `.xlsx` with cells at A1 and
//! XFD1048576 asked for 512 GB. These checks look at what the file declares — and, for zip
//! entries, at what they really inflate to — and refuse it, naming the file and the limit,
//! before the reader allocates anything by it.

use crate::error::{Error, Result};
use std::io::{Read, Seek};

/// The largest CSV read (it is read whole, then decoded: about twice this at the peak).
pub const MAX_CSV_BYTES: u64 = 200 * 1024 * 1024;
/// The longest physical line of a CSV.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// The largest spreadsheet file.
pub const MAX_SHEET_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// What the entries of an `.xlsx`, `.xlsb` or `.ods` may inflate to, all together.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;
/// The most entries in a zipped workbook.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most cells a workbook may make its reader hold (the sheets' spans, empty cells
/// included): about 100 bytes each at worst, so some 300 MB.
pub const MAX_CELLS: u64 = 3_000_000;

fn mib(n: u64) -> u64 {
    n / (1024 * 1024)
}

/// `file` is over the size limit `limit` for `what`.
pub fn too_big(file: &str, what: &str, limit: u64) -> Error {
    Error::validation("file", format!("{file} is too large to import: {what} may be at most {} MB", mib(limit)))
}

/// `file` would make the reader hold `cells` cells.
pub fn too_many_cells(file: &str, cells: u64) -> Error {
    Error::validation(
        "file",
        format!("{file} spans too many cells to import ({cells}; at most {MAX_CELLS}): copy the leads into a new sheet or save them as CSV"),
    )
}

fn broken(file: &str, why: impl std::fmt::Display) -> Error {
    Error::validation("file", format!("{file} is not a readable spreadsheet: {why}"))
}

/// What a zipped workbook holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zipped {
    Xlsx,
    Xlsb,
    Ods,
}

/// Checks a zipped workbook: at most [`MAX_ZIP_ENTRIES`] entries that together really inflate
/// to at most [`MAX_UNZIPPED_BYTES`] (each is inflated here and counted, since an entry's
/// declared size is not a bound on what it inflates to), and for an `.ods` the cells its
/// repeated rows and columns stand for. Says which kind of workbook it is.
pub fn check_zip<R: Read + Seek>(reader: R, file: &str) -> Result<Zipped> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| broken(file, e))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(broken(file, format!("it has {} parts (at most {MAX_ZIP_ENTRIES})", zip.len())));
    }
    let mut total = 0u64;
    let mut kind = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| broken(file, e))?;
        match entry.name() {
            "xl/workbook.bin" => kind = Some(Zipped::Xlsb),
            "content.xml" => kind = kind.or(Some(Zipped::Ods)),
            n if n.starts_with("xl/") || n == "[Content_Types].xml" => kind = kind.or(Some(Zipped::Xlsx)),
            _ => {}
        }
        let left = MAX_UNZIPPED_BYTES - total;
        let n = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink()).map_err(|e| broken(file, e))?;
        total += n;
        if total > MAX_UNZIPPED_BYTES {
            return Err(Error::validation(
                "file",
                format!("{file} is too large to import: its parts inflate to more than {} MB", mib(MAX_UNZIPPED_BYTES)),
            ));
        }
    }
    let kind = kind.ok_or_else(|| broken(file, "it is a zip file with no workbook in it"))?;
    if kind == Zipped::Ods {
        let content = zip.by_name("content.xml").map_err(|e| broken(file, e))?;
        check_ods_content(std::io::BufReader::new(content), file)?;
    }
    Ok(kind)
}

/// The cells an `.ods` sheet's reader will hold: ODS writes runs of equal cells and rows once
/// with a repeat count (`table:number-columns-repeated`, `table:number-rows-repeated`), which
/// the reader expands between the first and the last cell that has a value. Counted as the
/// reader counts them (rows up to 1 048 576, columns up to 16 384): the span of each sheet and
/// every row as written.
pub fn check_ods_content<R: std::io::BufRead>(reader: R, file: &str) -> Result<()> {
    use quick_xml::events::Event;
    const MAX_ROWS: u64 = 1_048_576;
    const MAX_COLUMNS: u64 = 16_384;
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let repeat = |e: &quick_xml::events::BytesStart<'_>, key: &[u8]| -> u64 {
        e.attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| std::str::from_utf8(&a.value).ok().and_then(|v| v.trim().parse::<u64>().ok()))
            .unwrap_or(1)
    };
    let has_value = |e: &quick_xml::events::BytesStart<'_>| {
        e.attributes().with_checks(false).flatten().any(|a| matches!(a.key.as_ref(), b"office:value-type" | b"table:formula"))
    };
    // The sheet's rows so far, its first and last row with a value, its widest such row;
    // the row's columns so far and its width up to its last cell with a value.
    let (mut rows, mut first, mut last, mut widest) = (0u64, None::<u64>, 0u64, 0u64);
    let (mut row_repeat, mut cols, mut width) = (1u64, 0u64, 0u64);
    let mut held = 0u64;
    loop {
        let event = xml.read_event_into(&mut buf).map_err(|e| broken(file, e))?;
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"table:table-row" => {
                        if width > 0 {
                            first.get_or_insert(rows);
                            last = rows + row_repeat - 1;
                            widest = widest.max(width);
                            // Each row as written is held once before the span is built.
                            held += width;
                        }
                        rows = (rows + row_repeat).min(MAX_ROWS);
                    }
                    b"table:table" => {
                        if let Some(f) = first {
                            held += (last.saturating_sub(f) + 1).saturating_mul(widest);
                        }
                        (rows, first, last, widest) = (0, None, 0, 0);
                    }
                    _ => {}
                }
                if held > MAX_CELLS {
                    return Err(too_many_cells(file, held));
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        match e.name().as_ref() {
            b"table:table-row" => {
                row_repeat = repeat(e, b"table:number-rows-repeated").clamp(1, MAX_ROWS - rows.min(MAX_ROWS - 1));
                (cols, width) = (0, 0);
                if empty {
                    rows = (rows + row_repeat).min(MAX_ROWS);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                cols = (cols + repeat(e, b"table:number-columns-repeated")).min(MAX_COLUMNS);
                // A cell with content of its own (a paragraph) counts as a value too.
                if has_value(e) || !empty {
                    width = cols;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// The sector ids of a compound file that end a chain or mark free sectors.
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An `.xls` file (a compound file holding a BIFF workbook stream), checked the way its reader
/// will walk it: every sector id it will follow inside the file, no chain running in a circle,
/// no declared length past the file's end, then the cells each sheet's records span. The file's
/// bytes are `bytes`.
pub fn check_xls(bytes: &[u8], file: &str) -> Result<()> {
    let bad = |why: &str| broken(file, why);
    let header = bytes.get(..512).ok_or_else(|| bad("it is too short"))?;
    if header[..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        return Err(bad("it is not an Excel 97–2003 file"));
    }
    let size: usize = match u16_at(header, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err(bad("its sector size is invalid")),
    };
    let body = bytes.get(size..).ok_or_else(|| bad("it is too short"))?;
    let sectors = body.len().div_ceil(size);
    let n = |at: usize| u32_at(header, at).unwrap_or(u32::MAX) as usize;
    let (dir_len, fat_len, mini_fat_len) = (n(40), n(44), n(64));
    // The reader reserves room by these counts (one of them read across two fields).
    if fat_len > sectors || mini_fat_len > sectors || dir_len > sectors || n(62) > 16 * 1024 * 1024 {
        return Err(bad("its header declares more sectors than the file has"));
    }
    let sector = |id: u32| -> Result<&[u8]> {
        let start = (id as usize).checked_mul(size).filter(|_| (id as usize) < sectors).ok_or_else(|| bad("a sector is outside the file"))?;
        Ok(&body[start..(start + size).min(body.len())])
    };
    let ids = |s: &[u8]| s.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<u32>>();
    // The DIFAT: the header's 109 entries, then a chain of sectors whose last entry is the next.
    let mut difat = ids(&header[76..512]);
    let mut next = n(68) as u32;
    let mut steps = 0;
    while next < MAXREGSECT {
        steps += 1;
        if steps > sectors {
            return Err(bad("its sector table runs in a circle"));
        }
        difat.extend(ids(sector(next)?));
        next = difat.pop().unwrap_or(ENDOFCHAIN);
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fat.extend(ids(sector(id)?));
    }
    // A chain of sectors (or of 64-byte mini sectors in `mini`), whole, as the reader reads it.
    let chain = |start: u32, table: &[u32], mini: Option<&[u8]>| -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0;
        while id != ENDOFCHAIN {
            steps += 1;
            let next = *table.get(id as usize).ok_or_else(|| bad("a sector chain leaves the file"))?;
            match mini {
                Some(m) => out.extend_from_slice(m.get(id as usize * 64..(id as usize + 1) * 64).unwrap_or_default()),
                None => out.extend_from_slice(sector(id)?),
            }
            if steps > table.len() {
                return Err(bad("a sector chain runs in a circle"));
            }
            id = next;
        }
        Ok(out)
    };
    let dirs = chain(n(48) as u32, &fat, None)?;
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks(128)
        .filter(|c| c.len() == 128)
        .map(|c| {
            let name: Vec<u16> = c[..64].chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).take_while(|u| *u != 0).collect();
            let len = if size == 512 { u32_at(c, 120).unwrap_or(0) as u64 } else { u64::from_le_bytes(c[120..128].try_into().unwrap_or([0; 8])) };
            (String::from_utf16_lossy(&name), u32_at(c, 116).unwrap_or(ENDOFCHAIN), len)
        })
        .collect();
    let root = entries.first().ok_or_else(|| bad("it has no root directory"))?;
    if entries.iter().any(|(_, _, len)| *len > bytes.len() as u64) {
        return Err(bad("a stream is declared longer than the file"));
    }
    if entries.iter().any(|(name, ..)| name == "_VBA_PROJECT_CUR") {
        return Err(Error::validation("file", format!("{file} has macros, which Leadbook does not read: save the sheet as .xlsx or .csv and import that")));
    }
    let (mini_fat, mini) = if mini_fat_len > 0 {
        (ids(&chain(n(60) as u32, &fat, None)?), chain(root.1, &fat, None)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let (_, start, len) = entries
        .iter()
        .find(|(name, ..)| name == "Workbook")
        .or_else(|| entries.iter().find(|(name, ..)| name == "Book"))
        .ok_or_else(|| bad("it has no workbook stream"))?;
    let mut stream = if *len < 4096 { chain(*start, &mini_fat, Some(&mini))? } else { chain(*start, &fat, None)? };
    stream.truncate(*len as usize);
    check_biff(&stream, file)
}

/// The records of a BIFF sheet, as `(type, data)`, up to its end or the stream's.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = u16_at(rest, 2)? as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The cells a BIFF workbook's sheets make the reader hold: for each sheet (found as the
/// reader finds them, by the workbook's BoundSheet records) the room it reserves by the sheet's
/// declared dimension and the span of its cell records, for its values and its formulas.
fn check_biff(stream: &[u8], file: &str) -> Result<()> {
    let mut starts = Vec::new();
    for (typ, data) in records(stream) {
        match typ {
            0x0085 => starts.push(u32_at(data, 0).unwrap_or(u32::MAX) as usize),
            0x000A => break,
            _ => {}
        }
    }
    let mut held = 0u64;
    for start in starts {
        let Some(sheet) = stream.get(start..) else { continue };
        let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
        let mut declared = 0u64;
        let mut scanned = 0usize;
        for (typ, data) in records(sheet) {
            scanned += 4 + data.len();
            let at = |row: Option<u16>, col: Option<u16>, (r0, r1, c0, c1): (&mut u32, &mut u32, &mut u32, &mut u32)| {
                if let (Some(r), Some(c)) = (row, col) {
                    (*r0, *r1, *c0, *c1) = ((*r0).min(r as u32), (*r1).max(r as u32), (*c0).min(c as u32), (*c1).max(c as u32));
                }
            };
            match typ {
                0x0200 => {
                    let (rf, rl, cf, cl) = match data.len() {
                        10 => (u16_at(data, 0).map(u32::from), u16_at(data, 2).map(u32::from), u16_at(data, 4), u16_at(data, 6)),
                        14 => (u32_at(data, 0), u32_at(data, 4), u16_at(data, 8), u16_at(data, 10)),
                        _ => (None, None, None, None),
                    };
                    if let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf.map(u32::from), cl.map(u32::from)) {
                        // As the reader computes its reservation, wrapping included.
                        let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                        let (rows, cols) = if rl >= 1 && cl >= 1 {
                            ((rl - 1).wrapping_sub(rf).wrapping_add(1), (cl - 1).wrapping_sub(cf).wrapping_add(1))
                        } else {
                            (1, 1)
                        };
                        declared = declared.max((rows as u64).saturating_mul(cols as u64));
                    }
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    at(u16_at(data, 0), u16_at(data, 2), (&mut r0, &mut r1, &mut c0, &mut c1));
                }
                0x00BD => {
                    at(u16_at(data, 0), u16_at(data, 2), (&mut r0, &mut r1, &mut c0, &mut c1));
                    at(u16_at(data, 0), data.len().checked_sub(2).and_then(|i| u16_at(data, i)), (&mut r0, &mut r1, &mut c0, &mut c1));
                }
                0x000A => break,
                _ => {}
            }
        }
        let span = if r0 <= r1 && c0 <= c1 { (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64 } else { 0 };
        // Values and formulas each get the span; the reservation is made first.
        held = held.saturating_add(declared).saturating_add(span.saturating_mul(2));
        if held > MAX_CELLS || scanned > stream.len() {
            return Err(too_many_cells(file, held));
        }
    }
    Ok(())
}
