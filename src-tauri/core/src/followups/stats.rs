//! A/B figures per step under test: sent, replied, reply rate with its Wilson interval, and
//! each variant against A (see [`super::abtest`] for the statistics).

use super::*;

/// One variant of a step under test: how many got it, how many replied after it went.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VariantStats {
    pub variant: usize,
    pub label: String,
    pub sent: i64,
    pub replied: i64,
    pub reply_rate: f64,
    /// Wilson 95 % interval of the reply rate.
    pub low: f64,
    pub high: f64,
    /// Against variant A (absent for A itself, or with nothing sent).
    pub versus_a: Option<crate::followups::abtest::Comparison>,
}

/// A step's A/B figures.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StepStats {
    pub campaign_id: i64,
    pub campaign: String,
    pub position: i64,
    pub label: String,
    pub variants: Vec<VariantStats>,
    /// The variant with the best reply rate, if its lead over A is significant.
    pub winner: Option<usize>,
}

/// Per variant of every step that has variants (or had messages sent under one): sent,
/// replied (the lead wrote after that message went), reply rate, its 95 % interval and the
/// two-proportion test against A.
pub fn stats(conn: &Connection, ws: &Workspace) -> Result<Vec<StepStats>> {
    let mut out = Vec::new();
    for c in campaigns(conn, ws)? {
        for step in &c.steps {
            let count = step.variants.len() + 1;
            let mut stmt = conn.prepare_cached(
                "SELECT coalesce(o.variant, 0), count(*),
                        sum(EXISTS (SELECT 1 FROM timeline t WHERE t.lead_id = o.lead_id AND t.kind = 'replied' AND t.at >= o.sent_at))
                 FROM outbox o
                 WHERE o.workspace_id = ?1 AND o.kind = 'followup' AND o.campaign_id = ?2 AND o.campaign_step = ?3
                   AND o.status IN (?4, ?5, ?6) AND o.variant IS NOT NULL
                 GROUP BY 1",
            )?;
            use crate::model::MessageStatus::{Delivered, Read, Sent};
            let counts: Vec<(i64, i64, i64)> =
                stmt.query_map(params![ws.id, c.id, step.position, Sent, Delivered, Read], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
            if count == 1 && counts.is_empty() {
                continue;
            }
            let n = count.max(counts.iter().map(|(v, _, _)| *v as usize + 1).max().unwrap_or(0));
            let of = |v: usize| counts.iter().find(|(x, _, _)| *x as usize == v).map(|(_, s, r)| (*s, *r)).unwrap_or((0, 0));
            let (a_sent, a_replied) = of(0);
            let variants: Vec<VariantStats> = (0..n)
                .map(|v| {
                    let (sent, replied) = of(v);
                    let (low, high) = crate::followups::abtest::wilson(replied, sent);
                    VariantStats {
                        variant: v,
                        label: variant_label(v),
                        sent,
                        replied,
                        reply_rate: if sent > 0 { replied as f64 / sent as f64 } else { 0.0 },
                        low,
                        high,
                        versus_a: if v == 0 { None } else { crate::followups::abtest::compare(replied, sent, a_replied, a_sent) },
                    }
                })
                .collect();
            let best = variants.iter().max_by(|a, b| a.reply_rate.total_cmp(&b.reply_rate)).map(|v| v.variant);
            let winner = best.filter(|b| *b != 0 && variants[*b].versus_a.is_some_and(|c| c.significant && c.z > 0.0));
            out.push(StepStats { campaign_id: c.id, campaign: c.name.clone(), position: step.position, label: step.label.clone(), variants, winner });
        }
    }
    Ok(out)
}
