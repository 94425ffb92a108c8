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
    let mut out = Vec::with_capacity(rows.len());
    add_each(store, ws, rows.len(), rows.iter(), &|row: &&T| to_fields(row), progress, cancel, &mut |_, o| out.push(o))?;
    Ok(out)
}

/// [`add_rows`] for rows that come one at a time (a file read as it is imported): `total` is
/// how many `rows` will give, and `outcome` gets each row back with what became of it, in
/// order, so nothing proportional to the file is held here.
#[allow(clippy::too_many_arguments)]
pub fn add_each<T: Send>(
    store: &mut Store,
    ws: &Workspace,
    total: usize,
    rows: impl Iterator<Item = T> + Send,
    to_fields: &(dyn Fn(&T) -> Result<LeadFields> + Sync),
    progress: &mut dyn FnMut(usize),
    cancel: &AtomicBool,
    outcome: &mut dyn FnMut(T, Result<AddOutcome>),
) -> Result<()> {
    // One moment for the whole import: rows are scored on the other thread with it.
    let now = store.now();
    type Batch<T> = Vec<(T, Result<leads::Prepared>)>;
    let (tx_rows, rx_rows) = std::sync::mpsc::sync_channel::<Batch<T>>(16);
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut rows = rows.peekable();
            while rows.peek().is_some() {
                let batch: Batch<T> = rows
                    .by_ref()
                    .take(512)
                    .map(|row| {
                        let prepared = to_fields(&row).map(|f| leads::Prepared::new(f, ws, now));
                        (row, prepared)
                    })
                    .collect();
                if tx_rows.send(batch).is_err() {
                    break;
                }
            }
        });
        let bulk = total >= BULK_ROWS;
        // A big import checks no foreign keys row by row: every row it writes refers to the
        // workspace, the default campaign or the lead it has just written or found, in this
        // transaction (tests run `PRAGMA foreign_key_check` after one). The pragma only
        // changes outside a transaction, and is back on before this returns, whatever happened.
        // Its index rebuild sorts every lead: in temporary files (the operating system's cache)
        // rather than the connection's memory, which holds the other temporary b-trees.
        if bulk {
            store.conn().execute_batch("PRAGMA foreign_keys = OFF; PRAGMA temp_store = FILE")?;
        }
        let written = store.write(|tx, _| {
            // A big import into a smaller book rebuilds the leads' secondary indexes once at
            // the end (a sort) instead of updating them row by row, and keeps the book's
            // identity keys with their owners in memory, so de-duplicating a row needs no
            // lookup in `lead_keys`. Inside the transaction: other connections keep reading
            // the old, fully indexed snapshot.
            let existing: i64 = tx.query_row("SELECT count(*) FROM leads", [], |r| r.get(0))?;
            let small_book = bulk && existing < total as i64;
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
            let mut done = 0usize;
            for batch in rx_rows {
                if cancel.load(Ordering::Relaxed) {
                    return Err(crate::Error::Cancelled);
                }
                if done % 1_000 < 512 {
                    progress(done);
                }
                done += batch.len();
                for (row, prepared) in batch {
                    let o = match prepared {
                        Ok(p) => Ok(workflows::add_prepared(tx, ws, p, now, plan, known.as_mut())?),
                        Err(e) => Err(e),
                    };
                    outcome(row, o);
                }
            }
            // The identity keys held in memory go into `lead_keys` in its order, and their room
            // to the index sorts.
            if let Some(keys) = known.as_mut() {
                keys.write(tx, ws)?;
            }
            drop(known);
            for sql in &rebuild {
                tx.execute_batch(sql)?;
            }
            if small_book {
                leads::tallies::rebuild(tx, ws.id)?;
            }
            Ok(())
        });
        if bulk {
            store.conn().execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")?;
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
    let import::Table { rows, mapping, total_rows: total, .. } = table;
    let region = ws.region();
    let mapping = &mapping;
    // Cells → input → fields on the preparing thread, beside the writing; each row is read
    // from the file's text as it is needed and gone once written.
    let to_fields = |(_, cells): &(usize, import::Cells)| {
        let input = import::row_to_input(cells, mapping, source)?;
        crate::leads::validate::lead(&input, region)
    };
    let mut count = |(row, _): (usize, import::Cells), r: Result<AddOutcome>| match r {
        Ok(o) if o.created => report.imported += 1,
        Ok(_) => report.merged += 1,
        Err(e) => report.rejected.push(import::Rejected {
            row,
            reason: match e.field() {
                Some(f) => format!("{f}: {e}"),
                None => e.to_string(),
            },
        }),
    };
    add_each(store, ws, total, rows.into_rows(), &to_fields, &mut |done| progress(done, total), cancel, &mut count)?;
    report.rejected.sort_by_key(|r| r.row);
    progress(total, total);
    Ok(report)
}
