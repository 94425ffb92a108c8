//! Where "now" comes from. Every time-dependent piece takes a [`Clock`], so tests and the
//! command line's `--now` decide what time it is.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }
    pub fn at(rfc3339: &str) -> Self {
        Self::new(parse_time(rfc3339).expect("a valid RFC 3339 time in a test"))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The one text form of a time in the database and in JSON: RFC 3339, UTC, whole seconds.
/// Being fixed-width, it sorts as text in time order, which the indexes rely on.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_stored_as_fixed_width_utc() {
        let t = parse_time("2026-03-01T13:00:00+04:00").unwrap();
        assert_eq!(fmt_time(t), "2026-03-01T09:00:00Z");
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = FixedClock::at("2026-01-01T00:00:00Z");
        c.advance(Duration::hours(1));
        assert_eq!(fmt_time(c.now()), "2026-01-01T01:00:00Z");
    }
}
