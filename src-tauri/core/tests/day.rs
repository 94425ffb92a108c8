//! The agent's day (SPEC §13) with the test clock: calls in the pacing, do not market, viewings
//! and their messages, deals and the learned score, Today. Dubai is UTC+4: the window
//! 09:00–18:00 there is 05:00–14:00 UTC.

use chrono::{DateTime, Duration, Utc};
use leadbook_core::clock::parse_time;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::model::{Channel, MessageKind, MessageStatus, Status};
use leadbook_core::outbox::Message;
use leadbook_core::tasks::calls::CallOutcome;
use leadbook_core::tasks::deals::{DealInput, DealKind, DealStage};
use leadbook_core::tasks::viewings::{ViewingFilter, ViewingInput, ViewingStatus};
use leadbook_core::tasks::{TaskFilter, TaskInput, TaskKind};
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, Clock, FixedClock};
use std::sync::Arc;

/// Monday 2 March 2026, 08:00 in Dubai (before the window).
const MONDAY_8_DUBAI: &str = "2026-03-02T04:00:00Z";
/// Monday 2 March 2026, 10:00 in Dubai.
const MONDAY_10_DUBAI: &str = "2026-03-02T06:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    parse_time(s).unwrap()
}

fn book_at(at: &str) -> (Book, Arc<FixedClock>, Workspace) {
    let clock = Arc::new(FixedClock::at(at));
    let book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, clock, ws)
}

