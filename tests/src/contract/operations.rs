//! What every [`OperationsLog`] must do.

use std::sync::Arc;

use mambogo::domain::ids::OrderId;
use mambogo::domain::operations::OperationsLog;
use mambogo::domain::operations::SweepReport;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::NOW;

/// A report of a sweep at `ran_at` that released one reservation.
fn report(ran_at: OffsetDateTime) -> SweepReport {
    SweepReport {
        ran_at,
        released_reservations: vec![OrderId::from_uuid(Uuid::new_v4())],
        failed_orders: Vec::new(),
        refunded_payments: Vec::new(),
        voided_payments: Vec::new(),
        republished_outcomes: vec![OrderId::from_uuid(Uuid::new_v4())],
        errors: Vec::new(),
    }
}

async fn save(store: &dyn OperationsLog, report: &SweepReport) {
    store
        .save_sweep(report)
        .await
        .unwrap_or_else(|error| panic!("saving the sweep of {}: {error}", report.ran_at));
}

async fn latest(store: &dyn OperationsLog, limit: u32) -> Vec<SweepReport> {
    store
        .latest_sweeps(limit)
        .await
        .expect("reading the latest sweeps")
}

/// Sweep reports read back whole, newest first, as many as asked for (at least one, at
/// most a page).
pub async fn check_latest_sweeps_come_first(store: Arc<dyn OperationsLog>) {
    assert_eq!(latest(&*store, 10).await, []);
    let reports: Vec<SweepReport> = (0..4)
        .map(|minute| report(NOW + Duration::minutes(minute)))
        .collect();
    for report in [&reports[2], &reports[0], &reports[3], &reports[1]] {
        save(&*store, report).await;
    }
    let newest_first: Vec<SweepReport> = reports.iter().rev().cloned().collect();
    assert_eq!(latest(&*store, 2).await, newest_first[..2]);
    assert_eq!(latest(&*store, 100).await, newest_first);
    assert_eq!(latest(&*store, 0).await, newest_first[..1], "at least one");
}

/// A report saved again for the same run replaces the first; runs a moment apart are
/// kept apart.
pub async fn check_a_sweep_saved_again_is_replaced(store: Arc<dyn OperationsLog>) {
    let first = report(NOW);
    save(&*store, &first).await;
    let again = SweepReport {
        errors: vec!["the payment gateway is unavailable".to_owned()],
        ..first.clone()
    };
    save(&*store, &again).await;
    let moment_later = report(NOW + Duration::milliseconds(1));
    save(&*store, &moment_later).await;
    assert_eq!(latest(&*store, 10).await, [moment_later, again]);
}
