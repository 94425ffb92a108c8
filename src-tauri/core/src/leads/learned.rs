//! Learned scoring: the agent's own wins and losses teach the score. Once a workspace has at
//! least [`MIN_OUTCOMES`] leads marked won or lost, an L2-regularised logistic regression is
//! fitted on them — the features of the rule table (SPEC §3) plus what the table ignores: every
//! source, the workspace's most frequent areas, the budget band, how fast the lead first
//! answered and the lead's age — and its probability of a win is blended into the rule score.
//!
//! It is not a black box and never the score on its own: the model is a list of named weights
//! (stored as JSON, shown in the breakdown with [`Model::explain`]), it is not trained below
//! [`MIN_OUTCOMES`] outcomes, and [`blend`] gives it at most half of the score, growing with the
//! number of outcomes it learned from. Training is deterministic: the same outcomes always give
//! the same weights.

use crate::leads::Lead;
use crate::model::Source;
use crate::leads::scoring::{NO_CONTACT, RECENT_INBOUND};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Below this many leads with an outcome there is no model; the rule score stands alone.
pub const MIN_OUTCOMES: usize = 30;
/// How many of the workspace's most frequent areas get a feature of their own.
pub const TOP_AREAS: usize = 20;
/// An area must appear on at least this many outcomes to get a feature.
const MIN_AREA_COUNT: usize = 2;
/// L2 penalty on the standardised weights (not on the bias): keeps weights finite when the
/// classes separate and makes collinear features (one-hot groups, budget known vs. its band)
/// share their weight instead of diverging.
const L2: f64 = 1.0;
const MAX_ITERATIONS: usize = 100;
const TOLERANCE: f64 = 1e-9;
/// Folds of the cross-validation that gives [`Model::auc`].
const FOLDS: usize = 5;
/// How many contributions [`Model::explain`] returns.
pub const EXPLAIN_TOP: usize = 8;

/// Budget bands (upper bounds in AED, exclusive); the last band is open.
const BUDGET_BANDS: &[(f64, &str)] =
    &[(500_000.0, "<500k"), (1_000_000.0, "500k-1m"), (2_000_000.0, "1m-2m"), (5_000_000.0, "2m-5m"), (f64::INFINITY, "5m+")];
/// Response-time buckets (hours from creation to the first inbound message, exclusive upper
/// bounds); a lead that never answered has none of them.
const RESPONSE_BUCKETS: &[(f64, &str)] = &[(1.0, "<1h"), (24.0, "1-24h"), (168.0, "1-7d"), (f64::INFINITY, ">7d")];

/// What the lead row does not hold but its timeline does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The lead's first inbound message. `None` with a `last_inbound_at` on the lead means "not
    /// known", and the last inbound is used instead (an upper bound of the response time).
    pub first_inbound_at: Option<DateTime<Utc>>,
}

/// One lead as the model sees it: the fixed, named features ([`Features::names`]) and the
/// lead's area keys, which become one-hot features against the model's own area list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// One value per [`Features::names`] entry, in that order.
    pub values: Vec<f64>,
    /// The lead's area keys ([`crate::model::areas::key`]), de-duplicated, in the lead's order.
    pub areas: Vec<String>,
}

impl Features {
    /// The names of [`Features::values`], stable across versions (a stored model finds its
    /// weights by name): the rule table's factors, `source:<source>` for every source,
    /// `budget_band:<band>`, `response:<bucket>` and `log_days_since_created`.
    pub fn names() -> &'static [String] {
        static NAMES: OnceLock<Vec<String>> = OnceLock::new();
        NAMES.get_or_init(|| {
            let mut names: Vec<String> = RULE_FEATURES.iter().map(|s| s.to_string()).collect();
            names.extend(Source::ALL.iter().map(|s| format!("source:{s}")));
            names.extend(BUDGET_BANDS.iter().map(|(_, b)| format!("budget_band:{b}")));
            names.extend(RESPONSE_BUCKETS.iter().map(|(_, b)| format!("response:{b}")));
            names.push("log_days_since_created".into());
            names
        })
    }

    /// The value of a named feature: a name of [`Features::names`] or `area:<key>`; 0 for a
    /// name it does not know.
    pub fn get(&self, name: &str) -> f64 {
        if let Some(key) = name.strip_prefix("area:") {
            return if self.areas.iter().any(|a| a == key) { 1.0 } else { 0.0 };
        }
        static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
        let index = INDEX.get_or_init(|| Features::names().iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect());
        index.get(name).and_then(|&i| self.values.get(i)).copied().unwrap_or(0.0)
    }

    /// Name and value of every fixed feature, then `area:<key>` = 1 for each of the lead's areas.
    pub fn named(&self) -> Vec<(String, f64)> {
        let fixed = Features::names().iter().cloned().zip(self.values.iter().copied());
        fixed.chain(self.areas.iter().map(|a| (format!("area:{a}"), 1.0))).collect()
    }
}

