//! Scheduled jobs: the sweeper and what it reports.

pub mod sweeper;

pub use sweeper::{SweepSettings, Sweeper, RECONCILE_REFUND, SWEEPER};
