//! The sweeper: a scheduled job (every minute) that finishes what a crash, a lost
//! webhook or a dead saga left behind, so that no multi-step flow stays half done.
//!
//! One [`Sweeper::sweep`] makes four passes:
//!
//! 1. **Expired reservations** are released ([`InventoryStore::release_expired`]), each
//!    in a transaction that requires it to be still pending, so a payment committing the
//!    same reservation at the same instant and the sweeper never both win.
//! 2. **Orphaned orders**: an order still PENDING [`SweepSettings::grace`] after its
//!    reservation expired, whose checkout saga is gone (no execution, or one that is no
//!    longer RUNNING), can never be confirmed. It becomes FAILED (actor `sweeper`), its
//!    stock goes back on sale, its payment is voided (authorized) or refunded
//!    (captured), and OrderFailed is published.
//! 3. **Reconciliation** of payments with their orders. The rule:
//!    - a CAPTURED payment belongs to an order that was confirmed (CONFIRMED, PROCESSING,
//!      SHIPPED, DELIVERED, RETURN_REQUESTED, RETURNED, REFUNDED): nothing to do;
//!    - a CAPTURED payment of a CANCELLED or FAILED order (unchanged for the grace
//!      period, so a cancel in flight finishes first) is refunded: whatever of the
//!      captured amount no refund covers yet, as the refund `reconcile`, recorded on the
//!      payment before the gateway is asked, so it happens once however often the
//!      sweeper runs; an AUTHORIZED payment of such an order is voided;
//!    - an order still PENDING past its window is never confirmed by the sweeper (the
//!      shopper was never told it was): it is failed as in pass 2;
//!    - a refund of a captured payment (a cancel's, a return's, the sweeper's own) that
//!      the gateway's webhook has not confirmed a grace period after it was recorded is
//!      asked of the gateway again under its own key, in case the call was lost: the
//!      gateway replays, never repeats, a refund it made.
//!
//! 4. **Unpublished outcomes**: a saga that failed publishing its order's outcome gets
//!    it published ([module `outcomes`](super::outcomes)).
//!
//! Everything found and done goes into a [`SweepReport`], logged and, when the run found
//! anything, kept by the [`OperationsLog`] for `GET /admin/reconciliation`.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::application::orders::order_span;
use crate::application::orders::{change_order, move_to, Decision};
use crate::application::settlement::{self, StockReturned, Voided};
use crate::application::Services;
use crate::domain::clock::Clock;
use crate::domain::correlation::CorrelationId;
use crate::domain::events::{self, EventPublisher};
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::ids::OrderId;
use crate::domain::inventory::InventoryStore;
use crate::domain::operations::{OperationsLog, SweepReport};
use crate::domain::orders::{Order, OrderStatus, OrderStore};
use crate::domain::payments::{Payment, PaymentGateway, PaymentStatus, PaymentStore, RefundStatus};
use crate::domain::store::{Page, PageRequest, StoreError};
use crate::domain::workflow::Workflow;

/// The sweeper's function name (`functions/manifest.json`) and the restock marker of
/// the stock it gives back.
pub const SWEEPER: &str = "sweeper";
/// The id of the refunds the sweeper makes.
pub const RECONCILE_REFUND: &str = "reconcile";
/// The status a saga execution has while it can still settle its order.
const RUNNING: &str = "RUNNING";

/// How patient the sweeper is, and how much one run takes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepSettings {
    /// How long after its reservation expired an order is left to its saga, and how long
    /// after its last change a cancelled or failed order is left to whatever cancelled
    /// it, before the sweeper steps in.
    pub grace: Duration,
    /// Items read per page.
    pub page_size: u32,
    /// Pages read per pass; what is left waits for the next run.
    pub max_pages: u32,
    /// How far back pass 4 looks for sagas that failed publishing their outcome.
    pub outcome_window: Duration,
}

impl Default for SweepSettings {
    fn default() -> Self {
        SweepSettings {
            grace: Duration::minutes(5),
            page_size: 100,
            max_pages: 10,
            outcome_window: Duration::days(1),
        }
    }
}

/// What the sweeper uses. On AWS it is one Lambda with these grants; locally a task of
/// the shop.
#[derive(Clone)]
pub struct Sweeper {
    pub inventory: Arc<dyn InventoryStore>,
    pub orders: Arc<dyn OrderStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub workflow: Arc<dyn Workflow>,
    pub events: Arc<dyn EventPublisher>,
    pub gateway: Arc<dyn PaymentGateway>,
    pub operations: Arc<dyn OperationsLog>,
    /// Where pass 4 remembers the failed sagas it dealt with.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// What "now" is when the job is triggered; tests call [`Sweeper::sweep`] with a time
    /// of their own.
    pub clock: Arc<dyn Clock>,
    pub settings: SweepSettings,
}

