//! Matching listings to buyers (SPEC §4): each rule alone, the boundaries, area spellings,
//! completeness, telling each buyer once, and workspace isolation.

use leadbook_core::model::{PropertyStatus, Status};
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::sync::Arc;

fn book() -> (Book, Workspace) {
    let book = Book::open_in_memory(Arc::new(FixedClock::at("2026-03-01T10:00:00Z"))).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, ws)
}

fn buyer(name: &str, n: u32) -> LeadInput {
    LeadInput { name: Some(name.into()), phone: Some(format!("050{:07}", n)), ..Default::default() }
}

fn listing(location: &str, price: i64) -> PropertyInput {
    PropertyInput {
        title: Some(format!("Listing in {location}")),
        location: Some(location.into()),
        price: Some(price),
        property_type: Some("apartment".into()),
        bedrooms: Some(2),
        purpose: Some("sale".into()),
        ..Default::default()
    }
}

fn matched_names(book: &mut Book, ws: &Workspace, p: PropertyInput) -> Vec<String> {
    let id = book.add_property(ws, &p).unwrap().id;
    book.property_matches(ws, id).unwrap().into_iter().map(|m| m.name).collect()
}

#[test]
fn each_criterion_alone_decides_the_match() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("area JVC", 1) }).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["Business Bay".into()], ..buyer("area Business Bay", 2) }).unwrap();
    book.add_lead(&ws, &LeadInput { budget_max: Some(1_000_000), ..buyer("max 1.0M", 3) }).unwrap();
    book.add_lead(&ws, &LeadInput { budget_max: Some(2_000_000), ..buyer("max 2.0M", 4) }).unwrap();
    book.add_lead(&ws, &LeadInput { property_type: Some("apartment".into()), ..buyer("apartment", 5) }).unwrap();
    book.add_lead(&ws, &LeadInput { property_type: Some("villa".into()), ..buyer("villa", 6) }).unwrap();
    book.add_lead(&ws, &LeadInput { bedrooms: Some(2), ..buyer("2+ beds", 7) }).unwrap();
    book.add_lead(&ws, &LeadInput { bedrooms: Some(3), ..buyer("3+ beds", 8) }).unwrap();
    book.add_lead(&ws, &LeadInput { purpose: Some("buy".into()), ..buyer("buyer", 9) }).unwrap();
    book.add_lead(&ws, &LeadInput { purpose: Some("rent".into()), ..buyer("tenant", 10) }).unwrap();
    book.add_lead(&ws, &buyer("no criteria", 11)).unwrap();

    let mut names = matched_names(&mut book, &ws, listing("Jumeirah Village Circle", 1_500_000));
    names.sort();
    assert_eq!(names, vec!["2+ beds", "apartment", "area JVC", "buyer", "max 2.0M"]);
}

#[test]
fn all_criteria_together_must_hold() {
    let (mut book, ws) = book();
    let full = LeadInput {
        locations: vec!["Dubai Marina".into()],
        budget_min: Some(1_000_000),
        budget_max: Some(1_500_000),
        property_type: Some("apartment".into()),
        bedrooms: Some(2),
        purpose: Some("buy".into()),
        ..buyer("everything", 1)
    };
    book.add_lead(&ws, &full).unwrap();
    assert_eq!(matched_names(&mut book, &ws, listing("Marina", 1_400_000)), vec!["everything"]);
    assert!(matched_names(&mut book, &ws, PropertyInput { bedrooms: Some(1), ..listing("Marina", 1_400_000) }).is_empty());
    assert!(matched_names(&mut book, &ws, PropertyInput { purpose: Some("rent".into()), ..listing("Marina", 1_400_000) }).is_empty());
    assert!(matched_names(&mut book, &ws, PropertyInput { property_type: Some("villa".into()), ..listing("Marina", 1_400_000) }).is_empty());
    assert!(matched_names(&mut book, &ws, listing("JLT", 1_400_000)).is_empty());
}

