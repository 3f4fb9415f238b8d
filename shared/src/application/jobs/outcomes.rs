//! The sweeper's fourth pass: outcomes the saga could not publish.
//!
//! The saga's last step publishes the order's outcome (OrderConfirmed, OrderCancelled,
//! OrderFailed) with PutEvents. When EventBridge refuses past every retry, the execution
//! fails there with the order already in its final state, and nobody hears of it: not
//! the shopper's notification, not the cart, not the coupon. This pass lists the
//! executions that failed within [`SweepSettings::outcome_window`], and for each that
//! failed in one of the [`OUTCOME_STATES`] publishes the outcome again, built from the
//! order as the saga built it: the same event id, so a consumer that did get it (an
//! answer lost after EventBridge took the entry) skips it. Each execution is dealt with
//! once, remembered in the idempotency store.

use time::OffsetDateTime;

use super::sweeper::{Problem, Sweeper};
use crate::application::checkout::OUTCOME_STATES;
use crate::application::orders::order_span;
use crate::domain::events::{self, DomainEvent, EventType};
use crate::domain::ids::OrderId;
use crate::domain::operations::SweepReport;
use crate::domain::orders::{Order, OrderStatus};

/// The name under which the idempotency store remembers the executions this pass has
/// dealt with.
pub const REPUBLISHER: &str = "sweeper-outcomes";

impl Sweeper {
    /// Pass 4: publishes again the outcome of each execution that failed publishing it.
    pub(super) async fn republish_outcomes(&self, now: OffsetDateTime, report: &mut SweepReport) {
        let since = now - self.settings.outcome_window;
        let failed = match self.workflow.failed_since(since).await {
            Ok(failed) => failed,
            Err(error) => {
                report
                    .errors
                    .push(format!("cannot list the failed sagas: {error}"));
                return;
            }
        };
        for execution in failed {
            match self.republish(&execution, now).await {
                Ok(Some(order_id)) => report.republished_outcomes.push(order_id),
                Ok(None) => {}
                Err(problem) => report.errors.push(problem),
            }
        }
    }

    /// Publishes the outcome the failed execution `name` left unpublished, if it left one
    /// and this pass has not yet; the order it was for.
    async fn republish(&self, name: &str, now: OffsetDateTime) -> Result<Option<OrderId>, Problem> {
        let problem = |what: &str, error: &dyn std::fmt::Display| {
            format!("cannot {what} of the failed saga {name}: {error}")
        };
        let handled = self.idempotency.handled(REPUBLISHER, name).await;
        if handled.map_err(|error| problem("read what was done", &error))? {
            return Ok(None);
        }
        let execution = self
            .workflow
            .describe(name)
            .await
            .map_err(|error| problem("read the history", &error))?;
        // The last state a history names is the one the execution failed in.
        let failed_in = execution
            .as_ref()
            .and_then(|execution| execution.history.iter().rev().find_map(|e| e.state.clone()));
        let outcome = OUTCOME_STATES
            .iter()
            .find(|(state, _)| failed_in.as_deref() == Some(*state))
            .map(|(_, outcome)| *outcome);
        let mut republished = None;
        if let Some(outcome) = outcome {
            let order_id =
                OrderId::parse(name).map_err(|error| problem("read the order id", &error))?;
            let order = self
                .orders
                .order(&order_id)
                .await
                .map_err(|error| problem("read the order", &error))?
                .ok_or_else(|| problem("find the order", &"there is none"))?;
            let event = outcome_event(&order, outcome)
                .ok_or_else(|| problem("publish the outcome", &"the order never reached it"))?
                .map_err(|error| problem("build the outcome", &error))?;
            self.events
                .publish(vec![event])
                .await
                .map_err(|error| problem("publish the outcome", &error))?;
            order_span(&order_id, order.correlation_id.as_ref()).in_scope(|| {
                tracing::warn!(
                    ?outcome,
                    "published the outcome a failed saga left unpublished"
                );
            });
            republished = Some(order_id);
        }
        let keep_until = now + self.settings.outcome_window;
        self.idempotency
            .record_handled(REPUBLISHER, name, keep_until)
            .await
            .map_err(|error| problem("remember what was done", &error))?;
        Ok(republished)
    }
}

/// The `outcome` event of `order`, as the saga's step built it; `None` if the order
/// never reached that outcome.
fn outcome_event(
    order: &Order,
    outcome: EventType,
) -> Option<Result<DomainEvent, serde_json::Error>> {
    let reached = |status: OrderStatus| order.changed_to_at(status).is_some();
    match outcome {
        EventType::OrderConfirmed if reached(OrderStatus::Confirmed) => {
            Some(events::order_confirmed(order))
        }
        EventType::OrderCancelled if reached(OrderStatus::Cancelled) => {
            Some(events::order_cancelled(order))
        }
        EventType::OrderFailed => {
            let failed = order
                .history
                .iter()
                .rev()
                .find(|change| change.to == OrderStatus::Failed)?;
            let reason = failed
                .reason
                .clone()
                .unwrap_or_else(|| "checkout failed".to_owned());
            Some(events::order_failed(order, reason, failed.at))
        }
        _ => None,
    }
}