fn buyer(book: &mut Book, ws: &Workspace, name: &str, phone: &str) -> i64 {
    book.add_lead(
        ws,
        &LeadInput {
            name: Some(name.into()),
            phone: Some(phone.into()),
            locations: vec!["JVC".into()],
            budget_max: Some(2_000_000),
            purpose: Some("buy".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .id
}

fn listing(book: &mut Book, ws: &Workspace, title: &str) -> i64 {
    book.add_property(ws, &PropertyInput { title: Some(title.into()), location: Some("JVC".into()), price: Some(1_500_000), ..Default::default() })
        .unwrap()
        .id
}

fn messages(book: &Book, ws: &Workspace, lead: i64, kind: MessageKind) -> Vec<Message> {
    book.outbox(ws, None, Some(lead)).unwrap().into_iter().filter(|m| m.kind == kind).collect()
}

#[test]
fn a_no_answer_call_at_ten_holds_the_days_automatic_step() {
    let (mut book, clock, ws) = book_at(MONDAY_8_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    clock.set(t(MONDAY_10_DUBAI));
    book.log_call(&ws, lead, CallOutcome::NoAnswer, None, None).unwrap();
    // The first step was due at once; the call was today's contact.
    for _ in 0..8 {
        clock.advance(Duration::minutes(30));
        book.followup_tick(&ws).unwrap();
    }
    assert!(messages(&book, &ws, lead, MessageKind::Followup).is_empty(), "the call took today's contact");
    // The next local day it goes.
    clock.set(t("2026-03-03T06:00:00Z"));
    book.followup_tick(&ws).unwrap();
    assert_eq!(messages(&book, &ws, lead, MessageKind::Followup).len(), 1);
    // A call counts as a contact: last contacted is the call's time, and a no-answer call is
    // not a conversation — the lead stays new… until the message went (not sent here).
    let l = book.lead(&ws, lead).unwrap();
    assert_eq!(l.last_contacted_at, Some(t(MONDAY_10_DUBAI)));
}

#[test]
fn two_unanswered_calls_in_a_week_hold_the_automatic_steps_for_seven_days() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    // Step one an hour after, on Monday.
    clock.set(t("2026-03-02T07:00:00Z"));
    book.followup_tick(&ws).unwrap();
    assert_eq!(messages(&book, &ws, lead, MessageKind::Followup).len(), 1, "step one, on Monday");
    clock.set(t("2026-03-04T06:00:00Z"));
    book.log_call(&ws, lead, CallOutcome::Busy, None, Some(0)).unwrap();
    // Step two falls due on Thursday: a message and a call are already the week's two contacts.
    clock.set(t("2026-03-05T06:00:00Z"));
    for _ in 0..8 {
        clock.advance(Duration::hours(12));
        book.followup_tick(&ws).unwrap();
    }
    assert_eq!(clock.now(), t("2026-03-09T06:00:00Z"));
    assert_eq!(messages(&book, &ws, lead, MessageKind::Followup).len(), 1, "held while Monday's message is in the last seven days");
    // Once Monday's message is more than seven days old, the step goes.
    clock.set(t("2026-03-09T07:30:00Z"));
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!(messages(&book, &ws, lead, MessageKind::Followup).len(), 2, "{r:?} {:?} {:?}", book.enrolments(&ws, lead).unwrap(), messages(&book, &ws, lead, MessageKind::Followup));
}

#[test]
fn an_answered_call_moves_a_new_lead_to_contacted_but_is_no_reply() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let logged = book.log_call(&ws, lead, CallOutcome::Answered, Some("wants 2BR"), Some(180)).unwrap();
    assert!(!logged.do_not_market);
    let l = book.lead(&ws, lead).unwrap();
    assert_eq!(l.status, Status::Contacted);
    assert_eq!(l.last_inbound_at, None, "the agent called; the lead did not write");
    let detail = book.lead_detail(&ws, lead).unwrap();
    assert!(detail.timeline.iter().any(|e| e.kind == "call" && e.detail.contains("answered") && e.detail.contains("wants 2BR")));
}

#[test]
fn a_declined_call_marks_the_lead_do_not_market_and_nothing_more_goes_not_even_a_listing_alert() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let logged = book.log_call(&ws, lead, CallOutcome::Declined, None, None).unwrap();
    assert!(logged.do_not_market);
    let l = book.lead(&ws, lead).unwrap();
    assert!(l.do_not_market_at.is_some());
    assert_eq!(l.do_not_market_reason.as_deref(), Some("declined on a call"));
    // Follow-ups stopped; a listing that matches tells everyone else but this lead.
    let other = buyer(&mut book, &ws, "Bob", "0507654321");
    let p = listing(&mut book, &ws, "JVC 2BR");
    assert!(messages(&book, &ws, lead, MessageKind::Property).is_empty());
    assert_eq!(messages(&book, &ws, other, MessageKind::Property).len(), 1);
    for _ in 0..30 {
        clock.advance(Duration::hours(12));
        book.followup_tick(&ws).unwrap();
    }
    assert!(book.outbox(&ws, None, Some(lead)).unwrap().iter().all(|m| m.status != MessageStatus::Queued), "nothing waits to go to it");
    assert!(messages(&book, &ws, lead, MessageKind::Followup).is_empty());
    assert!(book.tasks(&ws, &TaskFilter::default()).unwrap().iter().all(|t| t.lead_id != Some(lead)), "not even a call task about {p}");
    // Marked back by hand, with a reason; the filter of the lead list sees both states.
    let back = book.set_do_not_market(&ws, lead, false, "asked to hear about JVC again").unwrap();
    assert!(back.do_not_market_at.is_none());
    assert_eq!(book.set_do_not_market(&ws, lead, false, " ").unwrap_err().code(), "validation");
}

#[test]
fn a_wrong_number_marks_the_phone_unusable() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    book.log_call(&ws, lead, CallOutcome::WrongNumber, None, None).unwrap();
    let l = book.lead(&ws, lead).unwrap();
    assert!(l.unusable_channels.contains(&Channel::Sms), "{:?}", l.unusable_channels);
    assert!(l.unusable_channels.contains(&Channel::Whatsapp));
}

#[test]
fn a_bad_call_is_refused_and_changes_nothing() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    assert_eq!(book.log_call(&ws, lead, CallOutcome::Answered, None, Some(-5)).unwrap_err().code(), "validation");
    assert_eq!(book.log_call(&ws, 999, CallOutcome::Answered, None, None).unwrap_err().code(), "not_found");
    assert!(book.calls(&ws, lead).unwrap().is_empty());
    assert_eq!(book.lead(&ws, lead).unwrap().status, Status::New);
}

