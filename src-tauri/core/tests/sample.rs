//! The sample book (SPEC §15): made-up leads and listings in a workspace of their own, going
//! through the same paths as real work, never reaching anyone, removed in one step.

use leadbook_core::leads::LeadQuery;
use leadbook_core::messaging::channels::config::Settings;
use leadbook_core::messaging::channels::Provider;
use leadbook_core::model::Language;
use leadbook_core::secrets::MemoryStore;
use leadbook_core::{Book, FixedClock};
use std::sync::Arc;

fn book() -> Book {
    Book::open_in_memory(Arc::new(FixedClock::at("2026-03-01T10:00:00Z"))).unwrap()
}

fn rows(book: &Book, table: &str, ws: i64) -> i64 {
    book.conn().query_row(&format!("SELECT count(*) FROM {table} WHERE workspace_id = ?1"), [ws], |r| r.get(0)).unwrap()
}

/// Every table with a workspace column, read from the schema itself.
fn workspace_tables(book: &Book) -> Vec<String> {
    let mut stmt = book
        .conn()
        .prepare("SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'workspace_id') ORDER BY m.name")
        .unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn the_sample_book_is_a_workspace_of_its_own_filled_through_the_real_paths_and_shown_at_once() {
    let mut book = book();
    let own = book.current_workspace().unwrap();
    book.add_lead(&own, &leadbook_core::leads::validate::LeadInput { name: Some("A real lead".into()), ..Default::default() }).unwrap();

    let sample = book.open_sample(Language::Fa).unwrap();
    assert!(sample.sample && !own.sample);
    assert_eq!(sample.name, "دفتر نمونه");
    assert_eq!(book.current_workspace().unwrap().id, sample.id, "the app shows the sample book once it is made");

    let page = book.list_leads(&sample, &LeadQuery::default()).unwrap();
    assert_eq!(page.total, 16, "every made-up lead was added: validation and de-duplication kept them all");
    assert!(page.rows.iter().all(|l| l.phone.as_deref().is_some_and(|p| p.starts_with("+97150") || p.starts_with("+97152") || p.starts_with("+97155") || p.starts_with("+97156") || p.starts_with("+97158"))), "phones in any spelling became E.164");
    assert!(page.rows.iter().any(|l| l.name == "علی رضایی") && page.rows.iter().any(|l| l.name == "محمد المنصوري"));
    assert_eq!(book.properties(&sample).unwrap().len(), 4);
    assert!(rows(&book, "lead_match", sample.id) > 0, "the listings matched buyers");
    assert!(rows(&book, "enrolments", sample.id) > 0, "the leads are in the default campaign");
    let sent: i64 = book
        .conn()
        .query_row("SELECT count(*) FROM outbox WHERE workspace_id = ?1 AND status IN ('sent', 'delivered', 'read', 'sending')", [sample.id], |r| r.get(0))
        .unwrap();
    assert_eq!(sent, 0, "nothing in the sample book was sent");

    // The agent's own book is untouched.
    assert_eq!(book.list_leads(&own, &LeadQuery::default()).unwrap().total, 1);

    // Asked again, it is the same sample book, not a second one.
    assert_eq!(book.open_sample(Language::En).unwrap().id, sample.id);
    assert_eq!(book.workspaces().unwrap().iter().filter(|w| w.sample).count(), 1);
}

#[test]
fn the_sample_book_cannot_connect_a_channel_email_or_a_portal() {
    let mut book = book();
    let sample = book.open_sample(Language::En).unwrap();
    let secrets = MemoryStore::default();
    for provider in [Provider::Telegram, Provider::Email] {
        let err = book.set_channel(&sample, &secrets, provider, &Settings::default(), Some("123:abc")).unwrap_err();
        assert_eq!(err.code(), "validation", "{provider:?}: {err}");
        assert!(err.to_string().contains("made up"), "{err}");
    }
    let err = book
        .set_portal(&sample, &secrets, leadbook_core::model::Portal::Bayut, &Default::default(), &leadbook_core::messaging::portals::PortalSecrets { token: Some("t0ken".into()), ..Default::default() })
        .unwrap_err();
    assert_eq!(err.code(), "validation", "{err}");
    assert!(book.channels(&sample, &secrets).unwrap().channels.iter().all(|c| c.state == "unconfigured"));
    assert!(book.portals(&sample, &secrets).unwrap().iter().all(|p| p.state == "unconfigured"), "nothing was saved");
}

#[test]
fn removing_the_sample_book_takes_everything_in_it_and_nothing_else_and_refuses_any_other_workspace() {
    let mut book = book();
    let own = book.current_workspace().unwrap();
    book.add_lead(&own, &leadbook_core::leads::validate::LeadInput { name: Some("A real lead".into()), phone: Some("+971 50 123 4567".into()), ..Default::default() }).unwrap();
    let before: Vec<(String, i64)> = workspace_tables(&book).into_iter().map(|t| { let n = rows(&book, &t, own.id); (t, n) }).collect();

    let refused = book.remove_sample(own.id).unwrap_err();
    assert_eq!(refused.code(), "validation");
    assert_eq!(book.list_leads(&own, &LeadQuery::default()).unwrap().total, 1, "a refused removal changes nothing");

    let sample = book.open_sample(Language::En).unwrap();
    let next = book.remove_sample(sample.id).unwrap();
    assert_eq!(next.id, own.id);
    assert_eq!(book.current_workspace().unwrap().id, own.id, "the app goes back to the agent's own book");
    assert!(book.workspace_by_id(sample.id).is_err());
    for table in workspace_tables(&book) {
        assert_eq!(rows(&book, &table, sample.id), 0, "{table} kept rows of the removed sample book");
    }
    let orphans: i64 = book.conn().query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(orphans, 0);
    let after: Vec<(String, i64)> = workspace_tables(&book).into_iter().map(|t| { let n = rows(&book, &t, own.id); (t, n) }).collect();
    assert_eq!(before, after, "the agent's own book is as it was");

    // It can be made again afterwards.
    assert!(book.open_sample(Language::Ar).unwrap().sample);
}
