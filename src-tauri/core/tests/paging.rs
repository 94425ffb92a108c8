//! Every list the window pages (issue #18): its pages, read one after another, cover each row
//! once and in order, the total counts them all, and another workspace's rows never appear.

use chrono::Duration;
use leadbook_core::followups::{DueCursor, DueItem};
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::tasks::{TaskCursor, TaskFilter, TaskInput, TaskKind};
use leadbook_core::today::PAGE;
use leadbook_core::workspace::Workspace;
use leadbook_core::{Book, FixedClock};
use std::sync::Arc;

/// Monday 2 March 2026, 10:00 in Dubai: inside the sending window.
const MONDAY_10_DUBAI: &str = "2026-03-02T06:00:00Z";

fn book() -> (Book, Arc<FixedClock>, Workspace, Workspace) {
    let clock = Arc::new(FixedClock::at(MONDAY_10_DUBAI));
    let mut book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    let other = book.add_workspace("Other", None).unwrap();
    (book, clock, ws, other)
}

fn lead(book: &mut Book, ws: &Workspace, i: usize) -> i64 {
    let input = LeadInput { name: Some(format!("Buyer {i}")), phone: Some(format!("050{:07}", 1_000_000 + i)), ..Default::default() };
    book.add_lead(ws, &input).unwrap().id
}

fn due_key(i: &DueItem) -> (String, i64, i64) {
    (i.due_at.clone(), i.lead_id, i.campaign_id)
}

#[test]
fn the_due_queue_pages_cover_every_due_step_once_in_order_and_count_them() {
    let (mut book, clock, ws, other) = book();
    let mut mine = Vec::new();
    for i in 0..11 {
        mine.push(lead(&mut book, &ws, i));
        lead(&mut book, &other, 100 + i);
        // Some share a due time, so the order falls back to the lead.
        if i % 3 == 0 {
            clock.advance(Duration::minutes(1));
        }
    }
    let everything = book.due_queue(&ws, 1_000).unwrap();
    assert_eq!(everything.len(), 11);
    let (mut seen, mut after): (Vec<DueItem>, Option<DueCursor>) = (Vec::new(), None);
    loop {
        let page = book.due_page(&ws, after.as_ref(), 4).unwrap();
        assert_eq!(page.total, 11);
        assert!(page.items.len() <= 4);
        seen.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, everything, "every step once, in the queue's order");
    let keys: Vec<_> = seen.iter().map(due_key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let mut leads: Vec<i64> = seen.iter().map(|i| i.lead_id).collect();
    leads.sort();
    assert_eq!(leads, mine, "only this workspace's leads");
}

#[test]
fn the_due_queue_says_how_many_are_due_now_and_how_many_later_today() {
    let (mut book, clock, ws, _) = book();
    for i in 0..3 {
        lead(&mut book, &ws, i);
    }
    let first = book.due_page(&ws, None, 100).unwrap();
    clock.advance(Duration::days(1));
    let next_day = book.due_page(&ws, None, 100).unwrap();
    assert_eq!(first.total, 3);
    assert!(first.due_now <= first.total);
    assert_eq!(next_day.due_now, next_day.total, "yesterday's steps are all overdue today");
    assert!(next_day.items.iter().all(|i| i.overdue));
}

fn task(book: &mut Book, ws: &Workspace, title: &str, lead: Option<i64>, due: Option<&str>, kind: TaskKind) -> i64 {
    let input = TaskInput { title: title.into(), lead_id: lead, due_at: due.map(String::from), kind: Some(kind), ..Default::default() };
    book.add_task(ws, &input).unwrap().id
}

#[test]
fn task_pages_cover_every_task_once_in_order_those_without_a_due_time_last() {
    let (mut book, _, ws, other) = book();
    let lead_id = lead(&mut book, &ws, 1);
    for i in 0..9 {
        // Three share each due time; three have none.
        let due = ["2026-03-02T12:00:00Z", "2026-03-03T09:00:00Z", ""][i % 3];
        task(&mut book, &ws, &format!("Task {i}"), Some(lead_id), (!due.is_empty()).then_some(due), TaskKind::Other);
        task(&mut book, &other, &format!("Theirs {i}"), None, None, TaskKind::Other);
    }
    let filter = TaskFilter::default();
    let everything = book.tasks(&ws, &filter).unwrap();
    assert_eq!(everything.len(), 9);
    let (mut seen, mut after): (Vec<i64>, Option<TaskCursor>) = (Vec::new(), None);
    loop {
        let page = book.task_page(&ws, &filter, after.as_ref(), 2).unwrap();
        assert_eq!(page.total, 9);
        assert!(page.tasks.len() <= 2);
        seen.extend(page.tasks.iter().map(|t| t.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, everything.iter().map(|t| t.id).collect::<Vec<_>>(), "every task once, in the list's order");
    assert!(everything[6..].iter().all(|t| t.due_at.is_none()), "no due time: last");
    let theirs = book.task_page(&other, &filter, None, 100).unwrap();
    assert_eq!(theirs.total, 9);
    assert!(theirs.tasks.iter().all(|t| t.title.starts_with("Theirs")), "another workspace's tasks never appear");
}

#[test]
fn today_reads_a_page_of_calls_and_tasks_and_counts_them_all() {
    let (mut book, _, ws, other) = book();
    let today_due = "2026-03-02T07:00:00Z";
    for i in 0..(PAGE + 7) {
        let id = lead(&mut book, &ws, i);
        task(&mut book, &ws, &format!("Call {i}"), Some(id), Some(today_due), TaskKind::Call);
        task(&mut book, &ws, &format!("Send {i}"), Some(id), Some(today_due), TaskKind::Document);
        let theirs = lead(&mut book, &other, 1000 + i);
        task(&mut book, &other, "Their call", Some(theirs), Some(today_due), TaskKind::Call);
    }
    let today = book.today(&ws).unwrap();
    assert_eq!((today.calls.len(), today.calls_total), (PAGE, (PAGE + 7) as i64));
    assert_eq!((today.tasks.len(), today.tasks_total), (PAGE, (PAGE + 7) as i64));
    assert!(today.tasks.iter().all(|t| t.kind == TaskKind::Document), "calls are listed apart");
    assert!(today.calls.iter().all(|c| c.title.starts_with("Call")), "only this workspace's calls");
    // The rest of the day's tasks, from where Today stopped.
    let filter = TaskFilter { open: true, due_before: Some(today.tasks_before.clone()), except_kind: Some(TaskKind::Call), ..Default::default() };
    let rest = book.task_page(&ws, &filter, today.tasks_next.as_ref(), 100).unwrap();
    assert_eq!(rest.tasks.len(), 7);
    assert!(rest.next.is_none());
    let shown: std::collections::HashSet<i64> = today.tasks.iter().chain(&rest.tasks).map(|t| t.id).collect();
    assert_eq!(shown.len(), PAGE + 7);
}
