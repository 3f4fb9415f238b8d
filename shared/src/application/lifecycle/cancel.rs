//! Cancelling an order, and giving back what it held.

use super::Lifecycle;
use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::application::orders::move_to;
use crate::application::orders::order_span;
use crate::application::settlement::{
    self as settle, StockReturned, Voided, CANCEL_REFUND, CANCEL_RESTOCK,
};
use crate::domain::events;
use crate::domain::ids::OrderId;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::payments::{PaymentStatus, RefundLine};
use crate::domain::workflow::WorkflowError;

/// The error a cancelled order's waiting checkout saga is failed with.
pub const CANCELLED_ERROR: &str = "OrderCancelled";

impl Lifecycle<'_> {
    /// Cancels a PENDING, CONFIRMED or PROCESSING order, then gives back what it held:
    /// its stock goes back on sale, an authorization is voided, a captured payment is
    /// refunded in full (the refund `cancel`), and a checkout saga still waiting for the
    /// gateway is failed so that it finishes at once. The saga copes with the rest: a
    /// confirmation that finds the order cancelled fails into compensation, whose steps
    /// find everything settled. A cancelled order is cancelled again without a change;
    /// the follow-ups run again.
    pub async fn cancel(
        &self,
        id: &OrderId,
        actor: &Actor,
        reason: Option<String>,
    ) -> Result<Order, ShopError> {
        let reason = reason.unwrap_or_else(|| match actor {
            Actor::Shopper(_) => "cancelled by the shopper".to_owned(),
            _ => "cancelled by an operator".to_owned(),
        });
        let order = self
            .change(id, actor, |order, now| {
                move_to(
                    order,
                    OrderStatus::Cancelled,
                    actor,
                    Some(reason.clone()),
                    now,
                )
            })
            .await?;
        let mut events = Vec::new();
        let stock =
            settle::return_stock(self.services.inventory.as_ref(), &order, CANCEL_RESTOCK).await?;
        if stock == StockReturned::Released {
            events.push(events::inventory_released(
                &order.id,
                order.correlation_id.as_ref(),
                &order.stock_lines(),
                "cancel",
                "order cancelled".to_owned(),
                order
                    .changed_to_at(OrderStatus::Cancelled)
                    .unwrap_or(order.updated_at),
            ));
        }
        events.push(events::order_cancelled(&order));
        // Published before the payment is settled: the order is cancelled whatever the
        // gateway answers, and a retry settles what an outage left.
        self.publish(events).await?;
        self.settle_cancelled_payment(&order).await?;
        order_span(&order.id, order.correlation_id.as_ref()).in_scope(|| {
            tracing::info!(actor = %actor.name(), ?stock, "order cancelled");
        });
        Ok(order)
    }

    async fn settle_cancelled_payment(&self, order: &Order) -> Result<(), ShopError> {
        let payments = self.services.payments.as_ref();
        let gateway = self.services.gateway.as_ref();
        let Some(payment) = payments.payment(&order.id).await? else {
            return Ok(());
        };
        match payment.status {
            PaymentStatus::Authorizing | PaymentStatus::Authorized => {
                // Without the gateway's reference there is nothing to void yet; the
                // saga, failed below, voids once the authorize call has returned.
                if payment.gateway_reference.is_some() {
                    let voided =
                        settle::void_authorization(payments, gateway, &order.id, self.now())
                            .await?;
                    if let Voided::Refused(reason) = voided {
                        order_span(&order.id, order.correlation_id.as_ref()).in_scope(|| {
                            tracing::info!(%reason, "the saga captured first; its compensation refunds");
                        });
                    }
                }
                if let Some(token) = &payment.task_token {
                    let reason = order
                        .reason_for(OrderStatus::Cancelled)
                        .unwrap_or("the order was cancelled");
                    match self
                        .services
                        .workflow
                        .send_task_failure(token, CANCELLED_ERROR, reason)
                        .await
                    {
                        Ok(()) | Err(WorkflowError::TaskClosed | WorkflowError::InvalidToken) => {}
                        Err(error) => return Err(error.into()),
                    }
                }
            }
            PaymentStatus::Captured => {
                let lines = order
                    .lines
                    .iter()
                    .map(|line| RefundLine {
                        sku: line.sku.clone(),
                        quantity: line.quantity,
                        amount: line.line_total,
                    })
                    .collect();
                settle::refund_in_full(
                    payments,
                    gateway,
                    &order.id,
                    CANCEL_REFUND,
                    lines,
                    self.now(),
                )
                .await?;
            }
            PaymentStatus::Declined | PaymentStatus::Voided | PaymentStatus::Refunded => {
                // A replay finishes a refund a crash interrupted.
                settle::send_refund(gateway, &payment, CANCEL_REFUND).await?;
            }
        }
        Ok(())
    }
}