/// Why one item could not be dealt with; it is retried on the next run.
pub(super) type Problem = String;

impl Sweeper {
    /// A sweeper on `services` (as the `sweeper` function's grants restrict them), with
    /// the default settings.
    pub fn new(services: &Services) -> Sweeper {
        Sweeper {
            inventory: Arc::clone(&services.inventory),
            orders: Arc::clone(&services.orders),
            payments: Arc::clone(&services.payments),
            workflow: Arc::clone(&services.workflow),
            events: Arc::clone(&services.events),
            gateway: Arc::clone(&services.gateway),
            operations: Arc::clone(&services.operations),
            idempotency: Arc::clone(&services.idempotency),
            clock: Arc::clone(&services.clock),
            settings: SweepSettings::default(),
        }
    }

    /// One run at `now`: the four passes of the [module docs](self), then the report,
    /// logged and (when it holds anything) saved. Failures are reported, never returned:
    /// what failed is found again by the next run.
    pub async fn sweep(&self, now: OffsetDateTime) -> SweepReport {
        let mut report = SweepReport {
            ran_at: now,
            released_reservations: Vec::new(),
            failed_orders: Vec::new(),
            refunded_payments: Vec::new(),
            voided_payments: Vec::new(),
            republished_outcomes: Vec::new(),
            errors: Vec::new(),
        };
        self.release_expired(now, &mut report).await;
        self.fail_orphans(now, &mut report).await;
        self.reconcile(now, &mut report).await;
        self.republish_outcomes(now, &mut report).await;
        self.keep(&report).await;
        report
    }

    async fn keep(&self, report: &SweepReport) {
        let found_anything = !(report.released_reservations.is_empty()
            && report.failed_orders.is_empty()
            && report.refunded_payments.is_empty()
            && report.voided_payments.is_empty()
            && report.republished_outcomes.is_empty()
            && report.errors.is_empty());
        if !found_anything {
            tracing::debug!("sweep found nothing to do");
            return;
        }
        tracing::info!(
            released_reservations = report.released_reservations.len(),
            failed_orders = report.failed_orders.len(),
            refunded_payments = report.refunded_payments.len(),
            voided_payments = report.voided_payments.len(),
            republished_outcomes = report.republished_outcomes.len(),
            errors = report.errors.len(),
            report = %serde_json::to_string(report).unwrap_or_default(),
            "sweep done"
        );
        if let Err(error) = self.operations.save_sweep(report).await {
            tracing::error!(%error, "cannot keep the sweep report");
        }
    }

    /// Pass 1: every pending reservation that has expired goes back on sale.
    async fn release_expired(&self, now: OffsetDateTime, report: &mut SweepReport) {
        let released = match self.inventory.release_expired(now).await {
            Ok(released) => released,
            Err(error) => {
                report
                    .errors
                    .push(format!("cannot release expired reservations: {error}"));
                return;
            }
        };
        for order_id in released {
            tracing::info!(%order_id, "expired reservation released");
            if let Err(problem) = self
                .announce_release(&order_id, None, "reservation expired", now)
                .await
            {
                report.errors.push(problem);
            }
            report.released_reservations.push(order_id);
        }
    }

