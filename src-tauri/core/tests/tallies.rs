//! The leads' tallies (issue #19): the counts the dashboard and the lead list read instead of
//! counting the book agree with a full count after every kind of change, from any connection,
//! and after an import that failed half-way.

use leadbook_core::leads::tallies::{self, Hours};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::leads::LeadQuery;
use leadbook_core::model::{Grade, Source, Status};
use leadbook_core::tasks::calls::CallOutcome;
use leadbook_core::workspace::Workspace;
use leadbook_core::{synth, Book, Clock, FixedClock};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn lead(name: &str, phone: &str, source: &str) -> LeadInput {
    LeadInput { name: Some(name.into()), phone: Some(phone.into()), source: Some(source.into()), budget_max: Some(1_500_000), ..Default::default() }
}

type Cells = BTreeMap<(String, String, i64, bool), i64>;

/// The tallies of `ws` as kept, and as a full count of its leads makes them.
fn kept_and_counted(conn: &Connection, ws: &Workspace) -> (Cells, Cells) {
    let kept = tallies::all(conn, ws).unwrap().into_iter().map(|t| ((t.status, t.source, t.score.unwrap_or(-1), t.do_not_market), t.n)).collect();
    let mut stmt = conn
        .prepare(
            "SELECT status, source, coalesce(score, -1), do_not_market_at IS NOT NULL, count(*) FROM leads
             WHERE workspace_id = ?1 GROUP BY 1, 2, 3, 4",
        )
        .unwrap();
    let counted = stmt.query_map([ws.id], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))).unwrap().map(Result::unwrap).collect();
    (kept, counted)
}

type Hourly = BTreeMap<(String, String, String), i64>;

fn hours_kept_and_counted(conn: &Connection, ws: &Workspace) -> (Hourly, Hourly) {
    let mut stmt = conn.prepare("SELECT kind, hour, source, n FROM lead_hours WHERE workspace_id = ?1 AND n <> 0").unwrap();
    let kept = stmt.query_map([ws.id], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))).unwrap().map(Result::unwrap).collect();
    let mut stmt = conn
        .prepare(
            "SELECT 'created', substr(created_at, 1, 13), '', count(*) FROM leads WHERE workspace_id = ?1 GROUP BY 2
             UNION ALL SELECT 'next', substr(next_followup_at, 1, 13), '', count(*) FROM leads
               WHERE workspace_id = ?1 AND next_followup_at IS NOT NULL GROUP BY 2
             UNION ALL SELECT 'unanswered', substr(coalesce(arrived_at, created_at), 1, 13), source, count(*) FROM leads
               WHERE workspace_id = ?1 AND first_answered_at IS NULL GROUP BY 2, 3",
        )
        .unwrap();
    let counted = stmt.query_map([ws.id], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))).unwrap().map(Result::unwrap).collect();
    (kept, counted)
}

