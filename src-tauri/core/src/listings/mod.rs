//! Listings (SPEC §4): the agent's properties, and which leads each one suits.
//!
//! [`properties`] owns the `properties` table; [`matching`] finds and ranks the leads a
//! property matches through the leads' match index. Telling those leads is a workflow
//! ([`crate::workflows`]), not this module's.

pub mod matching;
pub mod properties;
