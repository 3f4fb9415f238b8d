//! Returns: the shopper asks, an operator approves, the gateway refunds.

use super::Lifecycle;
use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::application::orders::order_span;
use crate::application::orders::{move_to, Decision};
use crate::application::settlement::{self as settle, RETURN_REFUND, RETURN_RESTOCK};
use crate::domain::events;
use crate::domain::ids::OrderId;
use crate::domain::inventory::StockLine;
use crate::domain::money::Money;
use crate::domain::orders::{Order, OrderStatus, ReturnItem};
use crate::domain::payments::RefundLine;

impl Lifecycle<'_> {
    /// DELIVERED → RETURN_REQUESTED: the shopper asks to send `items` back, within the
    /// shop's return window. Asking again for the same return changes nothing.
    pub async fn request_return(
        &self,
        id: &OrderId,
        actor: &Actor,
        items: &[ReturnItem],
        reason: String,
    ) -> Result<Order, ShopError> {
        let window = self.services.checkout.return_window;
        let order = self
            .change(id, actor, |order, now| {
                if order.status == OrderStatus::ReturnRequested {
                    let asked = order.return_request.as_ref().is_some_and(|request| {
                        request.reason == reason
                            && request.lines.len() == items.len()
                            && request.lines.iter().zip(items).all(|(line, item)| {
                                line.sku == item.sku && line.quantity == item.quantity
                            })
                    });
                    if asked {
                        return Ok(Decision::AlreadyDone);
                    }
                }
                order.request_return(items, reason.clone(), window, &actor.name(), now)?;
                Ok(Decision::Write)
            })
            .await?;
        self.publish(vec![events::return_requested(&order)]).await?;
        Ok(order)
    }

    /// RETURN_REQUESTED → RETURNED: an operator received the parcel. Only the returned
    /// lines go back on sale (restocked under `<order>#return`) and only their amounts
    /// are refunded (the refund `return`); the gateway's `refund.succeeded` then makes
    /// the order REFUNDED ([`Lifecycle::refund_succeeded`]). Approving again re-runs the
    /// follow-ups, which finish what an interruption left.
    pub async fn approve_return(&self, id: &OrderId, actor: &Actor) -> Result<Order, ShopError> {
        let order = self
            .change(id, actor, |order, now| match order.status {
                OrderStatus::Returned | OrderStatus::Refunded => Ok(Decision::AlreadyDone),
                _ => move_to(order, OrderStatus::Returned, actor, None, now),
            })
            .await?;
        let request = order.return_request.clone().ok_or_else(|| {
            ShopError::Internal(format!("returned order {id} has no return request"))
        })?;
        let amount = request.refund_amount().ok_or_else(|| {
            ShopError::Internal(format!("the return of order {id} cannot be summed"))
        })?;
        let stock: Vec<_> = request
            .lines
            .iter()
            .map(|line| StockLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect();
        self.services
            .inventory
            .restock(
                &order.id,
                &settle::restock_id(&order.id, RETURN_RESTOCK),
                &stock,
            )
            .await?;
        let lines = request
            .lines
            .iter()
            .map(|line| RefundLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                amount: line.amount,
            })
            .collect();
        let payment = settle::record_refund(
            self.services.payments.as_ref(),
            &order.id,
            RETURN_REFUND,
            lines,
            amount,
            self.now(),
        )
        .await?;
        // Published before the gateway is asked, whose webhook may make the order
        // REFUNDED at once: consumers see RETURNED first.
        self.publish(vec![events::order_returned(&order, amount)])
            .await?;
        settle::send_refund(self.services.gateway.as_ref(), &payment, RETURN_REFUND).await?;
        order_span(&order.id, order.correlation_id.as_ref()).in_scope(|| {
            tracing::info!(refund = amount.amount, "return approved");
        });
        Ok(order)
    }

    /// The gateway refunded `refund_id` of the order's payment. For the refund of a
    /// return, the order becomes REFUNDED and OrderRefunded is published (again, with the
    /// same event id, when a webhook is delivered again); other refunds (a cancellation's)
    /// leave the order as it is.
    pub async fn refund_succeeded(
        &self,
        id: &OrderId,
        refund_id: &str,
        amount: Money,
    ) -> Result<Option<Order>, ShopError> {
        if refund_id != RETURN_REFUND {
            return Ok(None);
        }
        let actor = Actor::Gateway;
        let order = self
            .change(id, &actor, |order, now| match order.status {
                OrderStatus::Refunded => Ok(Decision::AlreadyDone),
                _ => move_to(
                    order,
                    OrderStatus::Refunded,
                    &actor,
                    Some(format!("refund {refund_id} succeeded")),
                    now,
                ),
            })
            .await?;
        self.publish(vec![events::order_refunded(&order, refund_id, amount)])
            .await?;
        Ok(Some(order))
    }
}
