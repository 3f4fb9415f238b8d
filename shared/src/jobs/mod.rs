//! Scheduled jobs: the sweeper and what it reports.

pub mod report;
pub mod sweeper;

pub use report::SweepReport;
pub use sweeper::{SweepSettings, Sweeper, RECONCILE_REFUND, SWEEPER};