#[test]
fn the_budget_boundaries_are_exactly_ten_percent() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { budget_min: Some(1_000_000), budget_max: Some(2_000_000), ..buyer("range", 1) }).unwrap();
    assert_eq!(matched_names(&mut book, &ws, listing("JVC", 2_200_000)), vec!["range"], "max × 1.10 matches");
    assert!(matched_names(&mut book, &ws, listing("JVC", 2_200_001)).is_empty(), "just above max × 1.10");
    assert_eq!(matched_names(&mut book, &ws, listing("JVC", 900_000)), vec!["range"], "min × 0.90 matches");
    assert!(matched_names(&mut book, &ws, listing("JVC", 899_999)).is_empty(), "just below min × 0.90");
}

#[test]
fn area_spellings_and_arabic_names_are_one_area() {
    for lead_area in ["dubai marina ", "Dubai Marina", "Marina", "مرسى دبي"] {
        for listing_area in ["dubai marina ", "Dubai Marina", "Marina", "مرسى دبي"] {
            let (mut book, ws) = book();
            book.add_lead(&ws, &LeadInput { locations: vec![lead_area.into()], ..buyer("A", 1) }).unwrap();
            assert_eq!(matched_names(&mut book, &ws, listing(listing_area, 1_000_000)), vec!["A"], "{lead_area} ~ {listing_area}");
        }
    }
}

#[test]
fn a_lead_with_no_criteria_matches_nothing_and_won_or_lost_leads_are_left_out() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { email: Some("a@b.ae".into()), ..buyer("no criteria", 1) }).unwrap();
    let won = book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("won", 2) }).unwrap().id;
    let lost = book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("lost", 3) }).unwrap().id;
    book.set_status(&ws, won, Status::Won).unwrap();
    book.set_status(&ws, lost, Status::Lost).unwrap();
    assert!(matched_names(&mut book, &ws, listing("JVC", 1_000_000)).is_empty());
}

#[test]
fn twelve_hundred_matching_buyers_are_all_returned_and_all_told() {
    let (mut book, ws) = book();
    let rows: Vec<LeadInput> = (0..1_200).map(|i| LeadInput { locations: vec!["JVC".into()], budget_max: Some(1_000_000 + i as i64 * 1_000), ..buyer(&format!("Buyer {i}"), i) }).collect();
    book.add_inputs(&ws, rows).unwrap();
    let added = book.add_property(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert_eq!((added.notified.matched, added.notified.queued, added.notified.unreachable), (1_200, 1_200, 0));
    assert_eq!(book.property_matches(&ws, added.id).unwrap().len(), 1_200);
    assert_eq!(book.outbox(&ws, None, None).unwrap().len(), 1_200);
    // Ranked by fit within a grade: the buyer whose budget is exactly the price comes first.
    assert_eq!(book.property_matches(&ws, added.id).unwrap()[0].name, "Buyer 0");
}

#[test]
fn making_a_listing_available_again_tells_nobody_twice() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("early", 1) }).unwrap();
    let p = book.add_property(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert_eq!(p.notified.queued, 1);
    book.set_property_status(&ws, p.id, PropertyStatus::Reserved).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("late", 2) }).unwrap();
    let again = book.set_property_status(&ws, p.id, PropertyStatus::Available).unwrap();
    assert_eq!((again.notified.matched, again.notified.queued), (2, 1), "only the new buyer is told");
    let bodies: Vec<_> = book.outbox(&ws, None, None).unwrap();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|m| m.kind.as_str() == "property" && m.status.as_str() == "queued" && m.property_id == Some(p.id)));
}

