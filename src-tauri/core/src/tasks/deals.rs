//! Deals (SPEC §13): a lead, a listing, a sale or a rental, its value in AED, its stage and
//! its commission. `won` and `lost` also set the lead's status: that is
//! [`crate::workflows::set_deal_stage`]'s part.
//!
//! Commission is exact integer arithmetic on the workspace's rates (in basis points: 2 % is
//! 200): the commission is `value × rate`, the VAT `value × rate × vat` and the agent's share
//! `value × rate × share` (of the commission before VAT), each computed from the exact product
//! and rounded once to whole AED, half up.

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::text_enum;
use crate::workspace::Workspace;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

text_enum!(
    /// A sale (value: the price) or a rental (value: the annual rent).
    DealKind { Sale = "sale", Rent = "rent" }
);

text_enum!(
    /// Where a deal stands. A sale goes offer → mou_signed → noc → transfer, a rental offer →
    /// contract → ejari → keys; either ends won or lost.
    DealStage {
        Offer = "offer", MouSigned = "mou_signed", Noc = "noc", Transfer = "transfer",
        Contract = "contract", Ejari = "ejari", Keys = "keys", Won = "won", Lost = "lost",
    }
);

// How a report (the `.xlsx` export) names a deal's kind and stage (see `model::words`).
crate::model::words::words!(DealKind {
    Sale => ["Sale", "فروش", "بيع"],
    Rent => ["Rental", "اجاره", "إيجار"],
});

crate::model::words::words!(DealStage {
    Offer => ["Offer", "پیشنهاد", "عرض"],
    MouSigned => ["MOU signed", "تفاهم‌نامه امضا شد", "مذكرة التفاهم موقعة"],
    Noc => ["NOC", "گواهی عدم ممانعت", "شهادة عدم ممانعة"],
    Transfer => ["Transfer", "انتقال سند", "نقل الملكية"],
    Contract => ["Contract", "قرارداد", "العقد"],
    Ejari => ["Ejari", "ثبت ایجاری", "إيجاري"],
    Keys => ["Keys", "تحویل کلید", "تسليم المفاتيح"],
    Won => ["Won", "موفق", "ناجحة"],
    Lost => ["Lost", "ازدست‌رفته", "خاسرة"],
});

impl DealStage {
    /// The stages a deal of `kind` passes, in order.
    pub fn of(kind: DealKind) -> &'static [DealStage] {
        use DealStage::*;
        match kind {
            DealKind::Sale => &[Offer, MouSigned, Noc, Transfer, Won, Lost],
            DealKind::Rent => &[Offer, Contract, Ejari, Keys, Won, Lost],
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, DealStage::Won | DealStage::Lost)
    }

    /// `stage`, if a deal of `kind` has it; else a validation error naming the ones it has.
    pub fn for_kind(kind: DealKind, stage: DealStage) -> Result<DealStage> {
        if DealStage::of(kind).contains(&stage) {
            return Ok(stage);
        }
        let allowed: Vec<&str> = DealStage::of(kind).iter().map(|s| s.as_str()).collect();
        Err(Error::validation("stage", format!("a {kind} deal has no stage {stage}; its stages: {}", allowed.join(", "))))
    }
}

/// The largest deal value taken (AED): beyond any property, and small enough that every product
/// of the arithmetic fits.
pub const MAX_VALUE: i64 = 1_000_000_000_000;

/// A workspace's commission rates, in basis points (1 % = 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Rates {
    pub sale_bp: i64,
    pub rent_bp: i64,
    pub vat_bp: i64,
    pub agent_share_bp: i64,
}

impl Default for Rates {
    /// 2 % of a sale, 5 % of the annual rent, 5 % VAT, the agent's share 50 %.
    fn default() -> Rates {
        Rates { sale_bp: 200, rent_bp: 500, vat_bp: 500, agent_share_bp: 5000 }
    }
}

/// The workspace's rates.
pub fn rates(conn: &Connection, ws: &Workspace) -> Result<Rates> {
    Ok(conn.query_row(
        "SELECT commission_sale_bp, commission_rent_bp, vat_bp, agent_share_bp FROM workspaces WHERE id = ?1",
        [ws.id],
        |r| Ok(Rates { sale_bp: r.get(0)?, rent_bp: r.get(1)?, vat_bp: r.get(2)?, agent_share_bp: r.get(3)? }),
    )?)
}

/// What a deal earns, in whole AED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Commission {
    pub commission: i64,
    pub vat: i64,
    pub agent_share: i64,
}

/// `num / den` rounded half up, for non-negative `num` and positive `den`.
fn div_half_up(num: i128, den: i128) -> i64 {
    ((num * 2 + den) / (den * 2)) as i64
}

