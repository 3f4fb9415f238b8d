//! Giving back what an order held — its stock and its money — exactly once, however many
//! callers race: the shopper's cancel and its retries, the checkout saga's compensation
//! steps, an operator approving a return, the sweeper. There is one void, one refund and
//! one restock, here, and every one of them calls these.
//!
//! - **Stock.** A pending reservation is released; the store guards the release by the
//!   reservation's own status, so a release and the saga's commit never both happen. Stock
//!   that was sold (a committed reservation, a returned parcel) is restocked under a
//!   marker (`<order>#cancel`, `<order>#return`) written in the same transaction, so a
//!   second restock under the same marker changes nothing.
//! - **Authorizations** are voided at the gateway first and recorded after: a void
//!   recorded before the gateway agreed could hide a capture that won the race at the
//!   gateway, which the saga then must refund.
//! - **Refunds** are recorded first, by a write conditional on the payment's version, so
//!   of racing callers exactly one adds the refund; then the gateway is asked under the
//!   refund's own idempotency key ([`Payment::refund_key`]). Every caller asks with the
//!   same key, and asking again (a retry, a replay) is how a refund interrupted by a
//!   crash is finished: the gateway refunds once.

use time::OffsetDateTime;

use super::error::ShopError;
use crate::domain::ids::OrderId;
use crate::domain::inventory::{InventoryStore, ReservationStatus, SettleOutcome};
use crate::domain::money::Money;
use crate::domain::orders::Order;
use crate::domain::payments::{
    GatewayError, Payment, PaymentGateway, PaymentStatus, PaymentStore, Refund, RefundLine,
    RefundStatus,
};
use crate::domain::store::retry_on_conflict;

/// The refund of a cancelled order's captured payment, whoever cancelled it.
pub const CANCEL_REFUND: &str = "cancel";
/// The refund of the lines of an approved return.
pub const RETURN_REFUND: &str = "return";
/// The restock marker of a cancelled order's sold stock.
pub const CANCEL_RESTOCK: &str = "cancel";
/// The restock marker of a returned order's sent-back lines.
pub const RETURN_RESTOCK: &str = "return";

/// What became of a cancelled order's reserved or sold stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockReturned {
    /// The pending reservation was released just now.
    Released,
    /// The stock had been sold (the reservation committed); it is on hand again.
    Restocked,
    /// Nothing was held, or an earlier call gave it back.
    Nothing,
}

/// What a void did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Voided {
    /// The authorization is void, at the gateway and here.
    Voided,
    /// The payment was not waiting for or holding an authorization.
    NothingToVoid,
    /// The gateway refused: the payment moved on there (a capture won the race).
    Refused(String),
}

/// The restock marker of `purpose` (`cancel`, `return`) for `order`.
pub fn restock_id(order: &OrderId, purpose: &str) -> String {
    format!("{order}#{purpose}")
}

/// Puts the stock of an order that will not be fulfilled back on sale: releases its
/// pending reservation, or restocks what a committed one sold under the marker
/// `<order>#<purpose>` ([`CANCEL_RESTOCK`] for a cancelled order).
pub async fn return_stock(
    inventory: &dyn InventoryStore,
    order: &Order,
    purpose: &str,
) -> Result<StockReturned, ShopError> {
    let Some(reservation) = inventory.reservation(&order.id).await? else {
        return Ok(StockReturned::Nothing);
    };
    let committed = match reservation.status {
        ReservationStatus::Released => false,
        ReservationStatus::Committed => true,
        ReservationStatus::Pending => match inventory.release(&order.id).await? {
            SettleOutcome::Applied => return Ok(StockReturned::Released),
            // The saga committed it between the read and the release.
            SettleOutcome::AlreadySettled(ReservationStatus::Committed) => true,
            SettleOutcome::AlreadySettled(_) | SettleOutcome::NotFound => false,
        },
    };
    if !committed {
        return Ok(StockReturned::Nothing);
    }
    let restocked = inventory
        .restock(
            &order.id,
            &restock_id(&order.id, purpose),
            &order.stock_lines(),
        )
        .await?;
    Ok(match restocked {
        SettleOutcome::Applied => StockReturned::Restocked,
        _ => StockReturned::Nothing,
    })
}

