//! Property listings of a workspace: validation, storage, status. Matching them to buyers is
//! `matching`'s job.

use crate::clock::fmt_time;
use crate::store::rows::{bad_column, enum_col, opt_enum_col, time_col};
use crate::error::{Error, Result};
use crate::model::{ListingPurpose, PropertyStatus, PropertyType};
use crate::model::normalize;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Property {
    pub id: i64,
    pub title: String,
    pub location: String,
    pub price: i64,
    pub property_type: Option<PropertyType>,
    pub bedrooms: Option<i64>,
    pub purpose: ListingPurpose,
    pub permit: Option<String>,
    /// The agent's (or the portal's) reference for the listing, which enquiries name.
    pub reference: Option<String>,
    pub status: PropertyStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub workspace_id: i64,
    #[serde(skip)]
    pub area_key: String,
}

/// A listing as typed: every field optional and unchecked.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct PropertyInput {
    pub title: Option<String>,
    pub location: Option<String>,
    pub price: Option<i64>,
    pub property_type: Option<String>,
    pub bedrooms: Option<i64>,
    pub purpose: Option<String>,
    pub permit: Option<String>,
    pub reference: Option<String>,
}

struct Valid {
    title: String,
    location: String,
    price: i64,
    property_type: Option<PropertyType>,
    bedrooms: Option<i64>,
    purpose: ListingPurpose,
    permit: Option<String>,
    reference: Option<String>,
}

fn validate(input: &PropertyInput) -> Result<Valid> {
    let t = |s: &Option<String>| normalize::text(s.as_deref());
    let title = t(&input.title).ok_or_else(|| Error::validation("title", "a listing needs a title"))?;
    if title.chars().count() > 200 {
        return Err(Error::validation("title", "title is longer than 200 characters"));
    }
    let location = t(&input.location).ok_or_else(|| Error::validation("location", "a listing needs its area"))?;
    if location.chars().count() > 100 {
        return Err(Error::validation("location", "location is longer than 100 characters"));
    }
    let price = match input.price {
        Some(p) if p > normalize::MAX_MONEY => return Err(Error::validation("price", "a price is at most 1,000,000,000,000 AED")),
        Some(p) if p > 0 => p,
        Some(_) => return Err(Error::validation("price", "the price must be above zero")),
        None => return Err(Error::validation("price", "a listing needs a price")),
    };
    let bedrooms = match input.bedrooms {
        Some(b) if !(0..=20).contains(&b) => return Err(Error::validation("bedrooms", "bedrooms must be between 0 and 20")),
        b => b,
    };
    let permit = t(&input.permit);
    if permit.as_ref().is_some_and(|p| p.len() > 40 || !p.chars().all(|c| c.is_ascii_alphanumeric() || "-/ ".contains(c))) {
        return Err(Error::validation("permit", "a RERA permit number has letters, digits and dashes only"));
    }
    let reference = t(&input.reference);
    if reference.as_ref().is_some_and(|r| r.chars().count() > 60 || !r.chars().all(|c| c.is_alphanumeric() || "-/_. ".contains(c))) {
        return Err(Error::validation("reference", "a listing reference has letters, digits, dashes, dots and slashes only (60 at most)"));
    }
    Ok(Valid {
        title,
        location,
        price,
        property_type: t(&input.property_type).map(|v| PropertyType::parse("property_type", &v)).transpose()?,
        bedrooms,
        purpose: t(&input.purpose).map(|v| ListingPurpose::parse("purpose", &v)).transpose()?.unwrap_or(ListingPurpose::Sale),
        permit,
        reference,
    })
}

const COLUMNS: &str =
    "id, workspace_id, title, location, area_key, price, property_type, bedrooms, purpose, permit, status, created_at, updated_at, reference";

fn from_row(r: &Row) -> rusqlite::Result<Property> {
    let required_time = |i: usize| time_col(r, i)?.ok_or_else(|| bad_column(i, "missing time"));
    Ok(Property {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        title: r.get(2)?,
        location: r.get(3)?,
        area_key: r.get(4)?,
        price: r.get(5)?,
        property_type: opt_enum_col(r, 6, PropertyType::parse)?,
        bedrooms: r.get(7)?,
        purpose: enum_col(r, 8, ListingPurpose::parse)?,
        permit: r.get(9)?,
        status: enum_col(r, 10, PropertyStatus::parse)?,
        created_at: required_time(11)?,
        updated_at: required_time(12)?,
        reference: r.get(13)?,
    })
}

/// The listing `id` of workspace `ws`; one of another workspace is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Property> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM properties WHERE workspace_id = ?1 AND id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Property, id))
}

