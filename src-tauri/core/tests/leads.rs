//! The lead book through its public API: adding, de-duplication, merging, scoring over time,
//! and workspace isolation for every entity.

use chrono::Duration;
use leadbook_core::leads::{LeadQuery, SortBy};
use leadbook_core::model::{Grade, Source, Status};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::sync::Arc;

fn book() -> (Book, Arc<FixedClock>, Workspace) {
    let clock = Arc::new(FixedClock::at("2026-03-01T10:00:00Z"));
    let book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, clock, ws)
}

fn lead(name: &str) -> LeadInput {
    LeadInput { name: Some(name.into()), ..Default::default() }
}

fn count(book: &Book, table: &str) -> i64 {
    book.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn a_new_lead_is_created_scored_and_on_the_timeline() {
    let (mut book, _, ws) = book();
    let out = book
        .add_lead(&ws, &LeadInput { phone: Some("050-123 4567".into()), budget_max: Some(2_000_000), source: Some("referral".into()), ..lead("Aisha Khan") })
        .unwrap();
    assert!(out.created);
    assert_eq!(out.merged_into, None);
    assert_eq!((out.score, out.grade), (45, Grade::B));
    let d = book.lead_detail(&ws, out.id).unwrap();
    assert_eq!(d.lead.phone.as_deref(), Some("+971501234567"));
    assert_eq!(d.timeline.len(), 1);
    assert_eq!(d.timeline[0].kind, "created");
    let factors: Vec<_> = d.score_breakdown.iter().map(|f| (f.factor.as_str(), f.points)).collect();
    assert_eq!(factors, vec![("phone", 15), ("budget", 15), ("source", 15)]);
}

#[test]
fn an_invalid_email_is_rejected_and_nothing_is_written() {
    let (mut book, _, ws) = book();
    let e = book.add_lead(&ws, &LeadInput { email: Some("aisha@".into()), ..lead("Aisha") }).unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("email")));
    assert_eq!((count(&book, "leads"), count(&book, "timeline"), count(&book, "lead_keys")), (0, 0, 0));
}

#[test]
fn each_identity_key_merges_into_the_existing_lead() {
    let cases: Vec<(&str, LeadInput, LeadInput)> = vec![
        ("linkedin", LeadInput { linkedin_url: Some("https://www.linkedin.com/in/aisha".into()), ..lead("A") },
            LeadInput { linkedin_url: Some("linkedin.com/in/AISHA/?trk=x".into()), ..lead("B") }),
        ("email", LeadInput { email: Some("aisha@example.ae".into()), ..lead("A") },
            LeadInput { email: Some(" AISHA@Example.ae".into()), ..lead("B") }),
        ("phone", LeadInput { phone: Some("050-123 4567".into()), ..lead("A") },
            LeadInput { phone: Some("00971501234567".into()), ..lead("B") }),
        ("whatsapp is the phone key", LeadInput { phone: Some("+971 (0)50 123 4567".into()), ..lead("A") },
            LeadInput { whatsapp: Some("501234567".into()), ..lead("B") }),
        ("telegram", LeadInput { telegram_id: Some(336435018), ..lead("A") },
            LeadInput { telegram_id: Some(336435018), ..lead("B") }),
    ];
    for (what, first, second) in cases {
        let (mut book, _, ws) = book();
        let a = book.add_lead(&ws, &first).unwrap();
        let b = book.add_lead(&ws, &second).unwrap();
        assert_eq!((b.id, b.created, b.merged_into), (a.id, false, Some(a.id)), "{what}");
        assert_eq!(count(&book, "leads"), 1, "{what}");
        let d = book.lead_detail(&ws, a.id).unwrap();
        assert_eq!(d.lead.name, "A", "{what}: the existing name stays");
        assert!(d.timeline.iter().any(|e| e.kind == "merged"), "{what}");
    }
}

