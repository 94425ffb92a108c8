//! Writing many leads in one transaction: an import's rows, validated and prepared on a second
//! thread while this one writes, in row order (earlier rows win de-duplication). A big import
//! (from [`BULK_ROWS`] rows) into a smaller book drops and rebuilds the leads' secondary
//! indexes, keeps identity keys with their owners in memory, and skips row-by-row foreign-key
//! checks. One outcome per row; a cancel or failure keeps nothing.

use crate::error::Result;
use crate::leads::validate::{LeadFields, LeadInput};
use crate::leads::{self, AddOutcome};
use crate::store::Store;
use crate::transfer::import;
use crate::workflows;
use crate::workspace::Workspace;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// From this many rows on, an import into a smaller book rebuilds the leads' indexes at the end.
pub const BULK_ROWS: usize = 10_000;

/// Validates and adds many leads in one transaction, reporting how many rows are done every
/// 1 000 rows and stopping — with nothing kept — as soon as `cancel` is set. A row that fails
/// validation gets its error and changes nothing.
pub fn add_inputs(store: &mut Store, ws: &Workspace, rows: Vec<LeadInput>, progress: &mut dyn FnMut(usize), cancel: &AtomicBool) -> Result<Vec<Result<AddOutcome>>> {
    let region = ws.region();
    add_rows(store, ws, &rows, &|row: &LeadInput| crate::leads::validate::lead(row, region), progress, cancel)
}

/// Adds `rows` in one transaction, each turned into lead fields by `to_fields`. A second
/// thread validates and prepares each row (the lead it would be, scored, its search text and
/// match rows) while this one writes; one outcome per row, in order.
pub fn add_rows<T: Sync>(
    store: &mut Store,
    ws: &Workspace,
    rows: &[T],
    to_fields: &(dyn Fn(&T) -> Result<LeadFields> + Sync),
    progress: &mut dyn FnMut(usize),
    cancel: &AtomicBool,
) -> Result<Vec<Result<AddOutcome>>> {
    // One moment for the whole import: rows are scored on the other thread with it.
    let now = store.now();
    let (tx_rows, rx_rows) = std::sync::mpsc::sync_channel::<Vec<Result<leads::Prepared>>>(16);
    std::thread::scope(|s| {
        s.spawn(move || {
            for chunk in rows.chunks(512) {
                let batch = chunk.iter().map(|row| to_fields(row).map(|f| leads::Prepared::new(f, ws, now))).collect();
                if tx_rows.send(batch).is_err() {
                    break;
                }
            }
        });
        let bulk = rows.len() >= BULK_ROWS;
        // A big import checks no foreign keys row by row: every row it writes refers to the
        // workspace, the default campaign or the lead it has just written or found, in this
        // transaction (tests run `PRAGMA foreign_key_check` after one). The pragma only
        // changes outside a transaction, and is back on before this returns, whatever happened.
        if bulk {
            store.conn().execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let written = store.write(|tx, _| {
            // A big import into a smaller book rebuilds the leads' secondary indexes once at
            // the end (a sort) instead of updating them row by row, and keeps the book's
            // identity keys with their owners in memory, so de-duplicating a row needs no
            // lookup in `lead_keys`. Inside the transaction: other connections keep reading
            // the old, fully indexed snapshot.
            let existing: i64 = tx.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?;
            let small_book = bulk && existing < rows.len() as i64;
            // The same for the triggers keeping the leads' tallies: off for the rows, and the
            // workspace's tallies counted again once at the end (the only leads the import
            // writes are this workspace's). Indexes first, then triggers, in the schema's order.
            let rebuild: Vec<String> = if small_book {
                let sqls: Vec<(String, String, String)> = tx
                    .prepare(
                        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'leads' AND sql IS NOT NULL
                         ORDER BY type = 'trigger', rowid",
                    )?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                for (kind, name, _) in &sqls {
                    // Names come from our own schema, never from input.
                    let kind = if kind == "trigger" { "TRIGGER" } else { "INDEX" };
                    tx.execute_batch(&format!("DROP {kind} \"{name}\""))?;
                }
                sqls.into_iter().map(|(_, _, sql)| sql).collect()
            } else {
                vec![]
            };
            let mut known = if small_book { Some(leads::BulkKeys::load(tx, ws)?) } else { None };
            let plan = workflows::default_plan(tx, ws, now)?;
            let mut out = Vec::with_capacity(rows.len());
            for batch in rx_rows {
                if cancel.load(Ordering::Relaxed) {
                    return Err(crate::Error::Cancelled);
                }
                if out.len() % 1_000 < 512 {
                    progress(out.len());
                }
                for prepared in batch {
                    out.push(match prepared {
                        Ok(p) => Ok(workflows::add_prepared(tx, ws, p, now, plan, known.as_mut())?),
                        Err(e) => Err(e),
                    });
                }
            }
            for sql in &rebuild {
                tx.execute_batch(sql)?;
            }
            if small_book {
                leads::tallies::rebuild(tx, ws.id)?;
            }
            Ok(out)
        });
        if bulk {
            store.conn().execute_batch("PRAGMA foreign_keys = ON")?;
        }
        written
    })
}

/// Imports a CSV or XLSX file (SPEC §7) in one transaction. `mapping` overrides the
/// columns detected from the header (one entry per column).
pub fn import_file(
    store: &mut Store,
    ws: &Workspace,
    path: &Path,
    format: &str,
    mapping: Option<Vec<Option<import::Field>>>,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<import::Report> {
    import_file_with(store, ws, path, format, "auto", mapping, progress, cancel)
}

/// [`import_file`] with a CSV's encoding chosen (`auto` detects it; see [`import::read_with`]).
#[allow(clippy::too_many_arguments)]
pub fn import_file_with(
    store: &mut Store,
    ws: &Workspace,
    path: &Path,
    format: &str,
    encoding: &str,
    mapping: Option<Vec<Option<import::Field>>>,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<import::Report> {
    // libphonenumber's rules take a moment to load: on another thread while the file is read.
    let mut table = std::thread::scope(|s| {
        s.spawn(crate::model::normalize::load_phone_rules);
        import::read_with(path, format, encoding)
    })?;
    if let Some(m) = mapping {
        if m.len() != table.headers.len() {
            return Err(crate::Error::validation("mapping", format!("the mapping has {} columns, the file {}", m.len(), table.headers.len())));
        }
        table.mapping = m;
    }
    let source = if table.format == "linkedin" { "linkedin" } else { "import" };
    let mut report = import::Report::default();
    let total = table.total_rows;
    let region = ws.region();
    let mapping = &table.mapping;
    // Cells → input → fields on the preparing thread, beside the writing.
    let to_fields = |(_, cells): &(usize, import::Cells)| {
        let input = import::row_to_input(cells, mapping, source)?;
        crate::leads::validate::lead(&input, region)
    };
    let results = add_rows(store, ws, &table.rows, &to_fields, &mut |done| progress(done, total), cancel)?;
    for ((row, _), r) in table.rows.iter().map(|(line, cells)| (*line, cells)).zip(results) {
        match r {
            Ok(o) if o.created => report.imported += 1,
            Ok(_) => report.merged += 1,
            Err(e) => report.rejected.push(import::Rejected {
                row,
                reason: match e.field() {
                    Some(f) => format!("{f}: {e}"),
                    None => e.to_string(),
                },
            }),
        }
    }
    report.rejected.sort_by_key(|r| r.row);
    progress(total, total);
    Ok(report)
}
