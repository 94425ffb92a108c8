//! A/B tests of campaign steps: which variant a lead gets (fixed per enrolment, the same on
//! every machine and run), and whether one variant's reply rate beats another's — a Wilson 95 %
//! interval per variant and a two-proportion z-test between them. Plain arithmetic, no
//! statistics crate: the few functions needed are here with their references.

use serde::Serialize;

/// The variant (0-based, of `count`) an enrolment gets: a hash of the lead and the campaign, so
/// it is the same for every step of the campaign, on every run and every machine, and close to
/// an even split over many leads.
pub fn assign(lead_id: i64, campaign_id: i64, count: usize) -> usize {
    if count <= 1 {
        return 0;
    }
    (splitmix64((lead_id as u64) ^ (campaign_id as u64).rotate_left(32)) % count as u64) as usize
}

/// SplitMix64's finaliser: every bit of the input moves every bit of the output.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval (95 %) for `successes` out of `trials`; (0, 0) with no trials.
pub fn wilson(successes: i64, trials: i64) -> (f64, f64) {
    if trials <= 0 {
        return (0.0, 0.0);
    }
    let n = trials as f64;
    let p = successes.clamp(0, trials) as f64 / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = p + z2 / (2.0 * n);
    let spread = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (((centre - spread) / denom).max(0.0), ((centre + spread) / denom).min(1.0))
}

/// A two-proportion z-test (pooled), two-sided.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
#[ts(rename = "VariantComparison")]
pub struct Comparison {
    pub z: f64,
    pub p_value: f64,
    /// p < 0.05.
    pub significant: bool,
}

pub fn compare(s1: i64, n1: i64, s2: i64, n2: i64) -> Option<Comparison> {
    if n1 <= 0 || n2 <= 0 {
        return None;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (s1 + s2) as f64 / (n1f + n2f);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    if se == 0.0 {
        // Both all replied or none did: no difference to find.
        return Some(Comparison { z: 0.0, p_value: 1.0, significant: false });
    }
    let z = (s1 as f64 / n1f - s2 as f64 / n2f) / se;
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2);
    Some(Comparison { z, p_value, significant: p_value < 0.05 })
}

/// The complementary error function, to about 1e-7 (Numerical Recipes' `erfcc`, a Chebyshev
/// fit): enough for a p-value shown to three places.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07 + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn assignment_is_stable_and_near_an_even_split_over_10000_leads() {
        let mut counts = [0usize; 2];
        for lead in 1..=10_000 {
            let v = assign(lead, 3, 2);
            assert_eq!(v, assign(lead, 3, 2), "fixed per lead");
            counts[v] += 1;
        }
        let share = counts[0] as f64 / 10_000.0;
        // Four standard deviations of a fair coin over 10 000 leads is 2 %.
        assert!((share - 0.5).abs() < 0.02, "{counts:?}");
        let three: Vec<usize> = (1..=9_000).map(|l| assign(l, 3, 3)).collect();
        for v in 0..3 {
            let n = three.iter().filter(|x| **x == v).count();
            assert!((n as f64 / 9_000.0 - 1.0 / 3.0).abs() < 0.02, "variant {v}: {n}");
        }
        assert_eq!(assign(7, 3, 1), 0);
        assert_eq!(assign(7, 3, 0), 0);
    }

    #[test]
    fn another_campaign_shuffles_the_leads_anew() {
        let same = (1..=1_000).filter(|l| assign(*l, 1, 2) == assign(*l, 2, 2)).count();
        assert!((400..600).contains(&same), "{same}");
    }

    #[test]
    fn wilson_interval_matches_known_values() {
        let (lo, hi) = wilson(12, 100);
        assert!(close(lo, 0.069_994, 1e-5) && close(hi, 0.198_121, 1e-5), "{lo} {hi}");
        let (lo, hi) = wilson(0, 20);
        assert!(close(lo, 0.0, 1e-9) && close(hi, 0.161_125, 1e-5), "{lo} {hi}");
        let (lo, hi) = wilson(50, 50);
        assert!(close(lo, 0.928_652, 1e-5) && close(hi, 1.0, 1e-9), "{lo} {hi}");
        assert_eq!(wilson(3, 0), (0.0, 0.0));
    }

    #[test]
    fn two_proportion_test_matches_known_values() {
        let c = compare(120, 1000, 150, 1000).unwrap();
        assert!(close(c.z, -1.963_050, 1e-5) && close(c.p_value, 0.049_640, 1e-5), "{c:?}");
        assert!(c.significant);
        let c = compare(30, 200, 50, 200).unwrap();
        assert!(close(c.z, -2.5, 1e-9) && close(c.p_value, 0.012_419, 1e-5), "{c:?}");
        let c = compare(10, 100, 11, 100).unwrap();
        assert!(close(c.p_value, 0.817_576, 1e-5) && !c.significant, "{c:?}");
        assert_eq!(compare(0, 10, 0, 10).unwrap().p_value, 1.0);
        assert_eq!(compare(1, 0, 1, 10), None);
    }
}
