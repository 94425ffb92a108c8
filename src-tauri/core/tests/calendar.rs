//! The calendar export read back by a parser that is not its writer's (the `ical` crate): every
//! viewing is one event with a stable UID, its time in the workspace's zone resolves through the
//! file's own VTIMEZONE to the viewing's UTC time, and a cancelled one says so.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use leadbook_core::clock::parse_time;
use leadbook_core::leads::validate::LeadInput;
use leadbook_core::listings::properties::PropertyInput;
use leadbook_core::tasks::viewings::{ViewingInput, ViewingStatus};
use leadbook_core::{Book, FixedClock};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A property's parameters, as the parser gives them: (name, values).
type Params = Vec<(String, Vec<String>)>;

struct Event {
    props: BTreeMap<String, (String, Params)>,
}

fn read(path: &std::path::Path) -> (Vec<Event>, Vec<(NaiveDateTime, i32)>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut cals = ical::IcalParser::new(file);
    let cal = cals.next().expect("one calendar").expect("it parses");
    assert!(cals.next().is_none());
    let events = cal
        .events
        .iter()
        .map(|e| Event {
            props: e.properties.iter().map(|p| (p.name.clone(), (p.value.clone().unwrap_or_default(), p.params.clone().unwrap_or_default()))).collect(),
        })
        .collect();
    assert_eq!(cal.timezones.len(), 1, "the workspace's zone");
    let tz = &cal.timezones[0];
    assert_eq!(tz.properties.iter().find(|p| p.name == "TZID").and_then(|p| p.value.as_deref()), Some("Asia/Dubai"));
    let offset = |s: &str| -> i32 {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let h: i32 = s[1..3].parse().unwrap();
        let m: i32 = s[3..5].parse().unwrap();
        sign * (h * 3600 + m * 60)
    };
    let observances = tz
        .transitions
        .iter()
        .map(|t| {
            let get = |n: &str| t.properties.iter().find(|p| p.name == n).and_then(|p| p.value.clone()).unwrap();
            (NaiveDateTime::parse_from_str(&get("DTSTART"), "%Y%m%dT%H%M%S").unwrap(), offset(&get("TZOFFSETTO")))
        })
        .collect();
    (events, observances)
}

/// A local DTSTART with its TZID, in UTC by the file's own observances.
fn utc_of(local: &str, observances: &[(NaiveDateTime, i32)]) -> DateTime<Utc> {
    let t = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").unwrap();
    let (_, off) = observances.iter().filter(|(start, _)| *start <= t).max_by_key(|(start, _)| *start).expect("an observance in force");
    (t - Duration::seconds(*off as i64)).and_utc()
}

#[test]
fn the_exported_calendar_reads_back_with_every_viewing_at_its_utc_time() {
    let clock = Arc::new(FixedClock::at("2026-03-02T06:00:00Z"));
    let mut book = Book::open_in_memory(clock.clone()).unwrap();
    let ws = book.workspace("Default").unwrap();
    let lead = book.add_lead(&ws, &LeadInput { name: Some("Aisha, \"Khan\"; VIP".into()), phone: Some("0501234567".into()), ..Default::default() }).unwrap().id;
    let p = book.add_property(&ws, &PropertyInput { title: Some("JVC 2BR".into()), location: Some("JVC".into()), price: Some(1_500_000), ..Default::default() }).unwrap().id;
    // One across a UTC midnight (02:30 in Dubai on 4 March), one with a long meeting point.
    let at = ["2026-03-03T22:30:00Z", "2026-03-05T10:00:00Z"];
    let a = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: at[0].into(), ..Default::default() }).unwrap();
    let place = "Tower B lobby, by the reception desk, ask for the agent at the concierge; parking on level P2 — visitors";
    let b = book.book_viewing(&ws, &ViewingInput { lead_id: lead, property_id: p, at: at[1].into(), duration_min: Some(45), place: Some(place.into()) }).unwrap();
    book.set_viewing_status(&ws, b.id, ViewingStatus::Cancelled).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("viewings.ics");
    let out = book.export_calendar(&ws, &path).unwrap();
    assert_eq!(out.events, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.lines().all(|l| l.len() <= 75), "folded at 75 octets");
    let (events, observances) = read(&path);
    assert_eq!(events.len(), 2);
    for (e, (want, id)) in events.iter().zip([(at[0], a.id), (at[1], b.id)]) {
        let (start, params) = &e.props["DTSTART"];
        assert!(params.iter().any(|(k, v)| k == "TZID" && v == &["Asia/Dubai".to_string()]), "{params:?}");
        assert_eq!(utc_of(start, &observances), parse_time(want).unwrap());
        assert_eq!(e.props["UID"].0, format!("viewing-{id}-ws{}@leadbook.local", ws.id));
    }
    assert_eq!(events[0].props["DTSTART"].0, "20260304T023000");
    assert_eq!(utc_of(&events[1].props["DTEND"].0, &observances), parse_time(at[1]).unwrap() + Duration::minutes(45));
    assert_eq!(events[0].props["STATUS"].0, "CONFIRMED");
    assert_eq!(events[1].props["STATUS"].0, "CANCELLED");
    assert!(events[1].props["LOCATION"].0.contains("concierge"));

    // The next export gives each viewing the same UID.
    clock.advance(Duration::hours(1));
    book.export_calendar(&ws, &path).unwrap();
    let (again, _) = read(&path);
    assert_eq!(again.iter().map(|e| e.props["UID"].0.clone()).collect::<Vec<_>>(), events.iter().map(|e| e.props["UID"].0.clone()).collect::<Vec<_>>());
    // Only to a .ics file.
    assert_eq!(book.export_calendar(&ws, &dir.path().join("v.txt")).unwrap_err().code(), "usage");
}