#[test]
fn a_merge_fills_blanks_unions_lists_and_keeps_the_first_source_and_creation() {
    let (mut book, clock, ws) = book();
    let a = book
        .add_lead(&ws, &LeadInput { phone: Some("0501234567".into()), source: Some("referral".into()), locations: vec!["JVC".into()], budget_min: Some(1_000_000), ..lead("Aisha") })
        .unwrap();
    clock.advance(Duration::days(2));
    let b = book
        .add_lead(&ws, &LeadInput {
            phone: Some("+971501234567".into()),
            email: Some("aisha@example.ae".into()),
            source: Some("linkedin".into()),
            locations: vec!["jvc".into(), "Dubai Marina".into()],
            budget_max: Some(2_000_000),
            bedrooms: Some(2),
            ..lead("Aisha K.")
        })
        .unwrap();
    assert_eq!(b.merged_into, Some(a.id));
    let l = book.lead(&ws, a.id).unwrap();
    assert_eq!(l.email.as_deref(), Some("aisha@example.ae"));
    assert_eq!(l.locations, vec!["JVC", "Dubai Marina"]);
    assert_eq!((l.budget_min, l.budget_max, l.bedrooms), (Some(1_000_000), Some(2_000_000), Some(2)));
    assert_eq!(l.source, Source::Referral);
    assert_eq!(l.created_at.to_rfc3339(), "2026-03-01T10:00:00+00:00");
    // The email now identifies the merged lead too.
    let c = book.add_lead(&ws, &LeadInput { email: Some("AISHA@example.ae".into()), ..lead("x") }).unwrap();
    assert_eq!(c.merged_into, Some(a.id));
}

#[test]
fn duplicates_are_never_matched_across_workspaces() {
    let (mut book, _, ws) = book();
    let other = book.add_workspace("Second Agency", None).unwrap();
    let input = LeadInput { phone: Some("0501234567".into()), email: Some("a@b.ae".into()), ..lead("Aisha") };
    let a = book.add_lead(&ws, &input).unwrap();
    let b = book.add_lead(&other, &input).unwrap();
    assert!(a.created && b.created);
    assert_ne!(a.id, b.id);
    assert!(book.find_duplicate(&other, &input).unwrap().is_some_and(|m| m.lead.id == b.id));
}

#[test]
fn leads_of_another_workspace_behave_as_not_found() {
    let (mut book, _, ws) = book();
    let other = book.add_workspace("Second Agency", Some("Europe/London")).unwrap();
    let theirs = book.add_lead(&other, &LeadInput { phone: Some("0501234567".into()), ..lead("Theirs") }).unwrap().id;
    let mine = book.add_lead(&ws, &lead("Mine")).unwrap().id;

    fn not_found<T: std::fmt::Debug>(r: leadbook_core::Result<T>) -> &'static str {
        r.unwrap_err().code()
    }
    assert_eq!(not_found(book.lead(&ws, theirs)), "not_found");
    assert_eq!(not_found(book.lead_detail(&ws, theirs)), "not_found");
    assert_eq!(not_found(book.update_lead(&ws, theirs, &lead("Hijacked"))), "not_found");
    assert_eq!(not_found(book.set_status(&ws, theirs, Status::Won)), "not_found");
    assert_eq!(not_found(book.record_reply(&ws, theirs, "hi", None)), "not_found");
    assert_eq!(not_found(book.merge_leads(&ws, mine, theirs)), "not_found");
    assert_eq!(not_found(book.merge_leads(&ws, theirs, mine)), "not_found");
    assert_eq!(book.lead(&other, theirs).unwrap().name, "Theirs", "untouched");

    // Lists, searches, duplicate checks and the dashboard see only their own workspace.
    let page = book.list_leads(&ws, &LeadQuery { search: Some("Theirs".into()), ..Default::default() }).unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(book.list_leads(&ws, &LeadQuery::default()).unwrap().total, 1);
    assert!(book.find_duplicate(&ws, &LeadInput { phone: Some("0501234567".into()), ..Default::default() }).unwrap().is_none());
    assert_eq!(book.dashboard(&ws).unwrap().total_leads, 1);
    assert_eq!(book.dashboard(&other).unwrap().total_leads, 1);
}