/// Every count the tallies answer equals the full count, for `ws`, through `conn`.
fn assert_agree(conn: &Connection, ws: &Workspace, after: &str) {
    let (kept, counted) = kept_and_counted(conn, ws);
    assert_eq!(kept, counted, "lead_tallies after {after}");
    let (kept, counted) = hours_kept_and_counted(conn, ws);
    assert_eq!(kept, counted, "lead_hours after {after}");
    // The lead list's totals without search, for every single filter.
    let full = |sql: &str| -> i64 { conn.query_row(&format!("SELECT count(*) FROM leads WHERE workspace_id = ?1 {sql}"), [ws.id], |r| r.get(0)).unwrap() };
    assert_eq!(tallies::count(conn, ws, None, None, None, None).unwrap(), full(""), "total after {after}");
    for g in Grade::ALL {
        let (lo, hi) = g.score_range();
        assert_eq!(tallies::count(conn, ws, Some(*g), None, None, None).unwrap(), full(&format!("AND score BETWEEN {lo} AND {hi}")), "grade {g} after {after}");
    }
    for s in Status::ALL {
        assert_eq!(tallies::count(conn, ws, None, Some(*s), None, None).unwrap(), full(&format!("AND status = '{s}'")), "status {s} after {after}");
    }
    for s in Source::ALL {
        assert_eq!(tallies::count(conn, ws, None, None, Some(*s), Some(false)).unwrap(), full(&format!("AND source = '{s}' AND do_not_market_at IS NULL")), "source {s} after {after}");
    }
    // Counts between times, whole hours and partial ones.
    let t = |s: &str| leadbook_core::clock::parse_time(s).unwrap();
    for (from, to) in [
        (None, Some(t("2026-03-01T10:30:00Z"))),
        (Some(t("2026-03-01T09:15:00Z")), Some(t("2026-03-03T10:45:30Z"))),
        (Some(t("2026-03-01T10:00:00Z")), Some(t("2026-03-01T10:00:01Z"))),
        (Some(t("2026-02-20T00:00:00Z")), None),
    ] {
        let bound = |col: &str| {
            let mut s = String::new();
            if let Some(f) = from {
                s.push_str(&format!(" AND {col} >= '{}'", leadbook_core::clock::fmt_time(f)));
            }
            if let Some(e) = to {
                s.push_str(&format!(" AND {col} < '{}'", leadbook_core::clock::fmt_time(e)));
            }
            s
        };
        assert_eq!(tallies::between(conn, ws, Hours::Created, &[], from, to).unwrap(), full(&bound("created_at")), "created {from:?}–{to:?} after {after}");
        assert_eq!(
            tallies::between(conn, ws, Hours::NextFollowup, &[], from, to).unwrap(),
            full(&format!("AND next_followup_at IS NOT NULL {}", bound("next_followup_at"))),
            "next follow-up {from:?}–{to:?} after {after}"
        );
        assert_eq!(
            tallies::between(conn, ws, Hours::Unanswered, &[Source::Portal, Source::Whatsapp], from, to).unwrap(),
            full(&format!("AND first_answered_at IS NULL AND source IN ('portal', 'whatsapp') {}", bound("coalesce(arrived_at, created_at)"))),
            "unanswered {from:?}–{to:?} after {after}"
        );
    }
}

fn book() -> (Book, Arc<FixedClock>, Workspace) {
    let clock = Arc::new(FixedClock::at("2026-03-01T10:00:00Z"));
    let book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, clock, ws)
}