    /// Pass 2: PENDING orders past their window whose saga is gone.
    async fn fail_orphans(&self, now: OffsetDateTime, report: &mut SweepReport) {
        let mut cursor = None;
        for _ in 0..self.settings.max_pages {
            let page = match self
                .page_of_orders(OrderStatus::Pending, cursor.take())
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    report
                        .errors
                        .push(format!("cannot list pending orders: {error}"));
                    return;
                }
            };
            for order in page.items {
                if !self.past_window(&order, now) {
                    // Oldest first: the orders after this one are younger still.
                    return;
                }
                self.fail_if_orphaned(order, now, report).await;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return,
            }
        }
    }

    fn past_window(&self, order: &Order, now: OffsetDateTime) -> bool {
        order.reservation_expires_at + self.settings.grace <= now
    }

    /// Fails `order` if its saga can no longer settle it.
    async fn fail_if_orphaned(&self, order: Order, now: OffsetDateTime, report: &mut SweepReport) {
        match self.workflow.describe(&order.id.to_string()).await {
            Ok(Some(execution)) if execution.status == RUNNING => {
                order_span(&order.id, order.correlation_id.as_ref()).in_scope(|| {
                    tracing::debug!("pending past its window, but its saga still runs");
                });
            }
            Ok(_) => match self.fail_order(&order.id, now, report).await {
                Ok(()) => {}
                Err(problem) => report.errors.push(problem),
            },
            Err(error) => report.errors.push(format!(
                "cannot look up the saga of order {}: {error}",
                order.id
            )),
        }
    }

    /// FAILED first (the point of no return), then the stock and the payment are given
    /// back and OrderFailed is published. Each step is idempotent, and a run that dies
    /// halfway leaves what is left to later passes: pass 1 releases the reservation once
    /// expired, pass 3 refunds or voids the payment of the FAILED order.
    async fn fail_order(
        &self,
        id: &OrderId,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> Result<(), Problem> {
        let reason = "checkout abandoned: the order was never confirmed and its saga has ended";
        let Some(order) = self.move_to_failed(id, reason, now).await? else {
            return Ok(());
        };
        order_span(&order.id, order.correlation_id.as_ref())
            .in_scope(|| tracing::warn!("orphaned order failed"));
        report.failed_orders.push(order.id);
        let mut problems = Vec::new();
        if let Err(problem) = self.give_back_stock(&order, now).await {
            problems.push(problem);
        }
        if let Err(problem) = self.settle_payment(&order.id, now, report).await {
            problems.push(problem);
        }
        match events::order_failed(&order, reason.to_owned(), now) {
            Ok(event) => {
                if let Err(error) = self.events.publish(vec![event]).await {
                    problems.push(format!(
                        "cannot publish OrderFailed of {}: {error}",
                        order.id
                    ));
                }
            }
            Err(error) => {
                problems.push(format!("cannot build OrderFailed of {}: {error}", order.id))
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Moves the order `id` from PENDING to FAILED; `None` when it is no longer PENDING
    /// (its saga or a cancel got there first) or is gone.
    async fn move_to_failed(
        &self,
        id: &OrderId,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Order>, Problem> {
        let changed = change_order(self.orders.as_ref(), id, &Actor::Sweeper, |order| {
            if order.status != OrderStatus::Pending {
                return Ok(Decision::AlreadyDone);
            }
            move_to(
                order,
                OrderStatus::Failed,
                &Actor::Sweeper,
                Some(reason.to_owned()),
                now,
            )
        })
        .await;
        match changed {
            Ok(changed) => Ok(changed.written.then_some(changed.order)),
            Err(ShopError::NotFound(_)) => Ok(None),
            Err(error) => Err(format!("cannot fail order {id}: {error}")),
        }
    }

    /// Releases the order's pending reservation; puts back the stock of one that was
    /// committed (the payment was captured, but the order never confirmed).
    async fn give_back_stock(&self, order: &Order, now: OffsetDateTime) -> Result<(), Problem> {
        let returned = settlement::return_stock(self.inventory.as_ref(), order, SWEEPER)
            .await
            .map_err(|error| format!("cannot give back the stock of {}: {error}", order.id))?;
        if returned == StockReturned::Released {
            self.announce_release(
                &order.id,
                order.correlation_id.as_ref(),
                "order abandoned",
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Publishes InventoryReleased for a reservation the sweeper released.
    async fn announce_release(
        &self,
        order_id: &OrderId,
        correlation_id: Option<&CorrelationId>,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), Problem> {
        let reservation = self
            .inventory
            .reservation(order_id)
            .await
            .map_err(|error| format!("cannot read the reservation of {order_id}: {error}"))?;
        let Some(reservation) = reservation else {
            return Ok(());
        };
        // A flash sale's hold expires with its sale: what was left of it is back on sale.
        let reason = if reservation.is_hold() {
            "flash sale ended"
        } else {
            reason
        };
        let released = events::inventory_released(
            order_id,
            correlation_id,
            &reservation.lines,
            SWEEPER,
            reason.to_owned(),
            now,
        )
        .map_err(|error| error.to_string())?;
        self.events
            .publish(vec![released])
            .await
            .map_err(|error| format!("cannot publish InventoryReleased of {order_id}: {error}"))
    }

    /// Pass 3: payments that are captured or authorized, checked against their orders.
    async fn reconcile(&self, now: OffsetDateTime, report: &mut SweepReport) {
        for status in [PaymentStatus::Captured, PaymentStatus::Authorized] {
            let mut cursor = None;
            for _ in 0..self.settings.max_pages {
                let page = match self.page_of_payments(status, cursor.take()).await {
                    Ok(page) => page,
                    Err(error) => {
                        report
                            .errors
                            .push(format!("cannot list {status:?} payments: {error}"));
                        break;
                    }
                };
                for payment in page.items {
                    if let Err(problem) = self.reconcile_payment(&payment, now, report).await {
                        report.errors.push(problem);
                    }
                }
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
    }

    async fn reconcile_payment(
        &self,
        payment: &Payment,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> Result<(), Problem> {
        let order = self
            .orders
            .order(&payment.order_id)
            .await
            .map_err(|error| format!("cannot read order {}: {error}", payment.order_id))?
            .ok_or_else(|| format!("payment of order {} has no order", payment.order_id))?;
        let order_id = order.id;
        match order.status {
            OrderStatus::Cancelled | OrderStatus::Failed
                if order.updated_at + self.settings.grace <= now =>
            {
                self.settle_payment(&order_id, now, report).await?;
            }
            OrderStatus::Pending if self.past_window(&order, now) => {
                self.fail_if_orphaned(order, now, report).await;
            }
            _ => {}
        }
        if payment.status == PaymentStatus::Captured {
            self.ask_again_for_stale_refunds(&order_id, now).await?;
        }
        Ok(())
    }

    /// Asks the gateway again for every refund of the order's payment that was recorded
    /// more than the grace period ago and is still not confirmed by its webhook (the call
    /// may have been lost in a crash: a cancel's, a return's or the sweeper's own). The
    /// refund's own idempotency key makes the gateway replay, not repeat, one it made.
    async fn ask_again_for_stale_refunds(
        &self,
        order_id: &OrderId,
        now: OffsetDateTime,
    ) -> Result<(), Problem> {
        let payment = self
            .payments
            .payment(order_id)
            .await
            .map_err(|error| format!("cannot read the payment of {order_id}: {error}"))?
            .ok_or_else(|| format!("the payment of {order_id} vanished"))?;
        let stale = payment.refunds.iter().filter(|refund| {
            refund.status == RefundStatus::Requested
                && refund.requested_at + self.settings.grace <= now
        });
        for refund in stale {
            order_span(order_id, payment.correlation_id.as_ref()).in_scope(|| {
                tracing::warn!(
                    refund_id = %refund.id,
                    "a refund is still unconfirmed; asking the gateway again"
                );
            });
            settlement::send_refund(self.gateway.as_ref(), &payment, &refund.id)
                .await
                .map_err(|error| {
                    format!(
                        "cannot ask again for the refund {} of {order_id}: {error}",
                        refund.id
                    )
                })?;
        }
        Ok(())
    }

    /// Gives back the money of an order that will never be fulfilled: voids an
    /// authorization (under the saga's own key, so a void the saga made already is
    /// replayed, not repeated), refunds what of a capture no refund covers yet as the
    /// refund [`RECONCILE_REFUND`] (recorded on the payment first, so a cancel or a
    /// second sweeper racing this one cannot also claim that money; one recorded before
    /// is left to [`Sweeper::ask_again_for_stale_refunds`]).
    async fn settle_payment(
        &self,
        order_id: &OrderId,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> Result<(), Problem> {
        let payment = self
            .payments
            .payment(order_id)
            .await
            .map_err(|error| format!("cannot read the payment of {order_id}: {error}"))?;
        let Some(payment) = payment else {
            return Ok(());
        };
        let payments = self.payments.as_ref();
        let gateway = self.gateway.as_ref();
        if payment.status.holds_authorization() {
            let voided = settlement::void_authorization(payments, gateway, order_id, now)
                .await
                .map_err(|error| format!("cannot void the payment of {order_id}: {error}"))?;
            return match voided {
                Voided::Voided => {
                    order_span(order_id, payment.correlation_id.as_ref())
                        .in_scope(|| tracing::warn!("payment of an unfulfilled order voided"));
                    report.voided_payments.push(*order_id);
                    Ok(())
                }
                Voided::NothingToVoid => Ok(()),
                Voided::Refused(reason) => Err(format!(
                    "the gateway will not void the payment of {order_id}: {reason}"
                )),
            };
        }
        if payment.status != PaymentStatus::Captured {
            return Ok(());
        }
        let claimed =
            settlement::claim_refund(payments, order_id, RECONCILE_REFUND, Vec::new(), now)
                .await
                .map_err(|error| format!("cannot refund the payment of {order_id}: {error}"))?;
        let Some((payment, true)) = claimed else {
            return Ok(());
        };
        settlement::send_refund(gateway, &payment, RECONCILE_REFUND)
            .await
            .map_err(|error| format!("cannot refund the payment of {order_id}: {error}"))?;
        order_span(order_id, payment.correlation_id.as_ref()).in_scope(|| {
            tracing::warn!(
                amount = payment
                    .refund(RECONCILE_REFUND)
                    .map_or(0, |refund| refund.amount.amount),
                "captured payment of an unfulfilled order refunded"
            );
        });
        report.refunded_payments.push(*order_id);
        Ok(())
    }

    async fn page_of_orders(
        &self,
        status: OrderStatus,
        cursor: Option<String>,
    ) -> Result<Page<Order>, StoreError> {
        let page = PageRequest {
            cursor,
            limit: self.settings.page_size,
        };
        self.orders.orders_with_status(status, &page).await
    }

    async fn page_of_payments(
        &self,
        status: PaymentStatus,
        cursor: Option<String>,
    ) -> Result<Page<Payment>, StoreError> {
        let page = PageRequest {
            cursor,
            limit: self.settings.page_size,
        };
        self.payments.payments_with_status(status, &page).await
    }
}