#[test]
fn timelines_of_another_workspace_are_not_shown() {
    let (mut book, _, ws) = book();
    let other = book.add_workspace("Second Agency", None).unwrap();
    let theirs = book.add_lead(&other, &lead("Theirs")).unwrap().id;
    book.record_reply(&other, theirs, "call me", None).unwrap();
    book.add_task(&other, &leadbook_core::tasks::TaskInput { title: "call back".into(), lead_id: Some(theirs), ..Default::default() }).unwrap();
    let history = book.lead_timeline(&other, theirs, None, 50).unwrap();
    let kinds: Vec<&str> = history.entries.iter().map(|e| e.kind.as_str()).collect();
    assert!(["replied", "task_open", "created"].iter().all(|k| kinds.contains(k)), "{kinds:?}");
    assert_eq!(history.total as usize, kinds.len());
    assert_eq!(book.lead_timeline(&ws, theirs, None, 50).unwrap_err().code(), "not_found");
    // Below the book's check of the lead, each source filters by workspace too.
    assert!(leadbook_core::leads::timeline::keyed_after(book.conn(), ws.id, theirs, None, 50).unwrap().is_empty());
    assert!(leadbook_core::tasks::timeline_after(book.conn(), &ws, theirs, None, 50).unwrap().is_empty());
    assert_eq!(leadbook_core::tasks::timeline_count(book.conn(), &ws, theirs).unwrap(), 0);
    assert_eq!(book.dashboard(&ws).unwrap().replies_this_week, 0);
    assert_eq!(book.dashboard(&other).unwrap().replies_this_week, 1);
}

#[test]
fn a_workspace_that_does_not_exist_is_not_found() {
    let (book, _, _) = book();
    assert_eq!(book.workspace("Nope").unwrap_err().code(), "not_found");
    assert_eq!(book.workspace_by_id(999).unwrap_err().code(), "not_found");
}

#[test]
fn a_score_never_computed_grades_as_cold() {
    let (mut book, _, ws) = book();
    let id = book.add_lead(&ws, &LeadInput { phone: Some("0501234567".into()), budget_max: Some(1), locations: vec!["JVC".into()], ..lead("A") }).unwrap().id;
    book.conn().execute("UPDATE leads SET score = NULL, score_valid_until = NULL WHERE id = ?1", [id]).unwrap();
    let l = book.lead(&ws, id).unwrap();
    assert_eq!((l.score, l.grade), (0, Grade::D));
}

#[test]
fn a_reply_marks_the_lead_replied_and_raises_its_score_until_it_ages() {
    let (mut book, clock, ws) = book();
    let id = book.add_lead(&ws, &lead("Aisha")).unwrap().id;
    let l = book.record_reply(&ws, id, "  Thursday works  ", None).unwrap();
    assert_eq!(l.status, Status::Replied);
    assert_eq!(l.score, 30, "replied 20 + inbound within 7 days 10");
    let d = book.lead_detail(&ws, id).unwrap();
    assert_eq!((d.timeline[0].kind.as_str(), d.timeline[0].detail.as_str()), ("replied", "Thursday works"));
    clock.advance(Duration::days(8));
    assert_eq!(book.lead(&ws, id).unwrap().score, 20, "the recent-inbound points expire after 7 days");
    clock.advance(Duration::days(30));
    assert_eq!(book.lead(&ws, id).unwrap().score, 5, "30 days of silence cost 15");
    assert!(book.record_reply(&ws, id, "   ", None).is_err(), "an empty reply is refused");
}

#[test]
fn a_status_change_rescores_and_is_on_the_timeline() {
    let (mut book, _, ws) = book();
    let id = book.add_lead(&ws, &lead("Aisha")).unwrap().id;
    let l = book.set_status(&ws, id, Status::Viewing).unwrap();
    assert_eq!(l.score, 15);
    let d = book.lead_detail(&ws, id).unwrap();
    assert_eq!(d.timeline[0].kind, "status_changed");
    assert_eq!(d.timeline[0].detail, "new → viewing");
}

#[test]
fn editing_a_lead_onto_another_leads_phone_is_refused_and_changes_nothing() {
    let (mut book, _, ws) = book();
    let a = book.add_lead(&ws, &LeadInput { phone: Some("0501234567".into()), ..lead("A") }).unwrap().id;
    let b = book.add_lead(&ws, &LeadInput { phone: Some("0521234567".into()), ..lead("B") }).unwrap().id;
    let e = book.update_lead(&ws, b, &LeadInput { phone: Some("+971501234567".into()), ..lead("B renamed") }).unwrap_err();
    assert_eq!((e.code(), e.field()), ("duplicate", Some("phone")));
    assert_eq!(book.lead(&ws, b).unwrap().name, "B");
    // A legitimate edit re-keys the lead: its old phone is free again.
    book.update_lead(&ws, b, &LeadInput { phone: Some("0551234567".into()), ..lead("B") }).unwrap();
    let c = book.add_lead(&ws, &LeadInput { phone: Some("0521234567".into()), ..lead("C") }).unwrap();
    assert!(c.created);
    let _ = a;
}