/// The commission on `value` for a deal of `kind` at `rates` (see the module's note).
pub fn commission(kind: DealKind, value: i64, rates: Rates) -> Commission {
    let rate = match kind {
        DealKind::Sale => rates.sale_bp,
        DealKind::Rent => rates.rent_bp,
    } as i128;
    let exact = value as i128 * rate; // AED × 10 000
    Commission {
        commission: div_half_up(exact, 10_000),
        vat: div_half_up(exact * rates.vat_bp as i128, 100_000_000),
        agent_share: div_half_up(exact * rates.agent_share_bp as i128, 100_000_000),
    }
}

/// A deal as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Deal {
    pub id: i64,
    pub lead_id: i64,
    pub property_id: Option<i64>,
    pub kind: DealKind,
    /// AED: the price of a sale, the annual rent of a rental.
    pub value: i64,
    pub stage: DealStage,
    /// YYYY-MM-DD.
    pub expected_close: Option<String>,
    pub commission: i64,
    pub vat: i64,
    pub agent_share: i64,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When it was won or lost.
    pub closed_at: Option<String>,
    pub lead_name: String,
    /// The listing's title, when the deal names one.
    pub property_title: Option<String>,
}

/// What the agent types to open a deal.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct DealInput {
    pub lead_id: i64,
    #[serde(default)]
    pub property_id: Option<i64>,
    pub kind: DealKind,
    pub value: i64,
    #[serde(default)]
    pub stage: Option<DealStage>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub expected_close: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

const COLUMNS: &str = "d.id, d.lead_id, d.property_id, d.kind, d.value, d.stage, d.expected_close, d.commission, d.vat, d.agent_share, \
    d.notes, d.created_at, d.updated_at, d.closed_at, l.name, p.title";
const FROM: &str = "FROM deals d JOIN leads l ON l.id = d.lead_id LEFT JOIN properties p ON p.id = d.property_id";

fn from_row(r: &Row) -> rusqlite::Result<Deal> {
    Ok(Deal {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        property_id: r.get(2)?,
        kind: crate::store::rows::enum_col(r, 3, DealKind::parse)?,
        value: r.get(4)?,
        stage: crate::store::rows::enum_col(r, 5, DealStage::parse)?,
        expected_close: r.get(6)?,
        commission: r.get(7)?,
        vat: r.get(8)?,
        agent_share: r.get(9)?,
        notes: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        closed_at: r.get(13)?,
        lead_name: r.get(14)?,
        property_title: r.get(15)?,
    })
}

/// Opens a deal with the workspace's rates; its lead and listing must be this workspace's.
pub fn insert(conn: &Connection, ws: &Workspace, input: &DealInput, now: DateTime<Utc>) -> Result<Deal> {
    crate::leads::get(conn, ws, input.lead_id)?;
    if let Some(p) = input.property_id {
        crate::listings::properties::get(conn, ws, p)?;
    }
    if input.value <= 0 || input.value > MAX_VALUE {
        return Err(Error::validation("value", format!("a deal's value is 1 to {MAX_VALUE} AED")));
    }
    let stage = DealStage::for_kind(input.kind, input.stage.unwrap_or(DealStage::Offer))?;
    let close = input
        .expected_close
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::validation("close", format!("'{s}' is not a date like 2026-06-30"))))
        .transpose()?;
    let notes = input.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > crate::leads::validate::MAX_NOTES) {
        return Err(Error::validation("notes", format!("a deal's notes are at most {} characters", crate::leads::validate::MAX_NOTES)));
    }
    let c = commission(input.kind, input.value, rates(conn, ws)?);
    let now_s = fmt_time(now);
    conn.prepare_cached(
        "INSERT INTO deals (workspace_id, lead_id, property_id, kind, value, stage, expected_close, commission, vat, agent_share,
            notes, created_at, updated_at, closed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
    )?
    .execute(params![
        ws.id, input.lead_id, input.property_id, input.kind, input.value, stage, close.map(|d| d.to_string()),
        c.commission, c.vat, c.agent_share, notes, now_s, stage.is_closed().then(|| now_s.clone())
    ])?;
    get(conn, ws, conn.last_insert_rowid())
}

/// Deal `id` of the workspace; another workspace's is `not_found`.
pub fn get(conn: &Connection, ws: &Workspace, id: i64) -> Result<Deal> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE d.workspace_id = ?1 AND d.id = ?2"))?
        .query_row(params![ws.id, id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(crate::Entity::Deal, id))
}

/// Moves a deal to `stage` (one its kind has); won or lost records when it closed.
pub fn set_stage(conn: &Connection, ws: &Workspace, id: i64, stage: DealStage, now: DateTime<Utc>) -> Result<Deal> {
    let d = get(conn, ws, id)?;
    let stage = DealStage::for_kind(d.kind, stage)?;
    let closed = if stage.is_closed() { d.closed_at.clone().filter(|_| d.stage == stage).or(Some(fmt_time(now))) } else { None };
    conn.prepare_cached("UPDATE deals SET stage = ?3, updated_at = ?4, closed_at = ?5 WHERE workspace_id = ?1 AND id = ?2")?
        .execute(params![ws.id, id, stage, fmt_time(now), closed])?;
    get(conn, ws, id)
}