const RULE_FEATURES: &[&str] = &[
    "phone", "telegram", "email", "linkedin", "budget", "location", "property_type", "bedrooms", "replied",
    "recent_inbound", "no_contact_30d",
];

/// The features of `lead` at `now`. For training, `now` is when the outcome was recorded, so
/// the features are what the agent knew then.
pub fn features(lead: &Lead, now: DateTime<Utc>, ctx: &History) -> Features {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut values = vec![
        flag(lead.phone.is_some() || lead.whatsapp.is_some()),
        flag(lead.telegram_id.is_some()),
        flag(lead.email.is_some()),
        flag(lead.linkedin_url.is_some()),
        flag(lead.budget_max.is_some()),
        flag(!lead.locations.is_empty()),
        flag(lead.property_type.is_some()),
        flag(lead.bedrooms.is_some()),
        flag(lead.last_inbound_at.is_some()),
        flag(lead.last_inbound_at.is_some_and(|t| now - t < RECENT_INBOUND)),
    ];
    let last_touch = [Some(lead.created_at), lead.last_contacted_at, lead.last_inbound_at].into_iter().flatten().max();
    values.push(flag(last_touch.is_some_and(|t| now - t >= NO_CONTACT)));
    values.extend(Source::ALL.iter().map(|&s| flag(lead.source == s)));

    let budget = lead.budget_max.filter(|&b| b > 0).map(|b| b as f64);
    let band = budget.and_then(|b| BUDGET_BANDS.iter().position(|&(upper, _)| b < upper));
    values.extend((0..BUDGET_BANDS.len()).map(|i| flag(band == Some(i))));

    let first_inbound = ctx.first_inbound_at.or(lead.last_inbound_at);
    let hours = first_inbound.map(|t| ((t - lead.created_at).num_seconds() as f64 / 3600.0).max(0.0));
    let bucket = hours.and_then(|h| RESPONSE_BUCKETS.iter().position(|&(upper, _)| h < upper));
    values.extend((0..RESPONSE_BUCKETS.len()).map(|i| flag(bucket == Some(i))));

    let days = ((now - lead.created_at).num_seconds() as f64 / 86_400.0).max(0.0);
    values.push(days.ln_1p());

    let mut areas: Vec<String> = Vec::new();
    for key in lead.locations.iter().map(|l| crate::model::areas::key(l)).filter(|k| !k.is_empty()) {
        if !areas.contains(&key) {
            areas.push(key);
        }
    }
    Features { values, areas }
}

pub use crate::model::score::Model;

impl Model {
    /// The probability that the lead is won.
    pub fn predict(&self, f: &Features) -> f64 {
        sigmoid(self.bias + self.contributions(f).iter().map(|(_, c)| c).sum::<f64>())
    }

    /// The largest contributions to the prediction (weight × standardised value, in log-odds),
    /// largest magnitude first, at most [`EXPLAIN_TOP`], zero ones left out.
    pub fn explain(&self, f: &Features) -> Vec<(String, f64)> {
        let mut all: Vec<(String, f64)> = self.contributions(f).into_iter().filter(|(_, c)| *c != 0.0 && c.is_finite()).collect();
        all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        all.truncate(EXPLAIN_TOP);
        all
    }