#[test]
fn a_manual_merge_moves_history_and_keys_and_removes_the_other_lead() {
    let (mut book, clock, ws) = book();
    let older = book.add_lead(&ws, &LeadInput { email: Some("a@b.ae".into()), source: Some("linkedin".into()), ..lead("Aisha (LinkedIn)") }).unwrap().id;
    clock.advance(Duration::hours(3));
    let keep = book.add_lead(&ws, &LeadInput { phone: Some("0501234567".into()), source: Some("whatsapp".into()), ..lead("Aisha") }).unwrap().id;
    book.record_reply(&ws, older, "interested", None).unwrap();
    let merged = book.merge_leads(&ws, keep, older).unwrap();
    assert_eq!(merged.email.as_deref(), Some("a@b.ae"));
    assert_eq!(merged.source, Source::Linkedin, "the earlier lead's source");
    assert!(merged.last_inbound_at.is_some());
    assert_eq!(book.lead(&ws, older).unwrap_err().code(), "not_found");
    let kinds: Vec<String> = book.lead_detail(&ws, keep).unwrap().timeline.into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&"replied".to_string()) && kinds.contains(&"merged".to_string()), "{kinds:?}");
    let again = book.add_lead(&ws, &LeadInput { email: Some("a@b.ae".into()), ..lead("x") }).unwrap();
    assert_eq!(again.merged_into, Some(keep));
    assert_eq!(book.merge_leads(&ws, keep, keep).unwrap_err().code(), "validation");
}

#[test]
fn the_list_filters_searches_sorts_and_pages() {
    let (mut book, _, ws) = book();
    for (name, phone, source) in [("Omar", "0501111111", "referral"), ("Layla", "0502222222", "linkedin"), ("محمد المنصوري", "0503333333", "portal")] {
        book.add_lead(&ws, &LeadInput { phone: Some(phone.into()), source: Some(source.into()), ..lead(name) }).unwrap();
    }
    let names = |q: LeadQuery, book: &mut Book| -> Vec<String> { book.list_leads(&ws, &q).unwrap().rows.into_iter().map(|l| l.name).collect() };
    assert_eq!(names(LeadQuery::default(), &mut book), vec!["Omar", "محمد المنصوري", "Layla"], "by score, highest first");
    assert_eq!(names(LeadQuery { sort: SortBy::Name, ..Default::default() }, &mut book), vec!["Layla", "Omar", "محمد المنصوري"]);
    assert_eq!(names(LeadQuery { source: Some(Source::Linkedin), ..Default::default() }, &mut book), vec!["Layla"]);
    assert_eq!(names(LeadQuery { search: Some("المنصوري".into()), ..Default::default() }, &mut book), vec!["محمد المنصوري"]);
    assert_eq!(names(LeadQuery { search: Some("050 222".into()), ..Default::default() }, &mut book), vec!["Layla"], "phones by digits");
    assert_eq!(names(LeadQuery { search: Some("%".into()), ..Default::default() }, &mut book), Vec::<String>::new(), "LIKE wildcards are literal");
    let page = book.list_leads(&ws, &LeadQuery { offset: 1, limit: Some(1), ..Default::default() }).unwrap();
    assert_eq!((page.total, page.rows.len()), (3, 1));
    assert_eq!(names(LeadQuery { grade: Some(Grade::D), ..Default::default() }, &mut book), vec!["Layla"]);
}