/// The workspace's deals (only those at `stage` if given), newest first.
pub fn list(conn: &Connection, ws: &Workspace, stage: Option<DealStage>) -> Result<Vec<Deal>> {
    let mut sql = format!("SELECT {COLUMNS} {FROM} WHERE d.workspace_id = ?");
    let mut args = vec![Value::Integer(ws.id)];
    if let Some(s) = stage {
        sql.push_str(" AND d.stage = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    sql.push_str(" ORDER BY d.created_at DESC, d.id DESC");
    let rows = conn.prepare_cached(&sql)?.query_map(params_from_iter(&args), from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One stage of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StageFigures {
    pub stage: DealStage,
    pub count: i64,
    /// AED.
    pub value: i64,
    /// Commission before VAT, AED.
    pub commission: i64,
}

/// The pipeline by stage (every stage, in funnel order, zeros included), and the commission
/// (before VAT) of the deals won since `month_start` and since `year_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Pipeline {
    pub stages: Vec<StageFigures>,
    pub earned_this_month: i64,
    pub earned_this_year: i64,
}

pub fn pipeline(conn: &Connection, ws: &Workspace, month_start: DateTime<Utc>, year_start: DateTime<Utc>) -> Result<Pipeline> {
    let mut stages: Vec<StageFigures> = DealStage::ALL.iter().map(|&stage| StageFigures { stage, count: 0, value: 0, commission: 0 }).collect();
    let mut stmt = conn.prepare_cached("SELECT stage, count(*), sum(value), sum(commission) FROM deals WHERE workspace_id = ?1 GROUP BY stage")?;
    let rows = stmt.query_map([ws.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)))?;
    for row in rows {
        let (stage, count, value, commission) = row?;
        if let Some(s) = stages.iter_mut().find(|s| s.stage.as_str() == stage) {
            (s.count, s.value, s.commission) = (count, value, commission);
        }
    }
    let (month, year): (i64, i64) = conn
        .prepare_cached(
            "SELECT coalesce(sum(commission) FILTER (WHERE closed_at >= ?2), 0), coalesce(sum(commission), 0) FROM deals
             WHERE workspace_id = ?1 AND stage = ?4 AND closed_at >= ?3",
        )?
        .query_row(params![ws.id, fmt_time(month_start), fmt_time(year_start), DealStage::Won], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Pipeline { stages, earned_this_month: month, earned_this_year: year })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_deal_kind_and_stage_has_words_in_english_persian_and_arabic() {
        crate::model::words::every_code_has_words_that_read_back::<DealKind>("deal kind");
        crate::model::words::every_code_has_words_that_read_back::<DealStage>("deal stage");
    }

    use super::*;

    #[test]
    fn a_sale_earns_two_percent_with_five_percent_vat_on_top_and_half_for_the_agent() {
        let c = commission(DealKind::Sale, 2_500_000, Rates::default());
        assert_eq!(c, Commission { commission: 50_000, vat: 2_500, agent_share: 25_000 });
    }

    #[test]
    fn a_rental_earns_five_percent_of_the_annual_rent() {
        let c = commission(DealKind::Rent, 120_000, Rates::default());
        assert_eq!(c, Commission { commission: 6_000, vat: 300, agent_share: 3_000 });
    }

    #[test]
    fn fractions_of_a_dirham_round_half_up_from_the_exact_amount() {
        // 2 % of 1 234 525 = 24 690.5 → 24 691; VAT 1 234.525 → 1 235; share 12 345.25 → 12 345.
        let c = commission(DealKind::Sale, 1_234_525, Rates::default());
        assert_eq!(c, Commission { commission: 24_691, vat: 1_235, agent_share: 12_345 });
        // 5 % of 30 = 1.5 → 2; VAT 0.075 → 0; share 0.75 → 1.
        assert_eq!(commission(DealKind::Rent, 30, Rates::default()), Commission { commission: 2, vat: 0, agent_share: 1 });
        // The largest value fits.
        assert_eq!(commission(DealKind::Rent, MAX_VALUE, Rates::default()).commission, MAX_VALUE / 20);
    }

    #[test]
    fn a_stage_of_the_other_kind_is_refused() {
        assert!(DealStage::for_kind(DealKind::Sale, DealStage::Ejari).is_err());
        assert!(DealStage::for_kind(DealKind::Rent, DealStage::MouSigned).is_err());
        assert_eq!(DealStage::for_kind(DealKind::Rent, DealStage::Won).unwrap(), DealStage::Won);
    }
}
