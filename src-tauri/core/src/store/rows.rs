//! Reading typed values out of rows: vocabularies through their `parse`, JSON lists, RFC 3339
//! times. A value that does not decode is a conversion error naming its column, never a panic.

use crate::clock::parse_time;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::Row;

pub fn bad_column(i: usize, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.to_string().into())
}

pub fn enum_col<T>(r: &Row, i: usize, parse: fn(&str, &str) -> Result<T>) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    parse("column", &s).map_err(|e| bad_column(i, e))
}

pub fn opt_enum_col<T>(r: &Row, i: usize, parse: fn(&str, &str) -> Result<T>) -> rusqlite::Result<Option<T>> {
    let s: Option<String> = r.get(i)?;
    s.map(|s| parse("column", &s).map_err(|e| bad_column(i, e))).transpose()
}

pub fn json_col<T: serde::de::DeserializeOwned>(r: &Row, i: usize) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    serde_json::from_str(&s).map_err(|e| bad_column(i, e))
}

pub fn time_col(r: &Row, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let s: Option<String> = r.get(i)?;
    s.map(|s| parse_time(&s).ok_or_else(|| bad_column(i, format!("bad time '{s}'")))).transpose()
}