#[test]
fn the_tallies_agree_with_a_full_count_after_every_kind_of_change() {
    let (mut book, clock, ws) = book();
    assert_agree(book.conn(), &ws, "nothing");
    let a = book.add_lead(&ws, &lead("Aisha Khan", "050 123 4567", "portal")).unwrap().id;
    clock.advance(chrono::Duration::minutes(47));
    let b = book.add_lead(&ws, &lead("Omar Haddad", "052 765 4321", "whatsapp")).unwrap().id;
    let c = book.add_lead(&ws, &LeadInput { name: Some("محمد المنصوري".into()), source: Some("referral".into()), ..Default::default() }).unwrap().id;
    assert_agree(book.conn(), &ws, "adds");
    // A duplicate merges into the lead it repeats.
    book.add_lead(&ws, &lead("Aisha K.", "+971501234567", "website")).unwrap();
    assert_agree(book.conn(), &ws, "an add that merged");
    book.update_lead(&ws, b, &LeadInput { budget_max: Some(9_000_000), ..lead("Omar Haddad", "052 765 4321", "telegram") }).unwrap();
    assert_agree(book.conn(), &ws, "an edit of source and budget");
    book.set_status(&ws, a, Status::Qualified).unwrap();
    book.set_status(&ws, c, Status::Won).unwrap();
    assert_agree(book.conn(), &ws, "status changes");
    clock.advance(chrono::Duration::hours(3));
    book.log_call(&ws, b, CallOutcome::Answered, None, None).unwrap();
    book.record_reply(&ws, a, "yes please, call me", None).unwrap();
    assert_agree(book.conn(), &ws, "a call and a reply");
    book.set_do_not_market(&ws, b, true, "asked on the call").unwrap();
    assert_agree(book.conn(), &ws, "do not market");
    book.merge_leads(&ws, a, b).unwrap();
    assert_agree(book.conn(), &ws, "a merge by hand");
    // A small import writes row by row with the triggers on; a big one (10 000 rows and more)
    // with them off and the tallies counted again at the end.
    let rows: Vec<LeadInput> = synth::leads(300, 7).iter().map(synth::Row::to_input).collect();
    book.add_inputs(&ws, rows).unwrap();
    assert_agree(book.conn(), &ws, "a small import");
    clock.advance(chrono::Duration::days(2));
    let rows: Vec<LeadInput> = synth::leads(10_000, 42).iter().map(synth::Row::to_input).collect();
    book.add_inputs(&ws, rows).unwrap();
    assert_agree(book.conn(), &ws, "a bulk import");
    assert_eq!(book.dashboard(&ws).unwrap().total_leads, tallies::count(book.conn(), &ws, None, None, None, None).unwrap());
    book.followup_tick(&ws).unwrap();
    assert_agree(book.conn(), &ws, "a follow-up tick");
    // Another workspace's leads are counted apart, and go with it.
    let other = book.add_workspace("Agency", None).unwrap();
    book.add_lead(&other, &lead("Reza Karimi", "055 111 2222", "portal")).unwrap();
    assert_agree(book.conn(), &other, "an add in another workspace");
    assert_agree(book.conn(), &ws, "an add in another workspace");
    book.conn().execute("DELETE FROM workspaces WHERE id = ?1", [other.id]).unwrap();
    let left: i64 = book.conn().query_row("SELECT count(*) FROM lead_tallies WHERE workspace_id = ?1", [other.id], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "a deleted workspace's tallies go with it");
    assert_agree(book.conn(), &ws, "a workspace deleted");
}

#[test]
fn the_lead_list_total_is_the_count_of_what_it_filters() {
    let (mut book, _, ws) = book();
    let rows: Vec<LeadInput> = synth::leads(2_000, 3).iter().map(synth::Row::to_input).collect();
    book.add_inputs(&ws, rows).unwrap();
    for q in [
        LeadQuery::default(),
        LeadQuery { grade: Some(Grade::B), ..Default::default() },
        LeadQuery { status: Some(Status::New), source: Some(Source::Portal), ..Default::default() },
        LeadQuery { do_not_market: Some(false), grade: Some(Grade::D), ..Default::default() },
    ] {
        let all = book.list_leads(&ws, &q).unwrap();
        let page = book.list_leads(&ws, &LeadQuery { limit: Some(50), ..q.clone() }).unwrap();
        assert_eq!(page.total, all.rows.len() as i64, "{q:?}");
        assert_eq!(all.total, all.rows.len() as i64, "{q:?}");
    }
}

#[test]
fn two_books_on_one_file_keep_one_set_of_tallies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.db");
    let clock = Arc::new(FixedClock::at("2026-03-01T10:00:00Z"));
    let mut one = Book::open(&path, clock.clone()).unwrap();
    let mut two = Book::open(&path, clock.clone()).unwrap();
    let ws = one.workspace("Default").unwrap();
    let mut ids = vec![];
    for i in 0..40 {
        let book = if i % 2 == 0 { &mut one } else { &mut two };
        ids.push(book.add_lead(&ws, &lead(&format!("Lead {i}"), &format!("050 100 {i:04}"), if i % 3 == 0 { "portal" } else { "referral" })).unwrap().id);
    }
    for (i, id) in ids.iter().enumerate().step_by(3) {
        let book = if i % 2 == 0 { &mut two } else { &mut one };
        book.set_status(&ws, *id, Status::Contacted).unwrap();
    }
    one.merge_leads(&ws, ids[0], ids[1]).unwrap();
    two.log_call(&ws, ids[4], CallOutcome::NoAnswer, None, None).unwrap();
    assert_agree(one.conn(), &ws, "writes from two connections, read by one");
    assert_agree(two.conn(), &ws, "writes from two connections, read by the other");
    assert_eq!(one.dashboard(&ws).unwrap().by_status, two.dashboard(&ws).unwrap().by_status);
}

