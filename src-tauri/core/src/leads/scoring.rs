//! Scores and grades: the default table of SPEC §3, weights configurable per workspace.
//! Every score comes with its breakdown (factor → points) so the UI can say why a lead is Hot,
//! and with the moment a time-based factor will next change it (`valid_until`), so stale
//! scores are found with an index instead of rescoring the whole book.

use crate::leads::Lead;
use crate::model::{Grade, Source};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::model::score::Weights;

/// One line of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "ScoreFactor")]
pub struct Factor {
    pub factor: String,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub score: i64,
    pub grade: Grade,
    pub breakdown: Vec<Factor>,
    /// When a time-based factor next changes this score, if ever without another change.
    pub valid_until: Option<DateTime<Utc>>,
}

pub const RECENT_INBOUND: Duration = Duration::days(7);
pub const NO_CONTACT: Duration = Duration::days(30);

/// Scores `lead` at `now`. Absent values count as absent, never as an error.
pub fn score(lead: &Lead, now: DateTime<Utc>, w: &Weights) -> Score {
    let mut breakdown = Vec::new();
    let mut add = |factor: &str, on: bool, points: i64| {
        if on && points != 0 {
            breakdown.push(Factor { factor: factor.to_string(), points });
        }
    };
    add("phone", lead.phone.is_some() || lead.whatsapp.is_some(), w.phone);
    add("telegram", lead.telegram_id.is_some(), w.telegram);
    add("email", lead.email.is_some(), w.email);
    add("linkedin", lead.linkedin_url.is_some(), w.linkedin);
    add("budget", lead.budget_max.is_some(), w.budget);
    add("location", !lead.locations.is_empty(), w.location);
    add("property_type", lead.property_type.is_some(), w.property_type);
    add("bedrooms", lead.bedrooms.is_some(), w.bedrooms);
    let source_points = match lead.source {
        Source::Referral => w.source_referral,
        s if s.scores_as_portal() => w.source_portal_or_website,
        Source::Website => w.source_portal_or_website,
        Source::Telegram | Source::Whatsapp => w.source_telegram_or_whatsapp,
        Source::Linkedin => w.source_linkedin,
        _ => 0,
    };
    add("source", true, source_points);
    add("replied", lead.last_inbound_at.is_some(), w.replied);
    add("active_status", lead.status.is_engaged(), w.active_status);

    let mut valid_until: Option<DateTime<Utc>> = None;
    let mut until = |t: DateTime<Utc>| {
        if t > now {
            valid_until = Some(valid_until.map_or(t, |v| v.min(t)));
        }
    };
    let recent = lead.last_inbound_at.is_some_and(|t| now - t < RECENT_INBOUND);
    if let Some(t) = lead.last_inbound_at {
        until(t + RECENT_INBOUND);
    }
    add("recent_inbound", recent, w.recent_inbound);
    // Silence is counted from the last contact either way, or from creation if there was none.
    let last_touch = [Some(lead.created_at), lead.last_contacted_at, lead.last_inbound_at].into_iter().flatten().max();
    let silent = last_touch.is_some_and(|t| now - t >= NO_CONTACT);
    if let Some(t) = last_touch {
        until(t + NO_CONTACT);
    }
    add("no_contact_30d", silent, w.no_contact_30d);

    let score = breakdown.iter().map(|f| f.points).sum::<i64>().clamp(0, 100);
    Score { score, grade: Grade::of(Some(score)), breakdown, valid_until }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_time;
    use crate::model::{PropertyType, Status};

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn bare() -> Lead {
        let mut l = Lead::blank("Aisha", t("2026-03-01T10:00:00Z"));
        l.source = Source::Import;
        l
    }

    fn now() -> DateTime<Utc> {
        t("2026-03-02T10:00:00Z")
    }

    fn points_for(change: impl FnOnce(&mut Lead)) -> i64 {
        let mut l = bare();
        change(&mut l);
        score(&l, now(), &Weights::default()).score
    }

    #[test]
    fn a_bare_lead_scores_zero_and_grades_cold() {
        let s = score(&bare(), now(), &Weights::default());
        assert_eq!((s.score, s.grade), (0, Grade::D));
        assert!(s.breakdown.is_empty());
    }

    #[test]
    fn the_scoring_table_row_by_row() {
        assert_eq!(points_for(|l| l.phone = Some("+971501234567".into())), 15);
        assert_eq!(points_for(|l| l.whatsapp = Some("+971501234567".into())), 15);
        assert_eq!(points_for(|l| { l.phone = Some("+971501234567".into()); l.whatsapp = l.phone.clone() }), 15);
        assert_eq!(points_for(|l| l.telegram_id = Some(42)), 10);
        assert_eq!(points_for(|l| l.email = Some("a@b.ae".into())), 5);
        assert_eq!(points_for(|l| l.linkedin_url = Some("https://www.linkedin.com/in/a".into())), 5);
        assert_eq!(points_for(|l| l.budget_max = Some(2_000_000)), 15);
        assert_eq!(points_for(|l| l.budget_min = Some(1_000_000)), 0, "only the maximum counts");
        assert_eq!(points_for(|l| l.locations = vec!["JVC".into()]), 10);
        assert_eq!(points_for(|l| l.property_type = Some(PropertyType::Villa)), 5);
        assert_eq!(points_for(|l| l.bedrooms = Some(0)), 5, "a studio is a known bedroom count");
        for (source, points) in [
            (Source::Referral, 15), (Source::Portal, 10), (Source::Website, 10), (Source::Telegram, 10),
            (Source::Whatsapp, 10), (Source::Linkedin, 5), (Source::Manual, 0), (Source::WalkIn, 0), (Source::Import, 0),
            (Source::PropertyFinder, 10), (Source::Bayut, 10), (Source::Dubizzle, 10), (Source::Email, 10),
        ] {
            assert_eq!(points_for(|l| l.source = source), points, "{source}");
        }
        // A reply 3 days ago: replied (20) and inbound within 7 days (10).
        assert_eq!(points_for(|l| l.last_inbound_at = Some(t("2026-02-27T10:00:00Z"))), 30);
        // A reply 8 days ago: replied only.
        assert_eq!(points_for(|l| l.last_inbound_at = Some(t("2026-02-22T10:00:00Z"))), 20);
        for (status, points) in [(Status::Qualified, 15), (Status::Viewing, 15), (Status::Negotiating, 15), (Status::New, 0), (Status::Won, 0)] {
            assert_eq!(points_for(|l| l.status = status), points, "{status}");
        }
    }

    #[test]
    fn thirty_days_without_contact_costs_fifteen_but_never_below_zero() {
        let mut l = bare();
        l.phone = Some("+971501234567".into());
        l.email = Some("a@b.ae".into());
        let day29 = t("2026-03-30T10:00:00Z");
        let day30 = t("2026-03-31T10:00:00Z");
        assert_eq!(score(&l, day29, &Weights::default()).score, 20);
        let s = score(&l, day30, &Weights::default());
        assert_eq!(s.score, 5);
        assert!(s.breakdown.contains(&Factor { factor: "no_contact_30d".into(), points: -15 }));
        l.phone = None;
        assert_eq!(score(&l, day30, &Weights::default()).score, 0, "clamped at 0");
        l.last_contacted_at = Some(t("2026-03-20T10:00:00Z"));
        assert_eq!(score(&l, day30, &Weights::default()).score, 5, "an outbound contact resets the silence");
    }

    #[test]
    fn everything_at_once_is_clamped_to_one_hundred() {
        let mut l = bare();
        l.phone = Some("+971501234567".into());
        l.telegram_id = Some(1);
        l.email = Some("a@b.ae".into());
        l.linkedin_url = Some("https://www.linkedin.com/in/a".into());
        l.budget_max = Some(1);
        l.locations = vec!["JVC".into()];
        l.property_type = Some(PropertyType::Villa);
        l.bedrooms = Some(2);
        l.source = Source::Referral;
        l.status = Status::Viewing;
        l.last_inbound_at = Some(now());
        let s = score(&l, now(), &Weights::default());
        assert_eq!((s.score, s.grade), (100, Grade::A));
        assert_eq!(s.breakdown.iter().map(|f| f.points).sum::<i64>(), 130);
    }

    #[test]
    fn valid_until_is_the_next_time_factor_change() {
        let mut l = bare();
        l.last_inbound_at = Some(t("2026-03-01T12:00:00Z"));
        let s = score(&l, now(), &Weights::default());
        assert_eq!(s.valid_until, Some(t("2026-03-08T12:00:00Z")));
    }

    #[test]
    fn workspace_weights_change_the_points() {
        let w: Weights = serde_json::from_str(r#"{"email": 40}"#).unwrap();
        let mut l = bare();
        l.email = Some("a@b.ae".into());
        assert_eq!(score(&l, now(), &w).score, 40);
    }
}