/// Reads the payment of `order`, lets `change` change it and writes it conditionally on
/// the version read, again on a fresh read when another writer got there first;
/// `change` returns `None` when there is nothing to write. Returns the payment as it
/// stands afterwards and whether this call wrote it; `None` when there is no payment.
pub async fn change_payment<F>(
    payments: &dyn PaymentStore,
    order: &OrderId,
    change: F,
) -> Result<Option<(Payment, bool)>, ShopError>
where
    F: Fn(&Payment) -> Result<Option<Payment>, ShopError>,
{
    retry_on_conflict(|| async {
        let Some(payment) = payments.payment(order).await? else {
            return Ok(None);
        };
        let Some(changed) = change(&payment)? else {
            return Ok(Some((payment, false)));
        };
        payments.save(&changed).await?;
        Ok(Some((changed, true)))
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost(&format!("the payment of order {order}")))
}

/// Voids an authorization that was asked for or granted: at the gateway when it has
/// answered (under the payment's `void` key, which the saga uses too), then here.
pub async fn void_authorization(
    payments: &dyn PaymentStore,
    gateway: &dyn PaymentGateway,
    order: &OrderId,
    now: OffsetDateTime,
) -> Result<Voided, ShopError> {
    let Some(payment) = payments.payment(order).await? else {
        return Ok(Voided::NothingToVoid);
    };
    if !payment.status.holds_authorization() {
        return Ok(Voided::NothingToVoid);
    }
    if let Some(reference) = &payment.gateway_reference {
        match gateway
            .void(reference, &payment.idempotency_key("void"))
            .await
        {
            Ok(()) => {}
            Err(GatewayError::InvalidState(reason)) => return Ok(Voided::Refused(reason)),
            Err(error) => return Err(error.into()),
        }
    }
    change_payment(payments, order, |payment| {
        if !payment.status.holds_authorization() {
            return Ok(None);
        }
        Ok(Some(payment.transition(PaymentStatus::Voided, now)?))
    })
    .await?;
    Ok(Voided::Voided)
}

/// Refunds whatever of the captured payment of `order` no refund covers yet, as the
/// refund `refund_id` for `lines`: recorded ([`claim_refund`]), then asked of the
/// gateway ([`send_refund`]). A refund of that id recorded before (by this caller or a
/// racing one) is asked again instead, which the gateway answers as the first time.
/// Returns the payment afterwards, if there is one.
pub async fn refund_in_full(
    payments: &dyn PaymentStore,
    gateway: &dyn PaymentGateway,
    order: &OrderId,
    refund_id: &str,
    lines: Vec<RefundLine>,
    now: OffsetDateTime,
) -> Result<Option<Payment>, ShopError> {
    let Some((payment, _)) = claim_refund(payments, order, refund_id, lines, now).await? else {
        return Ok(None);
    };
    send_refund(gateway, &payment, refund_id).await?;
    Ok(Some(payment))
}

/// Records on the payment of `order` the refund `refund_id` of whatever of the captured
/// amount no refund covers yet, unless a refund of that id is recorded already or
/// nothing is left to refund. One conditional write: of racing callers exactly one
/// claims that money. Returns the payment afterwards and whether this call recorded the
/// refund; `None` when there is no payment.
pub async fn claim_refund(
    payments: &dyn PaymentStore,
    order: &OrderId,
    refund_id: &str,
    lines: Vec<RefundLine>,
    now: OffsetDateTime,
) -> Result<Option<(Payment, bool)>, ShopError> {
    change_payment(payments, order, |payment| {
        if payment.refund(refund_id).is_some() {
            return Ok(None);
        }
        let outstanding = payment.refundable();
        Ok((outstanding.amount > 0).then(|| {
            payment.with_refund(
                Refund::requested(refund_id, lines.clone(), outstanding, now),
                now,
            )
        }))
    })
    .await
}

/// Records the refund `refund_id` of `amount` for `lines` on the captured payment of
/// `order`, once: a payment that has it already is returned as it is. Ask the gateway
/// with [`send_refund`] afterwards.
pub async fn record_refund(
    payments: &dyn PaymentStore,
    order: &OrderId,
    refund_id: &str,
    lines: Vec<RefundLine>,
    amount: Money,
    now: OffsetDateTime,
) -> Result<Payment, ShopError> {
    let recorded = change_payment(payments, order, |payment| {
        if payment.refund(refund_id).is_some() || payment.status != PaymentStatus::Captured {
            return Ok(None);
        }
        Ok(Some(payment.with_refund(
            Refund::requested(refund_id, lines.clone(), amount, now),
            now,
        )))
    })
    .await?;
    match recorded {
        Some((payment, _)) if payment.refund(refund_id).is_some() => Ok(payment),
        Some((payment, _)) => Err(ShopError::Internal(format!(
            "the payment of order {order} is {:?}: nothing captured to refund",
            payment.status
        ))),
        None => Err(ShopError::Internal(format!(
            "order {order} has no payment to refund"
        ))),
    }
}

/// Asks the gateway for the refund `refund_id` of `payment` while it has not succeeded,
/// always under the refund's own key.
pub async fn send_refund(
    gateway: &dyn PaymentGateway,
    payment: &Payment,
    refund_id: &str,
) -> Result<(), ShopError> {
    let Some(refund) = payment.refund(refund_id) else {
        return Ok(());
    };
    if refund.status == RefundStatus::Succeeded {
        return Ok(());
    }
    let reference = payment.gateway_reference.as_deref().ok_or_else(|| {
        ShopError::Internal(format!(
            "the captured payment of order {} has no gateway reference",
            payment.order_id
        ))
    })?;
    gateway
        .refund(reference, refund.amount, &payment.refund_key(refund_id))
        .await?;
    Ok(())
}