#[test]
fn a_search_counts_a_little_past_its_page_and_says_there_are_more() {
    use leadbook_core::leads::SEARCH_COUNT_AHEAD;
    let (mut book, _, ws) = book();
    // Scores differ (sources and phones), so the order is the score's, then newest first.
    let sources = ["referral", "linkedin", "portal", "import"];
    let rows: Vec<LeadInput> = (0..SEARCH_COUNT_AHEAD + 300)
        .map(|i| LeadInput {
            source: Some(sources[i % 4].into()),
            phone: (i % 3 == 0).then(|| format!("050{:07}", i)),
            ..lead(&format!("Sara {i}"))
        })
        .chain((0..20).map(|i| lead(&format!("Omar {i}"))))
        .collect();
    assert!(book.add_inputs(&ws, rows).unwrap().iter().all(Result::is_ok));
    let mut search = |offset: u32, limit: Option<u32>, desc: Option<bool>| {
        book.list_leads(&ws, &LeadQuery { search: Some("sara".into()), offset, limit, desc, ..Default::default() }).unwrap()
    };
    let all = search(0, None, None);
    assert_eq!((all.total, all.rows.len(), all.more), (SEARCH_COUNT_AHEAD as i64 + 300, SEARCH_COUNT_AHEAD + 300, false), "no page: every match, counted");
    let by_score: Vec<(i64, i64)> = all.rows.iter().map(|l| (l.score, l.id)).collect();
    let mut sorted = by_score.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(by_score, sorted, "highest score first, newest first at one score");

    let first = search(0, Some(50), None);
    assert_eq!((first.total, first.more), (50 + SEARCH_COUNT_AHEAD as i64, true), "counted SEARCH_COUNT_AHEAD past the page, and more");
    assert_eq!(first.rows.iter().map(|l| l.id).collect::<Vec<_>>(), all.rows[..50].iter().map(|l| l.id).collect::<Vec<_>>());
    let deep = search(300, Some(50), None);
    assert_eq!((deep.total, deep.more), (SEARCH_COUNT_AHEAD as i64 + 300, false), "near the end the count is exact");
    assert_eq!(deep.rows.iter().map(|l| l.id).collect::<Vec<_>>(), all.rows[300..350].iter().map(|l| l.id).collect::<Vec<_>>());
    let lowest = search(0, Some(5), Some(false));
    let tail: Vec<i64> = all.rows.iter().rev().take(5).map(|l| l.id).collect();
    assert_eq!(lowest.rows.iter().map(|l| l.id).collect::<Vec<_>>(), tail, "lowest score first, the walk reversed");

    let few = book.list_leads(&ws, &LeadQuery { search: Some("omar".into()), limit: Some(50), ..Default::default() }).unwrap();
    assert_eq!((few.total, few.rows.len(), few.more), (20, 20, false), "a rare needle: exact");
    let named = book.list_leads(&ws, &LeadQuery { search: Some("sara".into()), sort: SortBy::Name, limit: Some(50), ..Default::default() }).unwrap();
    assert_eq!((named.total, named.more, named.rows[0].name.as_str()), (50 + SEARCH_COUNT_AHEAD as i64, true, "Sara 0"), "another order counts the same way");
}

#[test]
fn the_dashboard_counts_grades_statuses_and_sources() {
    let (mut book, _, ws) = book();
    book.add_lead(&ws, &LeadInput { phone: Some("0501111111".into()), telegram_id: Some(5), email: Some("x@y.ae".into()), budget_max: Some(1), locations: vec!["JVC".into()], property_type: Some("villa".into()), bedrooms: Some(3), source: Some("referral".into()), ..lead("Hot") }).unwrap();
    book.add_lead(&ws, &lead("Cold")).unwrap();
    let d = book.dashboard(&ws).unwrap();
    assert_eq!(d.grades["A"], 1);
    assert_eq!(d.grades["D"], 1);
    assert_eq!(d.grades["B"], 0);
    assert_eq!(d.by_status["new"], 2);
    assert_eq!(d.by_source["referral"], 1);
    assert_eq!(d.by_source["manual"], 1);
    assert_eq!(d.by_source["linkedin"], 0);
    assert_eq!(d.weeks.len(), 12);
    assert_eq!(d.weeks[11].week, "2026-02-23", "Sunday 1 March belongs to the week of Monday 23 February");
    assert_eq!((d.weeks[11].new_leads, d.weeks[11].replies), (2, 0));
    assert_eq!(d.weeks[..11].iter().map(|w| w.new_leads).sum::<i64>(), 0);
}

#[test]
fn many_leads_are_added_in_one_transaction_with_duplicates_merged() {
    let (mut book, _, ws) = book();
    let rows = leadbook_core::synth::leads(2_000, 3);
    let region = ws.region();
    let valid: Vec<_> = rows.iter().filter_map(|r| leadbook_core::leads::validate::lead(&r.to_input(), region).ok()).collect();
    let rejected = rows.len() - valid.len();
    let outcomes = book.add_leads(&ws, valid).unwrap();
    let merged = outcomes.iter().filter(|o| !o.created).count();
    assert!(rejected > 0 && merged > 0, "rejected {rejected}, merged {merged}");
    assert_eq!(count(&book, "leads") as usize, outcomes.len() - merged);
}