/// The listing of `ws` an enquiry names: the one whose permit or reference is `reference` or
/// `permit` (ignoring case and surrounding space), the permit first. `None` when none is.
pub fn find_named(conn: &Connection, ws: &Workspace, reference: Option<&str>, permit: Option<&str>) -> Result<Option<i64>> {
    // A listing whose permit is the value before one whose reference is, the newest of each:
    // one query per column, each answered by its own index (`permit = ? OR reference = ?`
    // read every listing of the workspace and sorted them).
    let mut by_permit = conn.prepare_cached("SELECT id FROM properties WHERE workspace_id = ?1 AND permit = ?2 COLLATE NOCASE ORDER BY id DESC LIMIT 1")?;
    let mut by_reference =
        conn.prepare_cached("SELECT id FROM properties WHERE workspace_id = ?1 AND reference = ?2 COLLATE NOCASE ORDER BY id DESC LIMIT 1")?;
    for wanted in [permit, reference].into_iter().flatten().map(str::trim).filter(|s| !s.is_empty()) {
        for stmt in [&mut by_permit, &mut by_reference] {
            if let Some(id) = stmt.query_row(params![ws.id, wanted], |r| r.get(0)).optional()? {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

/// The workspace's listings, newest first.
pub fn list(conn: &Connection, ws: &Workspace) -> Result<Vec<Property>> {
    let rows = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM properties WHERE workspace_id = ?1 ORDER BY created_at DESC, id DESC"))?
        .query_map([ws.id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn add(conn: &Connection, ws: &Workspace, input: &PropertyInput, now: DateTime<Utc>) -> Result<Property> {
    let v = validate(input)?;
    conn.prepare_cached(
        "INSERT INTO properties (workspace_id, title, location, area_key, price, property_type, bedrooms, purpose, permit,
             status, created_at, updated_at, reference) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'available', ?10, ?10, ?11)",
    )?
    .execute(params![
        ws.id, v.title, v.location, crate::model::areas::key(&v.location), v.price, v.property_type.map(|t| t.as_str()),
        v.bedrooms, v.purpose.as_str(), v.permit, fmt_time(now), v.reference,
    ])?;
    get(conn, ws, conn.last_insert_rowid())
}

pub fn update(conn: &Connection, ws: &Workspace, id: i64, input: &PropertyInput, now: DateTime<Utc>) -> Result<Property> {
    get(conn, ws, id)?;
    let v = validate(input)?;
    conn.prepare_cached(
        "UPDATE properties SET title = ?3, location = ?4, area_key = ?5, price = ?6, property_type = ?7, bedrooms = ?8,
             purpose = ?9, permit = ?10, updated_at = ?11, reference = ?12 WHERE workspace_id = ?1 AND id = ?2",
    )?
    .execute(params![
        ws.id, id, v.title, v.location, crate::model::areas::key(&v.location), v.price, v.property_type.map(|t| t.as_str()),
        v.bedrooms, v.purpose.as_str(), v.permit, fmt_time(now), v.reference,
    ])?;
    get(conn, ws, id)
}

pub fn set_status(conn: &Connection, ws: &Workspace, id: i64, status: PropertyStatus, now: DateTime<Utc>) -> Result<Property> {
    get(conn, ws, id)?;
    conn.prepare_cached("UPDATE properties SET status = ?3, updated_at = ?4 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, status.as_str(), fmt_time(now)])?;
    get(conn, ws, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PropertyInput {
        PropertyInput { title: Some("2BR in JVC".into()), location: Some("JVC".into()), price: Some(1_200_000), ..Default::default() }
    }

    #[test]
    fn a_listing_needs_title_area_and_a_positive_price() {
        for (change, field) in [
            (PropertyInput { title: Some(" ".into()), ..input() }, "title"),
            (PropertyInput { location: None, ..input() }, "location"),
            (PropertyInput { price: Some(0), ..input() }, "price"),
            (PropertyInput { price: None, ..input() }, "price"),
            (PropertyInput { price: Some(i64::MAX), ..input() }, "price"),
            (PropertyInput { price: Some(normalize::MAX_MONEY + 1), ..input() }, "price"),
            (PropertyInput { bedrooms: Some(30), ..input() }, "bedrooms"),
            (PropertyInput { purpose: Some("lease".into()), ..input() }, "purpose"),
            (PropertyInput { property_type: Some("castle".into()), ..input() }, "property_type"),
            (PropertyInput { permit: Some("<script>".into()), ..input() }, "permit"),
            (PropertyInput { reference: Some("<b>".into()), ..input() }, "reference"),
        ] {
            assert_eq!(validate(&change).err().and_then(|e| e.field().map(String::from)).as_deref(), Some(field));
        }
        assert_eq!(validate(&input()).unwrap().purpose, ListingPurpose::Sale, "sale by default");
    }
}