#[test]
fn a_listing_made_available_again_in_the_window_tells_nobody_until_the_agent_confirms() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("early", 1) }).unwrap();
    let p = book.add_property(&ws, &listing("JVC", 1_000_000)).unwrap();
    book.set_property_status_as_set(&ws, p.id, PropertyStatus::Reserved).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("late", 2) }).unwrap();
    assert!(!ws.alerts_at_once);
    let again = book.set_property_status_as_set(&ws, p.id, PropertyStatus::Available).unwrap();
    assert!(again.awaiting_confirmation);
    assert_eq!((again.notified.matched, again.notified.queued), (2, 0));
    assert_eq!(book.outbox(&ws, None, None).unwrap().len(), 1, "only the first listing's alert, from before");
    let told = book.announce_property(&ws, p.id).unwrap();
    assert_eq!(told.notified.queued, 1, "the confirmation tells the new buyer, once");
    assert_eq!(book.outbox(&ws, None, None).unwrap().len(), 2);
}

#[test]
fn buyers_who_cannot_be_messaged_become_call_tasks() {
    let (mut book, ws) = book();
    let id = book.add_lead(&ws, &LeadInput { name: Some("no channel".into()), email: Some("e@x.ae".into()), locations: vec!["JVC".into()], ..Default::default() }).unwrap().id;
    book.conn().execute("UPDATE leads SET opt_outs = '[\"email\"]' WHERE id = ?1", [id]).unwrap();
    let opted = book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("opted out", 2) }).unwrap().id;
    book.conn().execute("UPDATE leads SET opt_outs = '[\"whatsapp\",\"sms\"]' WHERE id = ?1", [opted]).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], telegram_id: Some(99), ..buyer("telegram", 3) }).unwrap();
    // Email is a channel (SPEC §12): a lead with only an address is written to.
    book.add_lead(&ws, &LeadInput { name: Some("email only".into()), email: Some("only@x.ae".into()), locations: vec!["JVC".into()], ..Default::default() }).unwrap();
    let p = book.add_property(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert_eq!((p.notified.matched, p.notified.queued, p.notified.unreachable), (4, 2, 2));
    let mut ids: Vec<i64> = p.notified.unreachable_leads.iter().map(|m| m.id).collect();
    ids.sort();
    assert_eq!(ids, vec![id, opted]);
    let tasks: i64 = book.conn().query_row("SELECT count(*) FROM tasks WHERE kind = 'call'", [], |r| r.get(0)).unwrap();
    assert_eq!(tasks, 2);
}

#[test]
fn the_alert_is_written_in_the_leads_language_with_the_listing() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], language: Some("ar".into()), ..buyer("Omar Haddad", 1) }).unwrap();
    book.add_property(&ws, &listing("JVC", 1_250_000)).unwrap();
    let body = &book.outbox(&ws, None, None).unwrap()[0].body;
    assert!(body.starts_with("مرحباً Omar"), "{body}");
    assert!(body.contains("1,250,000") && body.contains("Listing in JVC") && !body.contains('{'), "{body}");
}

#[test]
fn listings_and_buyers_of_another_workspace_are_invisible() {
    let (mut book, ws) = book();
    let other = book.add_workspace("Second Agency", None).unwrap();
    book.add_lead(&other, &LeadInput { locations: vec!["JVC".into()], ..buyer("their buyer", 1) }).unwrap();
    let theirs = book.add_property(&other, &listing("JVC", 1_000_000)).unwrap();
    assert_eq!(theirs.notified.matched, 1);

    assert_eq!(book.property(&ws, theirs.id).unwrap_err().code(), "not_found");
    assert_eq!(book.property_matches(&ws, theirs.id).unwrap_err().code(), "not_found");
    assert_eq!(book.set_property_status(&ws, theirs.id, PropertyStatus::Sold).map(|_| ()).unwrap_err().code(), "not_found");
    assert_eq!(book.update_property(&ws, theirs.id, &listing("JVC", 1)).unwrap_err().code(), "not_found");
    assert!(book.properties(&ws).unwrap().is_empty());
    assert!(book.outbox(&ws, None, None).unwrap().is_empty(), "their outbox is not ours");

    let mine = book.add_property(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert_eq!(mine.notified.matched, 0, "their buyer is not matched to our listing");
}

#[test]
fn each_match_says_which_criteria_it_met_and_which_the_lead_never_gave() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { purpose: Some("buy".into()), ..buyer("buyer only", 1) }).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], budget_max: Some(2_000_000), ..buyer("area and budget", 2) }).unwrap();
    let id = book.add_property(&ws, &listing("JVC", 1_500_000)).unwrap().id;
    let found = book.property_matches(&ws, id).unwrap();
    let only = found.iter().find(|m| m.name == "buyer only").unwrap();
    use leadbook_core::listings::matching::Criterion::*;
    // A perfect fit on the one criterion given is still a fit on one criterion of five.
    assert_eq!((only.fit, only.matched_on.clone()), (1.0, vec![Purpose]));
    assert_eq!(only.not_given, vec![Area, Budget, PropertyType, Bedrooms]);
    let two = found.iter().find(|m| m.name == "area and budget").unwrap();
    assert_eq!(two.matched_on, vec![Area, Budget]);
    assert_eq!(two.not_given, vec![PropertyType, Bedrooms, Purpose]);
}