    fn contributions(&self, f: &Features) -> Vec<(String, f64)> {
        self.weights
            .iter()
            .enumerate()
            .map(|(i, (name, w))| {
                let z = standardise(f.get(name), self.mean.get(i).copied().unwrap_or(0.0), self.scale.get(i).copied().unwrap_or(1.0));
                (name.clone(), w * z)
            })
            .collect()
    }
}

/// Fits a model on `(features, won)` outcomes. `None` below [`MIN_OUTCOMES`] or when all the
/// outcomes are wins or all losses.
pub fn train(samples: &[(Features, bool)]) -> Option<Model> {
    let n = samples.len();
    let wins = samples.iter().filter(|(_, y)| *y).count();
    if n < MIN_OUTCOMES || wins == 0 || wins == n {
        return None;
    }
    let areas = top_areas(samples);
    let mut names: Vec<String> = Features::names().to_vec();
    names.extend(areas.iter().map(|a| format!("area:{a}")));
    let d = names.len();

    let raw: Vec<Vec<f64>> = samples.iter().map(|(f, _)| names.iter().map(|name| f.get(name)).collect()).collect();
    let mut mean = vec![0.0; d];
    let mut scale = vec![1.0; d];
    for j in 0..d {
        let m = raw.iter().map(|r| r[j]).sum::<f64>() / n as f64;
        let var = raw.iter().map(|r| (r[j] - m).powi(2)).sum::<f64>() / n as f64;
        mean[j] = m;
        scale[j] = if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 };
    }
    let x: Vec<Vec<f64>> = raw.iter().map(|r| (0..d).map(|j| standardise(r[j], mean[j], scale[j])).collect()).collect();
    let y: Vec<bool> = samples.iter().map(|(_, y)| *y).collect();

    let (bias, w) = fit(&x, &y);
    let auc = cross_validated_auc(&x, &y).unwrap_or_else(|| {
        let scores: Vec<f64> = x.iter().map(|r| bias + dot(&w, r)).collect();
        auc(&scores, &y)
    });
    Some(Model { weights: names.into_iter().zip(w).collect(), bias, areas, mean, scale, trained_on: n, auc })
}

/// The share of the score the model gets after learning from `n_outcomes`: none below
/// [`MIN_OUTCOMES`], then `n / 200`, at most one half (reached at 100 outcomes).
pub fn learned_share(n_outcomes: usize) -> f64 {
    if n_outcomes < MIN_OUTCOMES {
        0.0
    } else {
        (n_outcomes as f64 / 200.0).min(0.5)
    }
}

/// Blends the rule score with the model's probability of a win: `(1 − s) · rule + s · 100 · p`
/// with `s` = [`learned_share`], rounded and clamped to 0–100. Returns the blended score and
/// the learned part in points — blended minus the rule score, negative when the model thinks
/// less of the lead than the rules — so the breakdown's rule factors plus the learned part add
/// up to the score. A `p_won` that is not a number counts as no model.
pub fn blend(rule_score: i64, p_won: f64, n_outcomes: usize) -> (i64, i64) {
    let rule = rule_score.clamp(0, 100);
    if !p_won.is_finite() {
        return (rule, 0);
    }
    let share = learned_share(n_outcomes);
    let blended = ((1.0 - share) * rule as f64 + share * 100.0 * p_won.clamp(0.0, 1.0)).round() as i64;
    let blended = blended.clamp(0, 100);
    (blended, blended - rule)
}