#[test]
fn booking_a_viewing_moves_the_lead_and_queues_a_confirmation_and_a_reminder_each_once() {
    let (mut book, clock, ws) = book_at(MONDAY_8_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let booked = book
        .book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-03T12:00:00Z".into(), duration_min: Some(45), place: Some("Lobby".into()) })
        .unwrap();
    assert!(booked.confirmation_queued);
    // 16:00 Dubai, reminder two hours before: 14:00 Dubai.
    assert_eq!(booked.reminder_at.as_deref(), Some("2026-03-03T10:00:00Z"));
    assert_eq!(book.lead(&ws, lead).unwrap().status, Status::Viewing);
    let sent = messages(&book, &ws, lead, MessageKind::Viewing);
    assert_eq!(sent.len(), 2);
    // 08:00 is before the window: the confirmation waits for 09:00.
    assert_eq!(sent[0].next_attempt_at.as_deref(), Some("2026-03-02T05:00:00Z"));
    assert!(sent[0].body.contains("2026-03-03 16:00") && sent[0].body.contains("Lobby"), "{}", sent[0].body);
    assert_eq!(sent[1].next_attempt_at.as_deref(), Some("2026-03-03T10:00:00Z"));
    // A second process booking the same viewing's messages again queues nothing.
    clock.advance(Duration::minutes(1));
    book.write(|tx, now| {
        let n = leadbook_core::outbox::queue_viewing(tx, &ws, lead, p, booked.id, leadbook_core::outbox::VIEWING_REMINDER, "again", None, now)?;
        assert_eq!(n, 0);
        Ok(())
    })
    .unwrap();
    assert_eq!(messages(&book, &ws, lead, MessageKind::Viewing).len(), 2);
}

#[test]
fn a_cancelled_viewings_reminder_never_goes() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let booked = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-04T10:00:00Z".into(), ..Default::default() }).unwrap();
    book.set_viewing_status(&ws, booked.id, ViewingStatus::Cancelled).unwrap();
    let viewing_msgs = messages(&book, &ws, lead, MessageKind::Viewing);
    assert_eq!(viewing_msgs.len(), 2);
    assert!(viewing_msgs.iter().all(|m| m.status == MessageStatus::Failed && m.next_attempt_at.is_none()), "{viewing_msgs:?}");
    assert_eq!(book.set_viewing_status(&ws, booked.id, ViewingStatus::Scheduled).unwrap_err().code(), "validation");
}

#[test]
fn a_viewing_across_a_utc_midnight_keeps_its_local_day_and_time() {
    // 02:30 in Dubai on Wednesday is 22:30 UTC on Tuesday (Dubai has no daylight saving).
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let booked = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-03T22:30:00+00:00".into(), ..Default::default() }).unwrap();
    assert_eq!(booked.viewing.at, "2026-03-03T22:30:00Z");
    let body = &messages(&book, &ws, lead, MessageKind::Viewing)[0].body;
    assert!(body.contains("2026-03-04 02:30"), "{body}");
    // The reminder (00:30 local) falls outside the window: it goes at the window's last minute before.
    assert_eq!(booked.reminder_at.as_deref(), Some("2026-03-03T13:59:00Z"));
    // Listed on the local Wednesday, not on Tuesday.
    let wed = book.viewings(&ws, &ViewingFilter { from: Some(ws.day_start(ws.local_day(t("2026-03-04T06:00:00Z")))), ..Default::default() }).unwrap();
    assert_eq!(wed.len(), 1);
}

#[test]
fn a_viewing_in_the_past_or_of_another_workspace_is_refused() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let past = ViewingInput { lead_id: lead, property_id: p, at: "2026-03-01T10:00:00Z".into(), ..Default::default() };
    assert_eq!(book.book_viewing(&ws, &past).unwrap_err().code(), "validation");
    let other = book.add_workspace("Other", None).unwrap();
    let ahead = ViewingInput { at: "2026-03-05T10:00:00Z".into(), ..past.clone() };
    assert_eq!(book.book_viewing(&other, &ahead).unwrap_err().code(), "not_found");
    let v = book.book_viewing(&ws, &ahead).unwrap();
    assert!(book.viewings(&other, &ViewingFilter::default()).unwrap().is_empty());
    assert_eq!(book.set_viewing_status(&other, v.id, ViewingStatus::Cancelled).unwrap_err().code(), "not_found");
}