#[test]
fn a_cancelled_bulk_import_leaves_the_tallies_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.db");
    let clock = Arc::new(FixedClock::at("2026-03-01T10:00:00Z"));
    let mut book = Book::open(&path, clock).unwrap();
    let ws = book.workspace("Default").unwrap();
    book.add_inputs(&ws, synth::leads(200, 9).iter().map(synth::Row::to_input).collect()).unwrap();
    let before = kept_and_counted(book.conn(), &ws).0;
    let cancel = AtomicBool::new(false);
    let rows: Vec<LeadInput> = synth::leads(12_000, 42).iter().map(synth::Row::to_input).collect();
    let e = book
        .add_inputs_with(&ws, rows, &mut |done| {
            if done >= 5_000 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }, &cancel)
        .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_agree(book.conn(), &ws, "a cancelled import");
    assert_eq!(kept_and_counted(book.conn(), &ws).0, before);
    // The triggers the import set aside are back: a later add is counted.
    let triggers: i64 = book.conn().query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'leads'", [], |r| r.get(0)).unwrap();
    assert_eq!(triggers, 6);
    drop(book);
    let mut again = Book::open(&path, Arc::new(FixedClock::at("2026-03-01T11:00:00Z"))).unwrap();
    again.add_lead(&ws, &lead("After", "050 999 0000", "portal")).unwrap();
    assert_agree(again.conn(), &ws, "an add after the cancelled import, in a new process's connection");
}

#[test]
fn the_dashboards_unanswered_leads_are_the_oldest_of_those_that_came_to_the_agent() {
    let (mut book, clock, ws) = book();
    book.add_inputs(&ws, synth::leads(2_000, 5).iter().map(synth::Row::to_input).collect()).unwrap();
    for (i, source) in ["portal", "manual", "whatsapp", "website", "referral", "telegram"].iter().cycle().take(30).enumerate() {
        clock.advance(chrono::Duration::minutes(7));
        let id = book.add_lead(&ws, &lead(&format!("Later {i}"), &format!("058 200 {i:04}"), source)).unwrap().id;
        if i % 4 == 0 {
            book.record_reply(&ws, id, "yes", None).unwrap();
        }
    }
    let now = clock.now();
    let came: Vec<&str> = Source::ALL.iter().filter(|s| leadbook_core::workflows::comes_to_agent(**s)).map(|s| s.as_str()).collect();
    let marks = vec!["?"; came.len()].join(", ");
    let since = leadbook_core::clock::fmt_time(now - leadbook_core::dashboard::UNANSWERED_WINDOW);
    let mut args: Vec<rusqlite::types::Value> = vec![ws.id.into(), since.into()];
    args.extend(came.iter().map(|s| rusqlite::types::Value::Text(s.to_string())));
    let want: Vec<i64> = book
        .conn()
        .prepare(&format!(
            "SELECT id FROM leads WHERE workspace_id = ?1 AND first_answered_at IS NULL AND coalesce(arrived_at, created_at) >= ?2
             AND source IN ({marks}) ORDER BY coalesce(arrived_at, created_at), source, id LIMIT {}",
            leadbook_core::dashboard::UNANSWERED_SHOWN
        ))
        .unwrap()
        .query_map(rusqlite::params_from_iter(args), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let d = book.dashboard(&ws).unwrap().speed_to_lead;
    assert_eq!(want.len(), leadbook_core::dashboard::UNANSWERED_SHOWN, "enough to fill the list");
    assert_eq!(d.unanswered.iter().map(|u| u.id).collect::<Vec<_>>(), want);
    assert!(d.unanswered.iter().all(|u| came.contains(&u.source.as_str())));
}
