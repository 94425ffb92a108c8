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

/// The first moment Leadbook accepts as "now" or stores: 2000-01-01T00:00:00Z.
pub fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The last moment Leadbook accepts as "now" or stores: 2200-12-31T23:59:59Z. Far enough for
/// any lead, near enough that a step ten years on still has a four-digit year (one past 9999
/// is written as `+10000-…`, which no reader takes back).
pub fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(7_289_654_399, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t` if it lies within [`earliest`]…[`latest`]; else a validation error on `field`.
pub fn within_bounds(field: &str, t: DateTime<Utc>) -> crate::error::Result<DateTime<Utc>> {
    if t < earliest() || t > latest() {
        return Err(crate::error::Error::validation(field, format!("{} is outside 2000-01-01 … 2200-12-31", fmt_time(t))));
    }
    Ok(t)
}

/// An RFC 3339 time given as "now" (the command line's `--now`): a usage error unless it reads
/// as one and lies within [`earliest`]…[`latest`].
pub fn parse_now(s: &str) -> crate::error::Result<DateTime<Utc>> {
    let t = parse_time(s).ok_or_else(|| crate::error::Error::Usage(format!("--now '{s}' is not an RFC 3339 time like 2026-03-01T09:00:00Z")))?;
    if t < earliest() || t > latest() {
        return Err(crate::error::Error::Usage(format!("--now '{s}' is outside 2000-01-01 … 2200-12-31")));
    }
    Ok(t)
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
    fn now_is_refused_before_2000_and_after_2200() {
        assert_eq!(fmt_time(earliest()), "2000-01-01T00:00:00Z");
        assert_eq!(fmt_time(latest()), "2200-12-31T23:59:59Z");
        for bad in ["1900-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "soon"] {
            assert!(matches!(parse_now(bad), Err(crate::error::Error::Usage(_))), "{bad}");
        }
        for good in ["2000-01-01T00:00:00Z", "2026-03-01T13:00:00+04:00", "2200-12-31T23:59:59Z"] {
            assert!(parse_now(good).is_ok(), "{good}");
        }
        assert_eq!(within_bounds("due", parse_time("2300-01-01T00:00:00Z").unwrap()).unwrap_err().field(), Some("due"));
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = FixedClock::at("2026-01-01T00:00:00Z");
        c.advance(Duration::hours(1));
        assert_eq!(fmt_time(c.now()), "2026-01-01T01:00:00Z");
    }
}