/// Area under the ROC curve by Mann–Whitney: the chance that a random positive scores above a
/// random negative, ties counting one half. 0.5 when a class is absent (nothing to rank).
/// Extra scores or labels beyond the shorter slice are ignored.
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    let pos = pairs.iter().filter(|p| p.1).count();
    let neg = pairs.len() - pos;
    if pos == 0 || neg == 0 {
        return 0.5;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' ranks, tied scores sharing their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j].0.total_cmp(&pairs[i].0).is_eq() {
            j += 1;
        }
        let average_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += pairs[i..j].iter().filter(|p| p.1).count() as f64 * average_rank;
        i = j;
    }
    let (pos, neg) = (pos as f64, neg as f64);
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// The most frequent area keys over the outcomes (each lead counted once per area), ties by
/// key, at most [`TOP_AREAS`].
fn top_areas(samples: &[(Features, bool)]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (f, _) in samples {
        for a in &f.areas {
            *counts.entry(a.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().filter(|&(_, c)| c >= MIN_AREA_COUNT).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked.into_iter().take(TOP_AREAS).map(|(a, _)| a.to_string()).collect()
}

fn cross_validated_auc(x: &[Vec<f64>], y: &[bool]) -> Option<f64> {
    let mut scores = vec![0.0; x.len()];
    for fold in 0..FOLDS {
        let (train_x, train_y): (Vec<Vec<f64>>, Vec<bool>) =
            x.iter().zip(y).enumerate().filter(|(i, _)| i % FOLDS != fold).map(|(_, (r, &l))| (r.clone(), l)).unzip();
        let wins = train_y.iter().filter(|&&l| l).count();
        if wins == 0 || wins == train_y.len() {
            return None;
        }
        let (bias, w) = fit(&train_x, &train_y);
        for i in (fold..x.len()).step_by(FOLDS) {
            scores[i] = bias + dot(&w, &x[i]);
        }
    }
    Some(auc(&scores, y))
}

/// Penalised maximum likelihood by Newton's method (IRLS) with step halving, from zero, on
/// standardised features. Returns the bias and the weights.
fn fit(x: &[Vec<f64>], y: &[bool]) -> (f64, Vec<f64>) {
    let d = x.first().map_or(0, Vec::len);
    let p = d + 1; // θ = [bias, w…]
    let mut theta = vec![0.0; p];
    let eta = |theta: &[f64], r: &[f64]| theta[0] + dot(&theta[1..], r);
    let objective = |theta: &[f64]| {
        let loss: f64 = x.iter().zip(y).map(|(r, &l)| softplus(eta(theta, r)) - if l { eta(theta, r) } else { 0.0 }).sum();
        loss + 0.5 * L2 * theta[1..].iter().map(|w| w * w).sum::<f64>()
    };
    let mut current = objective(&theta);
    for _ in 0..MAX_ITERATIONS {
        let mut grad = vec![0.0; p];
        let mut hess = vec![vec![0.0; p]; p];
        for (r, &l) in x.iter().zip(y) {
            let prob = sigmoid(eta(&theta, r));
            let residual = prob - if l { 1.0 } else { 0.0 };
            let weight = prob * (1.0 - prob);
            let row = |k: usize| if k == 0 { 1.0 } else { r[k - 1] };
            for a in 0..p {
                let ra = row(a);
                grad[a] += residual * ra;
                let wa = weight * ra;
                for b in 0..=a {
                    hess[a][b] += wa * row(b);
                }
            }
        }
        for a in 1..p {
            grad[a] += L2 * theta[a];
            hess[a][a] += L2;
        }
        hess[0][0] += 1e-9; // the bias is unpenalised; keep the matrix definite when all p saturate
        let Some(step) = solve_cholesky(hess, &grad) else { break };
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let candidate: Vec<f64> = theta.iter().zip(&step).map(|(th, s)| th - t * s).collect();
            let value = objective(&candidate);
            if value <= current {
                theta = candidate;
                current = value;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        let moved = step.iter().map(|s| (t * s).abs()).fold(0.0, f64::max);
        if !improved || moved < TOLERANCE {
            break;
        }
    }
    let bias = theta[0];
    theta.remove(0);
    (bias, theta)
}

/// Solves `A x = b` for a symmetric positive-definite `A` given by its lower triangle.
/// `None` when `A` is not positive definite (numerically).
fn solve_cholesky(mut a: Vec<Vec<f64>>, b: &[f64]) -> Option<Vec<f64>> {
    let n = b.len();
    for j in 0..n {
        let diagonal = a[j][j] - (0..j).map(|k| a[j][k] * a[j][k]).sum::<f64>();
        if diagonal.is_nan() || diagonal <= 0.0 || diagonal.is_infinite() {
            return None;
        }
        let l = diagonal.sqrt();
        a[j][j] = l;
        for i in j + 1..n {
            a[i][j] = (a[i][j] - (0..j).map(|k| a[i][k] * a[j][k]).sum::<f64>()) / l;
        }
    }
    let mut z = vec![0.0; n];
    for i in 0..n {
        z[i] = (b[i] - (0..i).map(|k| a[i][k] * z[k]).sum::<f64>()) / a[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (z[i] - (i + 1..n).map(|k| a[k][i] * x[k]).sum::<f64>()) / a[i][i];
    }
    Some(x)
}

fn standardise(x: f64, mean: f64, scale: f64) -> f64 {
    if scale > 0.0 && scale.is_finite() {
        (x - mean) / scale
    } else {
        x - mean
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + eᶻ) without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_time;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = vec![vec![4.0, 0.0], vec![2.0, 3.0]];
        let x = solve_cholesky(a, &[2.0, 1.0]).unwrap();
        // [[4,2],[2,3]] x = [2,1] → x = [0.5, 0]
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
        assert!(solve_cholesky(vec![vec![0.0]], &[1.0]).is_none());
    }

    #[test]
    fn the_learned_share_grows_with_outcomes_up_to_one_half() {
        assert_eq!(blend(60, 0.9, 29), (60, 0), "below the threshold the rules stand alone");
        assert_eq!(learned_share(30), 0.15);
        assert_eq!(learned_share(100), 0.5);
        assert_eq!(learned_share(10_000), 0.5);
        // 0.5 · 60 + 0.5 · 90 = 75: fifteen points from the model.
        assert_eq!(blend(60, 0.9, 500), (75, 15));
        assert_eq!(blend(60, 0.1, 500), (35, -25));
        assert_eq!(blend(60, f64::NAN, 500), (60, 0));
        assert_eq!(blend(130, 2.0, 500), (100, 0), "inputs are clamped");
    }

    #[test]
    fn features_follow_the_rule_table_and_their_names() {
        let mut lead = Lead::blank("Aisha", t("2026-03-01T10:00:00Z"));
        lead.phone = Some("+971501234567".into());
        lead.source = Source::WalkIn;
        lead.budget_max = Some(1_500_000);
        lead.locations = vec!["JVC".into(), "Jumeirah Village Circle".into(), "Marina".into()];
        lead.last_inbound_at = Some(t("2026-03-01T10:30:00Z"));
        let f = features(&lead, t("2026-03-11T10:00:00Z"), &History::default());
        assert_eq!(f.values.len(), Features::names().len());
        for (name, value) in [
            ("phone", 1.0), ("email", 0.0), ("budget", 1.0), ("location", 1.0), ("replied", 1.0), ("recent_inbound", 0.0),
            ("no_contact_30d", 0.0), ("source:walk_in", 1.0), ("source:manual", 0.0), ("budget_band:1m-2m", 1.0),
            ("budget_band:5m+", 0.0), ("response:<1h", 1.0), ("response:>7d", 0.0),
        ] {
            assert_eq!(f.get(name), value, "{name}");
        }
        assert!((f.get("log_days_since_created") - 10f64.ln_1p()).abs() < 1e-12);
        assert_eq!(f.areas, vec!["jumeirah village circle".to_string(), "dubai marina".to_string()]);
        assert_eq!(f.get("area:dubai marina"), 1.0);
        assert_eq!(f.get("no such feature"), 0.0);

        let slow = History { first_inbound_at: Some(t("2026-03-09T10:30:00Z")) };
        assert_eq!(features(&lead, t("2026-03-11T10:00:00Z"), &slow).get("response:>7d"), 1.0, "the first answer, not the last");
    }

    #[test]
    fn nothing_panics_on_empty_input() {
        assert_eq!(auc(&[], &[]), 0.5);
        assert!(train(&[]).is_none());
        let model = Model { weights: vec![("phone".into(), 1.0)], bias: 0.0, areas: vec![], mean: vec![], scale: vec![], trained_on: 0, auc: 0.5 };
        let f = Features { values: vec![], areas: vec![] };
        assert_eq!(model.predict(&f), 0.5);
        assert!(model.explain(&f).is_empty());
    }
}
