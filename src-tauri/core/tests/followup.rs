//! The follow-up engine with the test clock (SPEC §5). Dubai is UTC+4: the default sending
//! window 09:00–18:00 there is 05:00–14:00 UTC.

use chrono::{DateTime, Duration, Timelike, Utc};
use leadbook_core::clock::parse_time;
use leadbook_core::followups::Step;
use leadbook_core::model::Status;
use leadbook_core::outbox::Message;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::sync::Arc;

/// Monday 2 March 2026, 10:00 in Dubai.
const MONDAY_10_DUBAI: &str = "2026-03-02T06:00:00Z";

fn book_at(t: &str) -> (Book, Arc<FixedClock>, Workspace) {
    let clock = Arc::new(FixedClock::at(t));
    let book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    (book, clock, ws)
}

fn lead(book: &mut Book, ws: &Workspace, name: &str) -> i64 {
    book.add_lead(ws, &LeadInput { name: Some(name.into()), phone: Some("0501234567".into()), ..Default::default() }).unwrap().id
}

fn followups(book: &Book, ws: &Workspace) -> Vec<Message> {
    book.outbox(ws, None, None).unwrap().into_iter().filter(|m| m.kind.as_str() == "followup").collect()
}

fn t(s: &str) -> DateTime<Utc> {
    parse_time(s).unwrap()
}

/// Ticks every `every` until `until`, like the app's timer.
fn run_until(book: &mut Book, clock: &FixedClock, ws: &Workspace, until: DateTime<Utc>, every: Duration) {
    while clock.now_utc() < until {
        clock.advance(every);
        book.followup_tick(ws).unwrap();
    }
}

trait Now {
    fn now_utc(&self) -> DateTime<Utc>;
}
impl Now for FixedClock {
    fn now_utc(&self) -> DateTime<Utc> {
        leadbook_core::Clock::now(self)
    }
}

#[test]
fn five_steps_go_out_over_fifteen_days_inside_the_window_and_the_pacing() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    lead(&mut book, &ws, "Aisha Khan");
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(15), Duration::minutes(30));
    let sent = followups(&book, &ws);
    let steps: Vec<i64> = sent.iter().map(|m| m.campaign_step.unwrap()).collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 5]);
    let times: Vec<DateTime<Utc>> = sent.iter().map(|m| t(&m.queued_at)).collect();
    for at in &times {
        let dubai_hour = (at.hour() + 4) % 24;
        assert!((9..18).contains(&dubai_hour), "queued at {at} (Dubai {dubai_hour}:00)");
    }
    for w in times.windows(3) {
        assert!(w[2] - w[0] >= Duration::days(7), "three messages within 7 days: {w:?}");
    }
    for w in times.windows(2) {
        assert_ne!((w[0] + Duration::hours(4)).date_naive(), (w[1] + Duration::hours(4)).date_naive(), "two in one day");
    }
    assert!(sent.iter().all(|m| m.body.starts_with("Hi Aisha") || m.body.starts_with("Aisha")), "rendered in English");
    let e = &book.enrolments(&ws, 1).unwrap()[0];
    assert_eq!((e.state.as_str(), e.next_due_at.as_deref()), ("completed", None));
}

#[test]
fn a_reply_on_day_two_stops_steps_two_to_five() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let id = lead(&mut book, &ws, "Omar");
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(2), Duration::hours(1));
    assert_eq!(followups(&book, &ws).len(), 1, "step 1 went out");
    book.record_reply(&ws, id, "Yes, call me", None).unwrap();
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(15), Duration::hours(1));
    assert_eq!(followups(&book, &ws).len(), 1, "nothing after the reply");
    let e = &book.enrolments(&ws, id).unwrap()[0];
    assert_eq!(e.state, "stopped");
    assert_eq!(book.lead(&ws, id).unwrap().next_followup_at, None);
}

#[test]
fn status_won_stops_the_campaign() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let id = lead(&mut book, &ws, "Layla");
    book.set_status(&ws, id, Status::Won).unwrap();
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(15), Duration::hours(1));
    assert!(followups(&book, &ws).is_empty());
}