#[test]
fn a_listings_page_lists_only_its_own_viewings_and_only_in_its_workspace() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let aisha = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let omar = buyer(&mut book, &ws, "Omar Haddad", "0507654321");
    let jvc = listing(&mut book, &ws, "JVC 2BR");
    let marina = listing(&mut book, &ws, "Marina 1BR");
    for (lead, p, at) in [(aisha, jvc, "2026-03-05T10:00:00Z"), (omar, jvc, "2026-03-04T10:00:00Z"), (aisha, marina, "2026-03-06T10:00:00Z")] {
        book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: at.into(), ..Default::default() }).unwrap();
    }
    let on_jvc = book.viewings(&ws, &ViewingFilter { property: Some(jvc), ..Default::default() }).unwrap();
    assert_eq!(on_jvc.iter().map(|v| v.lead_name.as_str()).collect::<Vec<_>>(), ["Omar Haddad", "Aisha Khan"], "earliest first");
    let aisha_on_marina = book.viewings(&ws, &ViewingFilter { lead: Some(aisha), property: Some(marina), ..Default::default() }).unwrap();
    assert_eq!(aisha_on_marina.len(), 1);
    assert_eq!(aisha_on_marina[0].property_title, "Marina 1BR");
    let other = book.add_workspace("Other", None).unwrap();
    assert!(book.viewings(&other, &ViewingFilter { property: Some(jvc), ..Default::default() }).unwrap().is_empty());
}

#[test]
fn a_deal_earns_its_commission_and_won_makes_the_lead_won_which_the_learned_score_sees() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let d = book.add_deal(&ws, &DealInput { lead_id: lead, property_id: None, kind: DealKind::Sale, value: 2_500_000, stage: None, expected_close: Some("2026-06-30".into()), notes: None }).unwrap();
    assert_eq!((d.stage, d.commission, d.vat, d.agent_share), (DealStage::Offer, 50_000, 2_500, 25_000));
    assert_eq!(book.set_deal_stage(&ws, d.id, DealStage::Ejari).unwrap_err().code(), "validation");
    book.set_deal_stage(&ws, d.id, DealStage::Won).unwrap();
    assert_eq!(book.lead(&ws, lead).unwrap().status, Status::Won);
    let won: i64 = book.conn().query_row("SELECT count(*) FROM leads WHERE workspace_id = ?1 AND status = 'won'", [ws.id], |r| r.get(0)).unwrap();
    assert_eq!(won, 1, "an outcome the learned score trains on");
    let dash = book.dashboard(&ws).unwrap();
    assert_eq!((dash.pipeline.earned_this_month, dash.pipeline.earned_this_year), (50_000, 50_000));
    let won_stage = dash.pipeline.stages.iter().find(|s| s.stage == DealStage::Won).unwrap();
    assert_eq!((won_stage.count, won_stage.value, won_stage.commission), (1, 2_500_000, 50_000));
}

#[test]
fn a_deal_on_a_listing_is_listed_with_the_listings_title() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let on_listing = DealInput { lead_id: lead, property_id: Some(p), kind: DealKind::Sale, value: 1_500_000, stage: None, expected_close: None, notes: None };
    book.add_deal(&ws, &on_listing).unwrap();
    book.add_deal(&ws, &DealInput { property_id: None, ..on_listing }).unwrap();
    let titles: Vec<_> = book.deals(&ws, None).unwrap().into_iter().map(|d| d.property_title).collect();
    assert_eq!(titles.iter().filter(|t| t.as_deref() == Some("JVC 2BR")).count(), 1);
    assert_eq!(titles.iter().filter(|t| t.is_none()).count(), 1);
}

