//! Scheduled jobs: the sweeper and what it reports.

mod outcomes;
pub mod sweeper;

pub use outcomes::REPUBLISHER;
pub use sweeper::{SweepSettings, Sweeper, RECONCILE_REFUND, SWEEPER};

use time::OffsetDateTime;

use crate::application::flash_sales;
use crate::application::Services;
use crate::domain::operations::SweepReport;

/// One run of the `sweeper` function, every minute: a sweep at `now`, then an admission
/// round in every open flash sale with `services` (the function's grants, as the
/// sweeper's). The sweep's report; the rounds are logged.
pub async fn sweep_and_admit(
    sweeper: &Sweeper,
    services: &Services,
    now: OffsetDateTime,
) -> SweepReport {
    let report = sweeper.sweep(now).await;
    match flash_sales::admit_in_open_sales(services).await {
        Ok(rounds) => tracing::info!(rounds, "admission rounds in open flash sales"),
        Err(error) => tracing::warn!(%error, "cannot list the open flash sales"),
    }
    report
}
