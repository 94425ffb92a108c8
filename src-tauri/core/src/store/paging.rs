//! Keyset paging, one shape for every list the window pages (the outbox, the contact log, the
//! due queue, tasks, a lead's timeline): the caller's SQL orders by a key and selects the rows
//! after a cursor with `LIMIT` one more than asked; [`Keyset::take`] keeps `limit` and says
//! where the next page starts — none at the end. No OFFSET anywhere, so page 10 000 costs what
//! page 1 does.
//!
//! Not for the SQL itself: each list's module owns its query, its order and its cursor.

use rusqlite::types::Value;

/// The most rows any page holds, whatever a caller asks.
pub const MAX_PAGE: usize = 500;

/// A page's bounded size: `limit` clamped to 1..=[`MAX_PAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    limit: usize,
}

impl Keyset {
    pub fn new(limit: usize) -> Keyset {
        Keyset { limit: limit.clamp(1, MAX_PAGE) }
    }

    pub fn limit(self) -> usize {
        self.limit
    }

    /// The `LIMIT` to bind: one more than the page holds tells whether there is a next page.
    pub fn probe(self) -> Value {
        Value::Integer(self.limit as i64 + 1)
    }

    /// Keeps the page's rows (of at most [`Keyset::probe`] read) and the cursor of its last
    /// row when more follow.
    pub fn take<T, C>(self, mut rows: Vec<T>, cursor: impl FnOnce(&T) -> C) -> (Vec<T>, Option<C>) {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let next = if more { rows.last().map(cursor) } else { None };
        (rows, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_at_least_one_row_and_at_most_the_maximum() {
        assert_eq!(Keyset::new(0).limit(), 1);
        assert_eq!(Keyset::new(100_000).limit(), MAX_PAGE);
        assert_eq!(Keyset::new(100).probe(), Value::Integer(101));
    }

    #[test]
    fn the_extra_row_says_a_next_page_starts_after_the_last_kept_one() {
        let k = Keyset::new(2);
        assert_eq!(k.take(vec![1, 2, 3], |r| *r), (vec![1, 2], Some(2)));
        assert_eq!(k.take(vec![1, 2], |r| *r), (vec![1, 2], None), "exactly full: the end");
        assert_eq!(k.take(Vec::<i32>::new(), |r| *r), (vec![], None));
    }
}
