//! The workspace's viewings as an RFC 5545 calendar (`leadbook calendar export FILE.ics`) that
//! any calendar application imports: one `VEVENT` per viewing with a stable `UID`, its times in
//! the workspace's zone (`TZID`) with that zone's `VTIMEZONE`, `STATUS:CANCELLED` for a
//! cancelled one.
//!
//! The events are written by the `icalendar` crate (escaping, folding, CRLF). It has no
//! `VTIMEZONE` builder, so the zone is written here from chrono-tz's rules: one `STANDARD` or
//! `DAYLIGHT` observance per offset change in the years the viewings span (a zone without
//! daylight saving, as Dubai, has one).

use crate::error::{Error, Result};
use crate::tasks::viewings::{self, Viewing, ViewingStatus};
use crate::workspace::Workspace;
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus};
use rusqlite::Connection;
use serde::Serialize;
use std::path::Path;
use ts_rs::TS;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "CalendarExported")]
pub struct Exported {
    pub path: String,
    pub events: usize,
}

/// The UID of viewing `id` of workspace `ws`: the same in every export.
pub fn uid(ws: &Workspace, id: i64) -> String {
    format!("viewing-{id}-ws{}@leadbook.local", ws.id)
}

fn ics_time(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// The `VTIMEZONE` of `tz` for the years `from`…`to`: the offset in force at the start, then
/// one observance per change (found hour by hour, then to the second).
pub fn vtimezone(tz: chrono_tz::Tz, from: i32, to: i32) -> String {
    let offset_at = |t: DateTime<Utc>| -> (i32, String) {
        let local = t.with_timezone(&tz);
        (local.offset().fix().local_minus_utc(), local.format("%Z").to_string())
    };
    let start = Utc.with_ymd_and_hms(from, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let end = Utc.with_ymd_and_hms(to + 1, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let (first, first_name) = offset_at(start);
    // The observances: (start in local time before the change, from, to, name, is_daylight).
    let mut changes: Vec<(NaiveDateTime, i32, i32, String)> = Vec::new();
    let (mut prev, mut t) = (first, start);
    while t < end {
        let next = t + Duration::hours(1);
        let (now, name) = offset_at(next);
        if now != prev {
            // The exact second of the change.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(mid).0 == prev { lo = mid } else { hi = mid }
            }
            changes.push(((hi + Duration::seconds(prev as i64)).naive_utc(), prev, now, name));
            prev = now;
        }
        t = next;
    }
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let mut observance = |kind: &str, at: NaiveDateTime, from: i32, to: i32, name: &str| {
        out.push_str(&format!(
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
            ics_time(at),
            offset_text(from),
            offset_text(to),
            name
        ));
    };
    // The zone as it stands at the first moment, from then on (or until the first change).
    let standard = changes.iter().map(|c| c.2).chain([first]).min().unwrap_or(first);
    let kind = |to: i32| if to > standard { "DAYLIGHT" } else { "STANDARD" };
    observance(kind(first), (start + Duration::seconds(first as i64)).naive_utc(), first, first, &first_name);
    for (at, from, to, name) in &changes {
        observance(kind(*to), *at, *from, *to, name);
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// The calendar of `list` for `ws`, stamped `now`.
pub fn render(ws: &Workspace, list: &[Viewing], now: DateTime<Utc>) -> Result<String> {
    let tz = ws.tz();
    let mut cal = Calendar::new();
    cal.name(&format!("Leadbook viewings — {}", ws.name));
    let mut years = (now.year(), now.year());
    for v in list {
        let starts = v.starts()?;
        let local = starts.with_timezone(&tz);
        years = (years.0.min(local.year()), years.1.max(local.year()));
        let ends = (starts + Duration::minutes(v.duration_min)).with_timezone(&tz);
        let mut e = icalendar::Event::new();
        e.uid(&uid(ws, v.id))
            .timestamp(now)
            .summary(&format!("Viewing: {} with {}", v.property_title, v.lead_name))
            .starts(CalendarDateTime::WithTimezone { date_time: local.naive_local(), tzid: tz.name().to_string() })
            .ends(CalendarDateTime::WithTimezone { date_time: ends.naive_local(), tzid: tz.name().to_string() })
            .status(match v.status {
                ViewingStatus::Cancelled => EventStatus::Cancelled,
                _ => EventStatus::Confirmed,
            });
        if let Some(p) = &v.place {
            e.location(p);
        }
        e.description(&format!("Lead #{} {}, listing #{} {} ({})", v.lead_id, v.lead_name, v.property_id, v.property_title, v.status));
        cal.push(e.done());
    }
    let text = cal.done().to_string();
    // The zone goes right after the calendar's own properties, before the first component.
    let at = text.find("BEGIN:VEVENT").or_else(|| text.find("END:VCALENDAR")).ok_or_else(|| Error::internal("the calendar has no end"))?;
    Ok(format!("{}{}{}", &text[..at], vtimezone(tz, years.0, years.1), &text[at..]))
}

/// Writes every viewing of `ws` to `path` (`.ics`), replacing the file whole.
pub fn to_path(conn: &Connection, ws: &Workspace, path: &Path, now: DateTime<Utc>) -> Result<Exported> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext != "ics" {
        return Err(Error::Usage(format!("a calendar is exported to a .ics file, not '{}'", path.display())));
    }
    let list = viewings::list(conn, ws, &viewings::ViewingFilter::default())?;
    let text = render(ws, &list, now)?;
    let tmp = path.with_extension("ics.partial");
    let mut file = crate::store::disk::replace_private(&tmp)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    Ok(Exported { path: path.display().to_string(), events: list.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dubai_has_one_observance_at_plus_four() {
        let z = vtimezone(chrono_tz::Asia::Dubai, 2026, 2026);
        assert_eq!(z.matches("BEGIN:STANDARD").count(), 1, "{z}");
        assert!(z.contains("TZOFFSETTO:+0400") && !z.contains("DAYLIGHT"), "{z}");
    }

    #[test]
    fn a_zone_with_daylight_saving_has_its_changes_of_the_year() {
        let z = vtimezone(chrono_tz::Europe::London, 2026, 2026);
        assert!(z.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100"), "{z}");
        assert!(z.contains("DTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000"), "{z}");
    }
}