#[test]
fn a_bulk_import_finds_a_key_a_merge_gave_an_earlier_row() {
    let (mut book, _, ws) = book();
    // Big enough for the bulk path (its own indexes and the identity keys in memory).
    let mut rows: Vec<LeadInput> = (0..10_000).map(|i| LeadInput { email: Some(format!("filler{i}@example.ae")), ..lead("Filler") }).collect();
    rows.push(LeadInput { email: Some("aisha@example.ae".into()), ..lead("Aisha") });
    // Merges into Aisha and gives her a phone…
    rows.push(LeadInput { email: Some("aisha@example.ae".into()), phone: Some("0501234567".into()), ..lead("A. Khan") });
    // …which this row has only: it is Aisha too.
    rows.push(LeadInput { phone: Some("+971 50 123 4567".into()), ..lead("Aisha K") });
    let out = book.add_inputs(&ws, rows).unwrap();
    let aisha = out[10_000].as_ref().unwrap().id;
    assert_eq!(out[10_001].as_ref().unwrap().merged_into, Some(aisha));
    assert_eq!(out[10_002].as_ref().unwrap().merged_into, Some(aisha), "the key the merge added was found");
    assert_eq!(count(&book, "leads"), 10_001);
}

#[test]
fn a_bulk_import_leaves_every_reference_whole_and_foreign_keys_enforced_after() {
    let (mut book, _, ws) = book();
    // The bulk path writes without row-by-row foreign-key checks; what it wrote must pass them.
    let rows: Vec<LeadInput> = leadbook_core::synth::leads(12_000, 7).iter().map(|r| r.to_input()).collect();
    let out = book.add_inputs(&ws, rows).unwrap();
    assert!(out.iter().any(|o| o.as_ref().is_ok_and(|o| !o.created)), "some rows merged (timeline rows, key updates)");
    let broken: i64 = book.conn().query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(broken, 0, "no row refers to a lead, campaign or workspace that is not there");
    let keys_without_lead: i64 =
        book.conn().query_row("SELECT count(*) FROM lead_keys k WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = k.lead_id)", [], |r| r.get(0)).unwrap();
    assert_eq!(keys_without_lead, 0);
    // The keys, written once at the end, are every lead's own: each value a lead holds is a
    // key (its own, or the earlier lead's that kept it), and each key names a lead holding it.
    let key_count = |sql: &str| -> i64 { book.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    let unkeyed = key_count(
        "SELECT count(*) FROM leads l WHERE
           (l.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lead_keys k WHERE k.kind = 'email' AND k.value = l.email))
        OR (l.phone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lead_keys k WHERE k.kind = 'phone' AND k.value = l.phone))
        OR (l.linkedin_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lead_keys k WHERE k.kind = 'linkedin' AND k.value = l.linkedin_url))",
    );
    assert_eq!(unkeyed, 0, "no lead's e-mail, phone or profile is missing from the keys");
    let foreign = key_count(
        "SELECT count(*) FROM lead_keys k JOIN leads l ON l.id = k.lead_id WHERE NOT (
           (k.kind = 'email' AND k.value = l.email) OR (k.kind = 'phone' AND k.value IN (l.phone, l.whatsapp))
        OR (k.kind = 'linkedin' AND k.value = l.linkedin_url) OR (k.kind = 'telegram' AND k.value = CAST(l.telegram_id AS TEXT)))",
    );
    assert_eq!(foreign, 0, "every key names a lead that holds it");
    // Checked again afterwards, also after a bulk import that was cancelled half-way.
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let more: Vec<LeadInput> = (0..10_000).map(|i| LeadInput { email: Some(format!("more{i}@example.ae")), ..lead("More") }).collect();
    let e = book
        .add_inputs_with(&ws, more, &mut |done| if done > 0 { cancel.store(true, std::sync::atomic::Ordering::Relaxed) }, &cancel)
        .unwrap_err();
    assert_eq!(e.code(), "cancelled");
    let on: i64 = book.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(on, 1);
    let dangling = book.conn().execute("INSERT INTO lead_keys (workspace_id, kind, value, lead_id) VALUES (?1, 'email', 'nobody@x.ae', 999999)", [ws.id]);
    assert!(dangling.is_err(), "a key for a lead that does not exist is refused");
}