#[test]
fn a_step_due_at_22_dubai_waits_until_09() {
    // Created 21:00 in Dubai: step 1 is due at 22:00.
    let (mut book, clock, ws) = book_at("2026-03-02T17:00:00Z");
    lead(&mut book, &ws, "Night Owl");
    clock.set(t("2026-03-02T18:00:00Z"));
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!((r.due, r.queued, r.deferred), (1, 0, 1));
    clock.set(t("2026-03-03T04:59:00Z")); // 08:59 Dubai
    assert_eq!(book.followup_tick(&ws).unwrap().deferred, 1);
    clock.set(t("2026-03-03T05:00:00Z")); // 09:00 Dubai
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!((r.queued, r.deferred), (1, 0));
    assert_eq!(followups(&book, &ws)[0].queued_at, "2026-03-03T05:00:00Z");
}

#[test]
fn an_app_closed_from_day_zero_to_day_seven_sends_only_step_three() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    lead(&mut book, &ws, "Reza");
    clock.advance(Duration::days(7));
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!((r.due, r.queued, r.skipped), (1, 1, 2));
    let sent = followups(&book, &ws);
    assert_eq!(sent.iter().map(|m| m.campaign_step).collect::<Vec<_>>(), vec![Some(3)]);
    // The skipped steps never go out later either.
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(20), Duration::hours(1));
    assert_eq!(followups(&book, &ws).iter().map(|m| m.campaign_step.unwrap()).collect::<Vec<_>>(), vec![3, 4, 5]);
}

fn quick_campaign(book: &mut Book, ws: &Workspace, offsets_minutes: &[i64]) {
    let id = book.campaigns(ws).unwrap()[0].id;
    let steps: Vec<Step> = offsets_minutes
        .iter()
        .enumerate()
        .map(|(i, o)| Step {
            position: i as i64 + 1,
            offset_minutes: *o,
            label: format!("step {}", i + 1),
            template_en: format!("Hello {{first_name}}, step {} about {{location}}", i + 1),
            template_fa: "سلام {first_name}".into(),
            template_ar: "مرحباً {first_name}".into(),
            channel: None,
            wa_template: None,
            wa_template_language: None,
            wa_template_params: vec![],
            subject_en: String::new(),
            subject_fa: String::new(),
            subject_ar: String::new(),
            variants: vec![],
        })
        .collect();
    book.update_campaign_steps(ws, id, &steps).unwrap();
}

#[test]
fn pacing_allows_one_message_a_day_and_two_a_week() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    // +1 h, +2 h, +1 day, +2 days: the second waits for the next day, the third until the first
    // leaves the 7 days, the fourth until the second does. A step pacing held back is never
    // skipped as if a closed app had missed it: every step goes, in order.
    quick_campaign(&mut book, &ws, &[60, 120, 24 * 60, 2 * 24 * 60]);
    lead(&mut book, &ws, "Sara");
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(10), Duration::minutes(30));
    let sent = followups(&book, &ws);
    let times: Vec<DateTime<Utc>> = sent.iter().map(|m| t(&m.queued_at)).collect();
    assert_eq!(sent.iter().map(|m| m.campaign_step.unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4], "{times:?}");
    assert_eq!(times[0], t("2026-03-02T07:00:00Z"));
    assert_eq!(times[1].date_naive(), t("2026-03-03T05:00:00Z").date_naive(), "next day");
    assert!(times[2] - times[0] >= Duration::days(7), "third waits until the first leaves the 7 days");
    assert!(times[3] - times[1] >= Duration::days(7), "fourth waits until the second leaves the 7 days");
}

#[test]
fn a_missing_variable_renders_its_fallback_in_the_message() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    lead(&mut book, &ws, "Hassan");
    clock.advance(Duration::hours(2));
    book.followup_tick(&ws).unwrap();
    let body = &followups(&book, &ws)[0].body;
    assert!(body.contains("Dubai") && body.contains("your agent"), "{body}");
    assert!(!body.contains('{') && !body.contains("None"), "{body}");
}

#[test]
fn pausing_holds_the_steps_and_resuming_catches_up_without_a_burst() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let id = lead(&mut book, &ws, "Priya");
    book.pause_followups(&ws, id).unwrap();
    run_until(&mut book, &clock, &ws, t(MONDAY_10_DUBAI) + Duration::days(4), Duration::hours(1));
    assert!(followups(&book, &ws).is_empty());
    let e = book.resume_followups(&ws, id).unwrap();
    assert_eq!(e[0].state, "active");
    clock.set(t("2026-03-06T06:00:00Z"));
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!((r.queued, r.skipped), (1, 1), "step 2 goes, step 1 is skipped");
}

