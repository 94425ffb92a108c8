//! The data of scoring that a workspace keeps: the rule weights it may change (SPEC §3) and the
//! model it learned from its own outcomes. What they compute is in `leads::scoring` and
//! `leads::learned`; here they are plain data, so a workspace can carry them.

use serde::{Deserialize, Serialize};

/// Points per factor. A workspace stores only the ones it changes; the rest are the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub phone: i64,
    pub telegram: i64,
    pub email: i64,
    pub linkedin: i64,
    pub budget: i64,
    pub location: i64,
    pub property_type: i64,
    pub bedrooms: i64,
    pub source_referral: i64,
    pub source_portal_or_website: i64,
    pub source_telegram_or_whatsapp: i64,
    pub source_linkedin: i64,
    pub replied: i64,
    pub active_status: i64,
    pub recent_inbound: i64,
    pub no_contact_30d: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            phone: 15,
            telegram: 10,
            email: 5,
            linkedin: 5,
            budget: 15,
            location: 10,
            property_type: 5,
            bedrooms: 5,
            source_referral: 15,
            source_portal_or_website: 10,
            source_telegram_or_whatsapp: 10,
            source_linkedin: 5,
            replied: 20,
            active_status: 15,
            recent_inbound: 10,
            no_contact_30d: -15,
        }
    }
}

/// A trained model. Weights are per standardised feature (`(x − mean) / scale`), so their sizes
/// compare across features and are what the breakdown shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Feature name → weight on its standardised value, in the order of `mean` and `scale`.
    pub weights: Vec<(String, f64)>,
    pub bias: f64,
    /// The areas (keys) that have a feature, most frequent first.
    pub areas: Vec<String>,
    /// Per weight: the training mean and standard deviation of its feature (1 for a constant).
    #[serde(default)]
    pub mean: Vec<f64>,
    #[serde(default)]
    pub scale: Vec<f64>,
    /// How many outcomes it learned from.
    pub trained_on: usize,
    /// Five-fold cross-validated AUC (out-of-fold predictions pooled); the training-set AUC
    /// when a fold lacks a class.
    pub auc: f64,
}