#[test]
fn after_thirty_outcomes_the_score_learns_from_the_agents_own_wins() {
    let (mut book, clock, ws) = book();
    let add = |book: &mut Book, i: usize, area: &str, source: &str| {
        book.add_lead(&ws, &LeadInput { locations: vec![area.into()], source: Some(source.into()), phone: Some(format!("0501{i:06}")), ..lead(&format!("L{i}")) })
            .unwrap()
            .id
    };
    // The agent wins walk-ins in Dubai Hills and loses portal leads in JLT — the rule table
    // cannot tell these apart (same fields filled).
    let mut ids = Vec::new();
    for i in 0..40 {
        let (area, source, won) = if i % 2 == 0 { ("Dubai Hills", "walk_in", true) } else { ("JLT", "portal", false) };
        ids.push((add(&mut book, i, area, source), won));
    }
    let probe_hot = add(&mut book, 100, "Dubai Hills", "walk_in");
    let before = book.lead_detail(&ws, probe_hot).unwrap();
    assert!(before.learned.is_none(), "no model before any outcome");
    clock.advance(Duration::days(1));
    for (n, (id, won)) in ids.iter().enumerate() {
        book.set_status(&ws, *id, if *won { Status::Won } else { Status::Lost }).unwrap();
        if n == 20 {
            let ws_now = book.workspace("Default").unwrap();
            assert!(ws_now.learned.is_none(), "below 30 outcomes the rule score stands alone");
        }
    }
    let ws = book.workspace("Default").unwrap();
    let model = ws.learned.clone().expect("a model once 40 outcomes are in");
    assert_eq!(model.trained_on, 40);
    let probe_cold = add(&mut book, 101, "JLT", "portal");
    let hot = book.lead_detail(&ws, probe_hot).unwrap();
    let cold = book.lead_detail(&ws, probe_cold).unwrap();
    let (h, c) = (hot.learned.clone().unwrap(), cold.learned.clone().unwrap());
    assert!(h.p_won > 0.7 && c.p_won < 0.3, "{} vs {}", h.p_won, c.p_won);
    assert_eq!(hot.lead.score, h.blended, "the stored score is the blend (rescored after retraining)");
    assert!(hot.lead.score > cold.lead.score);
    assert!(h.weights.iter().any(|(name, w)| name.starts_with("area:") && w.abs() > 0.0), "the model's weights are shown: {:?}", h.weights);
    let learned_line = hot.score_breakdown.iter().find(|f| f.factor == "learned").unwrap();
    assert_eq!(learned_line.points, h.points);
    assert_eq!(hot.score_breakdown.iter().map(|f| f.points).sum::<i64>(), hot.lead.score, "the breakdown adds up to the score");
}

#[test]
fn a_lead_added_as_new_beside_its_duplicate_is_its_own_lead_and_the_shared_phone_stays_with_the_first() {
    let (mut book, _, ws) = book();
    let first = book.add_lead(&ws, &LeadInput { phone: Some("050 123 4567".into()), ..lead("Aisha Khan") }).unwrap();
    let shared = LeadInput { phone: Some("+971501234567".into()), email: Some("omar@example.com".into()), ..lead("Omar Khan") };
    assert_eq!(book.find_duplicate(&ws, &shared).unwrap().map(|d| d.lead.id), Some(first.id), "the window warns first");

    let second = book.add_lead_separately(&ws, &shared).unwrap();
    assert!(second.created && second.id != first.id && second.merged_into.is_none());
    let d = book.lead_detail(&ws, second.id).unwrap();
    assert_eq!(d.lead.phone.as_deref(), Some("+971501234567"), "the new lead keeps the phone it was given");
    let kept = d.timeline.iter().find(|e| e.kind == "kept_separate").expect("the timeline says why it is a lead of its own");
    assert_eq!(kept.detail, format!("kept apart from lead #{} (Aisha Khan), same phone", first.id));
    assert_eq!(book.enrolments(&ws, second.id).unwrap().len(), 1, "enrolled like any new lead");
    assert_eq!(book.lead(&ws, first.id).unwrap().name, "Aisha Khan", "the first lead is untouched");

    // The shared phone still finds the lead the agent already had; the new lead's own e-mail finds it.
    let again = book.add_lead(&ws, &LeadInput { phone: Some("0501234567".into()), ..lead("Aisha K.") }).unwrap();
    assert_eq!(again.merged_into, Some(first.id));
    let by_email = book.add_lead(&ws, &LeadInput { email: Some("OMAR@example.com".into()), ..lead("Omar") }).unwrap();
    assert_eq!(by_email.merged_into, Some(second.id));
    assert_eq!(count(&book, "leads"), 2);

    // A refused field refuses the whole add, and nothing is written.
    let bad = book.add_lead_separately(&ws, &LeadInput { email: Some("not-an-email".into()), ..lead("Bad") }).unwrap_err();
    assert_eq!(bad.code(), "validation");
    assert_eq!(count(&book, "leads"), 2);
}