#[test]
fn a_lead_opted_out_of_every_channel_is_stopped() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let id = lead(&mut book, &ws, "Quiet");
    book.conn().execute("UPDATE leads SET opt_outs = '[\"telegram\",\"whatsapp\",\"sms\"]' WHERE id = ?1", [id]).unwrap();
    clock.advance(Duration::hours(2));
    let r = book.followup_tick(&ws).unwrap();
    assert_eq!((r.stopped, r.queued), (1, 0));
}

#[test]
fn another_workspaces_follow_ups_are_invisible() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let other = book.add_workspace("Second Agency", None).unwrap();
    let theirs = lead(&mut book, &other, "Theirs");
    assert_eq!(book.enrolments(&ws, theirs).unwrap_err().code(), "not_found");
    assert_eq!(book.pause_followups(&ws, theirs).unwrap_err().code(), "not_found");
    assert_eq!(book.preview_template(&ws, theirs, "{name}", None).unwrap_err().code(), "not_found");
    clock.advance(Duration::hours(2));
    assert_eq!(book.followup_tick(&ws).unwrap().due, 0, "our tick does not see their leads");
    assert_eq!(book.followup_tick(&other).unwrap().queued, 1);
    assert!(followups(&book, &ws).is_empty());
    assert_eq!(book.campaigns(&other).unwrap().len(), 1, "each workspace has its own default campaign");
}

#[test]
fn the_campaign_editor_refuses_unknown_variables_and_steps_out_of_order() {
    let (mut book, _clock, ws) = book_at(MONDAY_10_DUBAI);
    let c = book.campaigns(&ws).unwrap().remove(0);
    assert_eq!(c.name, "New lead nurture");
    assert_eq!(c.steps.iter().map(|s| s.offset_minutes).collect::<Vec<_>>(), vec![60, 4320, 8640, 14400, 20160]);
    let mut steps = c.steps.clone();
    steps[0].template_fa = "سلام {firstname}".into();
    assert_eq!(book.update_campaign_steps(&ws, c.id, &steps).unwrap_err().field(), Some("template_fa"));
    let mut steps = c.steps.clone();
    steps[2].offset_minutes = 10;
    assert_eq!(book.update_campaign_steps(&ws, c.id, &steps).unwrap_err().field(), Some("offset_minutes"));
}

#[test]
fn an_ab_tested_step_splits_the_leads_counts_replies_per_variant_and_promotes_the_winner() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let mut c = book.campaigns(&ws).unwrap().remove(0);
    c.steps[0].variants.push(leadbook_core::followups::Variant {
        template_en: "B: {first_name}, shall I send you three homes in {location}?".into(),
        template_fa: "ب: {first_name}".into(),
        template_ar: "ب: {first_name}".into(),
    });
    book.update_campaign_steps(&ws, c.id, &c.steps).unwrap();
    for i in 0..400 {
        book.add_lead(&ws, &LeadInput { name: Some(format!("Lead {i}")), phone: Some(format!("05012{i:05}")), ..Default::default() }).unwrap();
    }
    clock.advance(Duration::hours(1));
    book.followup_tick(&ws).unwrap();
    let msgs = followups(&book, &ws);
    assert_eq!(msgs.len(), 400);
    let b: Vec<&Message> = msgs.iter().filter(|m| m.body.starts_with("B: ")).collect();
    assert!((170..=230).contains(&b.len()), "about half get B: {}", b.len());
    for m in &msgs {
        let expected = leadbook_core::followups::abtest::assign(m.lead_id, c.id, 2);
        assert_eq!(m.body.starts_with("B: "), expected == 1, "the variant is the lead's fixed one");
    }
    // They went out; every B lead answers, one A lead in ten does.
    book.conn().execute("UPDATE outbox SET status = 'sent', sent_at = queued_at", []).unwrap();
    clock.advance(Duration::hours(1));
    for m in &msgs {
        if m.body.starts_with("B: ") || m.lead_id % 10 == 0 {
            book.record_reply(&ws, m.lead_id, "yes please", None).unwrap();
        }
    }
    let stats = book.campaign_stats(&ws).unwrap();
    let step = stats.iter().find(|s| s.position == 1).unwrap();
    let (a, bb) = (&step.variants[0], &step.variants[1]);
    assert_eq!((a.label.as_str(), bb.label.as_str()), ("A", "B"));
    assert_eq!(a.sent + bb.sent, 400);
    assert_eq!(bb.replied, bb.sent);
    assert!(a.low <= a.reply_rate && a.reply_rate <= a.high);
    assert!(bb.versus_a.unwrap().significant);
    assert_eq!(step.winner, Some(1));
    let promoted = book.promote_variant(&ws, c.id, 1, 1).unwrap();
    assert!(promoted.steps[0].template_en.starts_with("B: "));
    assert!(promoted.steps[0].variants.is_empty());
}

