//! Getting a book in and out (SPEC §7, §11): [`import`] reads CSV, LinkedIn exports and sheets
//! into validated rows; [`export`] writes xlsx and CSV; [`backup`] copies the live file and
//! restores one.

pub mod backup;
pub mod bulk;
pub mod calendar;
pub mod compliance;
pub mod decode;
pub mod export;
pub mod import;
pub mod limits;