#[test]
fn each_match_carries_the_state_of_the_alert_it_was_sent() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("told", 1) }).unwrap();
    let id = book.add_property(&ws, &listing("JVC", 1_500_000)).unwrap().id;
    // Added after the listing: matches it, but was not told.
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("later", 2) }).unwrap();
    let found = book.property_matches(&ws, id).unwrap();
    let told = found.iter().find(|m| m.name == "told").unwrap().alert.clone().expect("an alert was queued");
    assert_eq!(told.status, leadbook_core::model::MessageStatus::Queued);
    assert!(found.iter().find(|m| m.name == "later").unwrap().alert.is_none());
    // Another workspace's listing of the same id tells nothing of this one's alerts.
    let other = book.add_workspace("Other", None).unwrap();
    assert_eq!(book.property_matches(&other, id).unwrap_err().code(), "not_found");
}

#[test]
fn a_listing_added_to_be_confirmed_tells_nobody_until_the_agent_confirms_and_then_each_buyer_once() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("phone buyer", 1) }).unwrap();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], phone: None, linkedin_url: Some("https://www.linkedin.com/in/no-contact".into()), ..buyer("no contact", 2) }).unwrap();
    assert!(!ws.alerts_at_once, "the window confirms first by default");
    let added = book.add_property_as_set(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert!(added.awaiting_confirmation);
    assert_eq!((added.notified.matched, added.notified.queued, added.notified.unreachable), (2, 0, 0));
    assert!(book.outbox(&ws, None, None).unwrap().is_empty(), "nobody told before the agent confirms");

    let told = book.announce_property(&ws, added.id).unwrap();
    assert_eq!((told.notified.matched, told.notified.queued, told.notified.unreachable), (2, 1, 1));
    assert!(!told.awaiting_confirmation);
    let again = book.announce_property(&ws, added.id).unwrap();
    assert_eq!(again.notified.queued, 0, "a buyer is told about a listing once");
    assert_eq!(book.outbox(&ws, None, None).unwrap().len(), 1);

    // Another workspace cannot announce this listing.
    let other = book.add_workspace("Other", None).unwrap();
    assert_eq!(book.announce_property(&other, added.id).unwrap_err().code(), "not_found");
}

#[test]
fn a_workspace_set_to_send_at_once_tells_buyers_when_the_listing_is_added() {
    let (mut book, ws) = book();
    book.add_lead(&ws, &LeadInput { locations: vec!["JVC".into()], ..buyer("phone buyer", 1) }).unwrap();
    let ws = book.update_workspace(ws.id, &leadbook_core::workspace::WorkspacePatch { alerts_at_once: Some(true), ..Default::default() }).unwrap();
    assert!(ws.alerts_at_once);
    let added = book.add_property_as_set(&ws, &listing("JVC", 1_000_000)).unwrap();
    assert!(!added.awaiting_confirmation);
    assert_eq!(added.notified.queued, 1);
}