#[test]
fn a_bad_deal_is_refused_and_another_workspace_cannot_see_or_move_one() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let input = DealInput { lead_id: lead, property_id: None, kind: DealKind::Rent, value: 0, stage: None, expected_close: None, notes: None };
    assert_eq!(book.add_deal(&ws, &input).unwrap_err().code(), "validation");
    let bad_stage = DealInput { value: 120_000, stage: Some(DealStage::MouSigned), ..input.clone() };
    assert_eq!(book.add_deal(&ws, &bad_stage).unwrap_err().code(), "validation");
    let bad_date = DealInput { value: 120_000, expected_close: Some("June".into()), ..input.clone() };
    assert_eq!(book.add_deal(&ws, &bad_date).unwrap_err().code(), "validation");
    assert!(book.deals(&ws, None).unwrap().is_empty());
    let d = book.add_deal(&ws, &DealInput { value: 120_000, ..input }).unwrap();
    let other = book.add_workspace("Other", None).unwrap();
    assert!(book.deals(&other, None).unwrap().is_empty());
    assert_eq!(book.set_deal_stage(&other, d.id, DealStage::Lost).unwrap_err().code(), "not_found");
    assert_eq!(book.lead(&ws, lead).unwrap().status, Status::New);
}

#[test]
fn another_workspace_cannot_log_a_call_for_a_lead_or_see_its_calls() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    book.log_call(&ws, lead, CallOutcome::NoAnswer, None, None).unwrap();
    let other = book.add_workspace("Other", None).unwrap();
    assert_eq!(book.log_call(&other, lead, CallOutcome::Declined, None, None).unwrap_err().code(), "not_found");
    assert_eq!(book.calls(&other, lead).unwrap_err().code(), "not_found");
    assert!(book.lead(&ws, lead).unwrap().do_not_market_at.is_none());
}