#[test]
fn possible_duplicates_pair_the_same_name_and_phones_ending_alike_until_merged_or_said_to_be_two_people() {
    let (mut book, clock, ws) = book();
    let linkedin = book.add_lead(&ws, &LeadInput { linkedin_url: Some("linkedin.com/in/aisha-khan".into()), source: Some("linkedin".into()), ..lead("Aisha Khan") }).unwrap().id;
    clock.advance(Duration::minutes(1));
    let typed = book.add_lead(&ws, &LeadInput { phone: Some("050 123 4567".into()), ..lead("aisha khan ") }).unwrap().id;
    clock.advance(Duration::minutes(1));
    let typo = book.add_lead(&ws, &LeadInput { phone: Some("055 123 4567".into()), ..lead("A. Khan") }).unwrap().id;
    book.add_lead(&ws, &LeadInput { phone: Some("056 123 4567".into()), ..lead("Omar Haddad") }).unwrap();
    let persian = book.add_lead(&ws, &lead("علي رضايي")).unwrap().id;
    let persian2 = book.add_lead(&ws, &lead("علی رضایی")).unwrap().id;
    book.add_lead(&ws, &LeadInput { phone: Some("050 999 0000".into()), ..lead("Someone Else") }).unwrap();
    for i in 0..7 {
        book.add_lead(&ws, &LeadInput { email: Some(format!("m{i}@example.com")), ..lead("Mohammed Ali") }).unwrap();
    }
    let other_ws = book.add_workspace("Other", None).unwrap();
    book.add_lead(&other_ws, &lead("Aisha Khan")).unwrap();

    let found = book.possible_duplicates(&ws, 0, 50).unwrap();
    let pairs: Vec<(i64, i64, &str)> = found.pairs.iter().map(|p| (p.first.id, p.second.id, p.reason)).collect();
    assert_eq!(pairs, [(persian, persian2, "same_name"), (typed, typo, "similar_phone"), (linkedin, typed, "same_name")], "seven Mohammed Alis are a common name, not one person; the other workspace is not looked at");
    assert_eq!(found.total, 3);
    assert_eq!(book.possible_duplicates(&ws, 1, 1).unwrap().pairs.len(), 1, "paged");
    // A workspace with few of the book's leads is read through its index, with the same answer.
    let other_typed = book.add_lead(&other_ws, &LeadInput { phone: Some("050 123 4567".into()), ..lead("AISHA KHAN") }).unwrap().id;
    let other = book.possible_duplicates(&other_ws, 0, 50).unwrap();
    assert_eq!((other.total, other.pairs[0].second.id, other.pairs[0].reason), (1, other_typed, "same_name"));

    book.dismiss_duplicate(&ws, typo, typed).unwrap();
    book.merge_leads(&ws, typed, linkedin).unwrap();
    let left: Vec<(i64, i64)> = book.possible_duplicates(&ws, 0, 50).unwrap().pairs.iter().map(|p| (p.first.id, p.second.id)).collect();
    assert_eq!(left, [(persian, persian2)], "a merged pair and a dismissed pair are not offered again");

    // A lead added apart from the one it shares a phone with is the agent's decision too.
    let apart = book.add_lead_separately(&ws, &LeadInput { phone: Some("0501234567".into()), ..lead("Aisha Khan") }).unwrap().id;
    assert!(book.possible_duplicates(&ws, 0, 50).unwrap().pairs.iter().all(|p| (p.first.id, p.second.id) != (typed, apart)));

    assert_eq!(book.dismiss_duplicate(&ws, persian, persian).unwrap_err().code(), "validation");
    assert_eq!(book.dismiss_duplicate(&other_ws, persian, persian2).unwrap_err().code(), "not_found", "another workspace's leads");
}