#[test]
fn a_lead_no_channel_can_reach_gets_a_task_to_find_a_number_and_its_follow_ups_start_once_it_has_one() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let profile_only = LeadInput { name: Some("Layla Haddad".into()), linkedin_url: Some("https://www.linkedin.com/in/layla-haddad".into()), ..Default::default() };
    let id = book.add_lead(&ws, &profile_only).unwrap().id;
    let find = |book: &Book| book.tasks(&ws, &leadbook_core::tasks::TaskFilter { lead_id: Some(id), ..Default::default() }).unwrap();
    assert!(book.enrolments(&ws, id).unwrap().is_empty(), "not in automatic follow-ups");
    let tasks = find(&book);
    assert_eq!(tasks.len(), 1);
    assert_eq!((tasks[0].origin.as_str(), tasks[0].title.as_str(), tasks[0].done_at.is_none()), ("find_contact", "Find a phone number or e-mail", true));
    assert_eq!(book.lead(&ws, id).unwrap().next_followup_at, None);
    run_until(&mut book, &clock, &ws, t("2026-03-05T06:00:00Z"), Duration::hours(1));
    assert!(followups(&book, &ws).is_empty(), "nothing piles up to send by hand to nobody");

    // The agent finds an e-mail: the task is settled and the follow-ups start.
    let found = LeadInput { email: Some("layla@example.com".into()), ..profile_only.clone() };
    book.update_lead(&ws, id, &found).unwrap();
    assert!(find(&book)[0].done_at.is_some());
    assert_eq!(book.enrolments(&ws, id).unwrap().len(), 1);
    assert!(book.lead(&ws, id).unwrap().next_followup_at.is_some());
    run_until(&mut book, &clock, &ws, t("2026-03-06T06:00:00Z"), Duration::hours(1));
    assert_eq!(followups(&book, &ws).len(), 1, "its first step went");

    // A row that brings the number by merging does the same; a second save enrols nobody twice.
    let other = book.add_lead(&ws, &LeadInput { name: Some("Omar".into()), linkedin_url: Some("linkedin.com/in/omar-k".into()), ..Default::default() }).unwrap().id;
    assert!(book.enrolments(&ws, other).unwrap().is_empty());
    let merged = book.add_lead(&ws, &LeadInput { name: Some("Omar K".into()), linkedin_url: Some("https://linkedin.com/in/omar-k".into()), phone: Some("050 765 4321".into()), ..Default::default() }).unwrap();
    assert_eq!(merged.merged_into, Some(other));
    assert_eq!(book.enrolments(&ws, other).unwrap().len(), 1);
    book.update_lead(&ws, id, &found).unwrap();
    assert_eq!(book.enrolments(&ws, id).unwrap().len(), 1);
}

#[test]
fn a_tick_over_more_due_leads_than_one_write_batch_queues_every_step_once_and_leaves_what_another_took() {
    let (mut book, clock, ws) = book_at(MONDAY_10_DUBAI);
    let n = leadbook_core::book::WRITE_BATCH + 3;
    for i in 0..n {
        book.add_lead(&ws, &LeadInput { name: Some(format!("Lead {i}")), phone: Some(format!("050{:07}", 1_000_000 + i)), ..Default::default() }).unwrap();
    }
    clock.advance(Duration::minutes(61));
    // The due list as another process read it, before this one took them all.
    let listed = leadbook_core::followups::due_enrolments(book.conn(), &ws, clock.now_utc()).unwrap();
    let first = book.followup_tick(&ws).unwrap();
    assert_eq!((first.due, first.queued), (n, n), "every due lead, across two batches: {first:?}");
    let late = book.write(|tx, now| leadbook_core::followups::tick_these(tx, &ws, &listed, now)).unwrap();
    assert_eq!(late, leadbook_core::followups::TickReport::default(), "what was taken since the list was read is left alone");
    assert_eq!(followups(&book, &ws).len(), n, "one message a step");
}