#[test]
fn today_puts_a_leads_and_overdue_calls_first_and_outside_the_window_they_wait() {
    let (mut book, clock, ws) = book_at(MONDAY_8_DUBAI);
    let cold = buyer(&mut book, &ws, "Cold", "0501111111");
    let hot = book
        .add_lead(
            &ws,
            &LeadInput {
                name: Some("Hot".into()),
                phone: Some("0502222222".into()),
                email: Some("hot@example.com".into()),
                budget_min: Some(3_000_000),
                budget_max: Some(5_000_000),
                locations: vec!["Dubai Marina".into()],
                property_type: Some("apartment".into()),
                bedrooms: Some(2),
                purpose: Some("buy".into()),
                source: Some("referral".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let call = |book: &mut Book, lead: i64, due: &str| {
        book.add_task(&ws, &TaskInput { title: "Call".into(), lead_id: Some(lead), kind: Some(TaskKind::Call), due_at: Some(due.into()), ..Default::default() }).unwrap().id
    };
    let cold_overdue = call(&mut book, cold, "2026-03-01T06:00:00Z");
    let cold_later = call(&mut book, cold, "2026-03-02T09:00:00Z");
    let hot_later = call(&mut book, hot.id, "2026-03-02T10:00:00Z");
    book.add_task(&ws, &TaskInput { title: "Send the brochure".into(), due_at: Some("2026-03-02T07:00:00Z".into()), ..Default::default() }).unwrap();
    book.add_task(&ws, &TaskInput { title: "Next week".into(), due_at: Some("2026-03-09T07:00:00Z".into()), ..Default::default() }).unwrap();
    let today = book.today(&ws).unwrap();
    let grade_of_hot = book.lead(&ws, hot.id).unwrap().grade;
    let order: Vec<i64> = today.calls.iter().map(|c| c.task_id).collect();
    if grade_of_hot == leadbook_core::model::Grade::A {
        assert_eq!(order, [hot_later, cold_overdue, cold_later]);
    } else {
        assert_eq!(order, [cold_overdue, cold_later, hot_later]);
    }
    assert!(!today.in_call_window);
    assert_eq!(today.calls_wait_label.as_deref(), Some("after 09:00"));
    assert!(today.calls.iter().all(|c| c.waits_until.as_deref() == Some("2026-03-02T05:00:00Z")));
    assert_eq!(today.tasks.len(), 1, "the brochure, not next week's");
    assert_eq!(today.new_leads.len(), 2);
    assert_eq!(today.new_leads[0].age_minutes, 0);
    clock.set(t(MONDAY_10_DUBAI));
    let today = book.today(&ws).unwrap();
    assert!(today.in_call_window && today.calls.iter().all(|c| c.waits_until.is_none()));
    assert_eq!(today.new_leads[0].age_minutes, 120);
    // A logged call settles the lead's call tasks; a reply puts the lead under replies.
    book.log_call(&ws, cold, CallOutcome::NoAnswer, None, None).unwrap();
    book.record_reply(&ws, hot.id, "Call me tomorrow", None).unwrap();
    let today = book.today(&ws).unwrap();
    assert_eq!(today.calls.iter().map(|c| c.task_id).collect::<Vec<_>>(), [hot_later]);
    assert_eq!(today.replies.len(), 1);
    assert_eq!(today.replies[0].lead_id, hot.id);
    assert!(today.new_leads.iter().all(|l| l.lead_id != cold), "a called lead is no longer unanswered");
}

#[test]
fn todays_viewings_are_those_of_the_local_day() {
    let (mut book, clock, ws) = book_at(MONDAY_8_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-02T12:00:00Z".into(), ..Default::default() }).unwrap();
    // 01:00 Tuesday in Dubai, still Monday in UTC.
    book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-02T21:00:00Z".into(), ..Default::default() }).unwrap();
    let today = book.today(&ws).unwrap();
    assert_eq!(today.viewings.len(), 1);
    clock.set(t("2026-03-03T05:00:00Z"));
    assert_eq!(book.today(&ws).unwrap().viewings.len(), 1);
    let _ = clock.now();
}

#[test]
fn delivery_takes_a_viewings_confirmation_in_the_window_and_its_reminder_only_at_its_time_and_never_once_cancelled() {
    use leadbook_core::outbox::due_page;
    let (mut book, _clock, ws) = book_at(MONDAY_8_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    let booked = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-03T12:00:00Z".into(), ..Default::default() }).unwrap();
    let due_at = |book: &Book, at: &str| -> Vec<i64> {
        let ids: Vec<i64> = messages(book, &ws, lead, MessageKind::Viewing).iter().map(|m| m.id).collect();
        due_page(book.conn(), &ws, t(at), ("", 0), 100).unwrap().into_iter().map(|d| d.id).filter(|id| ids.contains(id)).collect()
    };
    let ids: Vec<i64> = messages(&book, &ws, lead, MessageKind::Viewing).iter().map(|m| m.id).collect();
    assert!(due_at(&book, MONDAY_8_DUBAI).is_empty(), "08:00 in Dubai: nothing goes before 09:00");
    assert_eq!(due_at(&book, "2026-03-02T05:00:00Z"), [ids[0]], "the confirmation at 09:00");
    assert_eq!(due_at(&book, "2026-03-03T10:00:00Z"), ids, "the reminder at its time");
    book.set_viewing_status(&ws, booked.id, ViewingStatus::Cancelled).unwrap();
    assert!(due_at(&book, "2026-03-03T10:00:00Z").is_empty(), "a cancelled viewing's messages never go");
}

#[test]
fn another_workspaces_today_shows_nothing_of_this_one() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let p = listing(&mut book, &ws, "JVC 2BR");
    book.add_task(&ws, &TaskInput { title: "Call".into(), lead_id: Some(lead), kind: Some(TaskKind::Call), due_at: Some(MONDAY_10_DUBAI.into()), ..Default::default() }).unwrap();
    book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-02T12:00:00Z".into(), ..Default::default() }).unwrap();
    let mine = book.today(&ws).unwrap();
    assert_eq!((mine.calls.len(), mine.viewings.len()), (1, 1));
    let other = book.add_workspace("Other", None).unwrap();
    let theirs = book.today(&other).unwrap();
    assert!(theirs.calls.is_empty() && theirs.viewings.is_empty() && theirs.tasks.is_empty() && theirs.new_leads.is_empty() && theirs.replies.is_empty());
    assert_eq!(theirs.manual_count, 0);
}

#[test]
fn the_workspaces_own_commission_rates_and_reminder_lead_time_are_used_and_bad_ones_change_nothing() {
    use leadbook_core::workspace::WorkspacePatch;
    let (mut book, _clock, ws) = book_at(MONDAY_8_DUBAI);
    assert_eq!((ws.commission_sale_bp, ws.commission_rent_bp, ws.vat_bp, ws.agent_share_bp, ws.viewing_reminder_min), (200, 500, 500, 5000, 120));
    let bad = WorkspacePatch { commission_sale_bp: Some(150), agent_share_bp: Some(10_001), ..Default::default() };
    let err = book.update_workspace(ws.id, &bad).unwrap_err();
    assert_eq!((err.code(), err.field()), ("validation", Some("agent_share_bp")));
    let err = book.update_workspace(ws.id, &WorkspacePatch { viewing_reminder_min: Some(-1), ..Default::default() }).unwrap_err();
    assert_eq!((err.code(), err.field()), ("validation", Some("viewing_reminder_min")));
    assert_eq!(book.workspace("Default").unwrap().commission_sale_bp, 200, "a refused change changes nothing");

    // 1.5 % of a sale, 60 % for the agent, reminders an hour ahead.
    let patch = WorkspacePatch { commission_sale_bp: Some(150), agent_share_bp: Some(6000), viewing_reminder_min: Some(60), ..Default::default() };
    let ws = book.update_workspace(ws.id, &patch).unwrap();
    assert_eq!((ws.commission_sale_bp, ws.agent_share_bp, ws.viewing_reminder_min), (150, 6000, 60));
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    let d = book.add_deal(&ws, &DealInput { lead_id: lead, property_id: None, kind: DealKind::Sale, value: 2_000_000, stage: None, expected_close: None, notes: None }).unwrap();
    assert_eq!((d.commission, d.vat, d.agent_share), (30_000, 1_500, 18_000));
    let p = listing(&mut book, &ws, "JVC 2BR");
    let booked = book
        .book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: "2026-03-03T12:00:00Z".into(), duration_min: None, place: None })
        .unwrap();
    assert_eq!(booked.reminder_at.as_deref(), Some("2026-03-03T11:00:00Z"));
    // Another workspace keeps the defaults.
    assert_eq!(book.add_workspace("Other", None).unwrap().commission_sale_bp, 200);
}

#[test]
fn a_lead_history_pages_through_its_entries_tasks_and_creation_in_one_order_without_gaps() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let lead = buyer(&mut book, &ws, "Aisha Khan", "0501234567");
    for i in 0..30 {
        book.log_call(&ws, lead, CallOutcome::NoAnswer, Some(&format!("try {i}")), None).unwrap();
        // Undated tasks stand at the time they were made: the same second as the call.
        book.add_task(&ws, &TaskInput { title: format!("chase {i}"), lead_id: Some(lead), ..Default::default() }).unwrap();
        if i % 3 == 0 {
            clock.advance(Duration::minutes(1));
        }
    }
    book.add_task(&ws, &TaskInput { title: "viewing prep".into(), lead_id: Some(lead), due_at: Some("2026-03-09T06:00:00Z".into()), ..Default::default() })
        .unwrap();

    let all = book.lead_timeline(&ws, lead, None, 500).unwrap();
    assert_eq!(all.next, None);
    assert_eq!(all.total as usize, all.entries.len());
    assert_eq!(all.entries.iter().filter(|e| e.kind == "task_open").count(), 31);
    assert_eq!(all.entries.iter().filter(|e| e.kind == "call").count(), 30);
    assert_eq!(all.entries.first().unwrap().detail, "other task: viewing prep", "a task due next week is the newest entry");
    assert_eq!(all.entries.last().unwrap().kind, "created", "creation closes the history");
    assert!(all.entries.windows(2).all(|w| w[0].at >= w[1].at), "newest first");

    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = book.lead_timeline(&ws, lead, after.as_ref(), 7).unwrap();
        assert_eq!(page.total, all.total);
        assert!(page.entries.len() <= 7);
        paged.extend(page.entries);
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, all.entries, "pages of 7 read the same history, nothing twice, nothing left out");

    let detail = book.lead_detail(&ws, lead).unwrap();
    assert_eq!(detail.timeline, all.entries[..leadbook_core::book::LEAD_TIMELINE_PAGE]);
    assert_eq!(detail.timeline_total, all.total);
    assert!(detail.timeline_next.is_some());

    let other = book.add_workspace("Other", None).unwrap();
    assert_eq!(book.lead_timeline(&other, lead, None, 10).unwrap_err().code(), "not_found");
}
