//! Every event of an order's life, from checkout to refund, built here and nowhere else,
//! from the order itself: the id from the order and the event type, the time and reason
//! from the order's history. So whoever publishes one — the step that made the change, a
//! retry of it, the saga finishing a cancellation, the sweeper — publishes the very same
//! event, and consumers drop the copies by its `eventId`.

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::correlation::CorrelationId;
use crate::domain::events::{payloads, DomainEvent, EventType};
use crate::domain::ids::OrderId;
use crate::domain::inventory::StockLine;
use crate::domain::money::Money;
use crate::domain::orders::{Order, OrderStatus, ReturnLine};
use crate::domain::payments::Payment;

const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_6576_656e_7473);

/// The id of the `event_type` event about `order`, the same on every retry. `discriminator`
/// separates events of one type that may happen more than once to an order.
pub fn event_id(order: &OrderId, event_type: EventType, discriminator: &str) -> Uuid {
    let name = format!("{order}:{}:{discriminator}", event_type.detail_type());
    Uuid::new_v5(&EVENT_NAMESPACE, name.as_bytes())
}

type Built = Result<DomainEvent, serde_json::Error>;

/// When the order last became `status` (its last update, should the history lack it).
fn changed_at(order: &Order, status: OrderStatus) -> OffsetDateTime {
    order.changed_to_at(status).unwrap_or(order.updated_at)
}

fn order_event(
    order: &Order,
    event_type: EventType,
    discriminator: &str,
    status: OrderStatus,
    payload: impl Serialize,
) -> Built {
    DomainEvent::new(
        event_type,
        event_id(&order.id, event_type, discriminator),
        order.id,
        changed_at(order, status),
        payload,
    )
    .map(|event| event.correlated(order.correlation_id.as_ref()))
}

fn event_lines(lines: &[ReturnLine]) -> Vec<payloads::ReturnLine> {
    lines
        .iter()
        .map(|line| payloads::ReturnLine {
            sku: line.sku.clone(),
            quantity: line.quantity,
            amount: line.amount,
        })
        .collect()
}

fn returned_lines(order: &Order) -> Vec<payloads::ReturnLine> {
    order
        .return_request
        .as_ref()
        .map(|request| event_lines(&request.lines))
        .unwrap_or_default()
}

fn quantities(lines: &[StockLine]) -> Vec<payloads::StockQuantity> {
    lines
        .iter()
        .map(|line| payloads::StockQuantity {
            sku: line.sku.clone(),
            quantity: line.quantity,
        })
        .collect()
}

/// `OrderPlaced`: the order's lines and total, as checkout priced them.
pub fn order_placed(order: &Order) -> Built {
    order_event(
        order,
        EventType::OrderPlaced,
        "",
        OrderStatus::Pending,
        payloads::OrderPlaced {
            user_id: order.user_id.clone(),
            total: order.totals.total,
            lines: order
                .lines
                .iter()
                .map(|line| payloads::EventLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                })
                .collect(),
            reservation_expires_at: order.reservation_expires_at,
        },
    )
}

/// `InventoryReserved`: the order's stock held until its reservation expires.
pub fn inventory_reserved(order: &Order) -> Built {
    order_event(
        order,
        EventType::InventoryReserved,
        "",
        OrderStatus::Pending,
        payloads::InventoryReserved {
            lines: quantities(&order.stock_lines()),
            expires_at: order.reservation_expires_at,
        },
    )
}

/// `OrderConfirmed`: paid for, its stock sold.
pub fn order_confirmed(order: &Order) -> Built {
    order_event(
        order,
        EventType::OrderConfirmed,
        "",
        OrderStatus::Confirmed,
        payloads::OrderConfirmed {
            user_id: order.user_id.clone(),
            total: order.totals.total,
            placed_at: order.created_at,
        },
    )
}

/// `PaymentAuthorized` or `PaymentFailed`, for the gateway's event `gateway_event_id`
/// that left `payment` authorized or declined; `None` for any other status.
pub fn payment_answered(
    payment: &Payment,
    gateway_event_id: &str,
    at: OffsetDateTime,
) -> Option<Built> {
    use crate::domain::payments::PaymentStatus;
    let order = payment.order_id;
    let (event_type, payload) = match payment.status {
        PaymentStatus::Authorized => (
            EventType::PaymentAuthorized,
            serde_json::to_value(payloads::PaymentAuthorized {
                amount: payment.amount,
                gateway_reference: payment.gateway_reference.clone().unwrap_or_default(),
            }),
        ),
        PaymentStatus::Declined => (
            EventType::PaymentFailed,
            serde_json::to_value(payloads::PaymentFailed {
                amount: payment.amount,
                reason: payment
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| "declined".into()),
            }),
        ),
        _ => return None,
    };
    Some(payload.and_then(|payload| {
        DomainEvent::new(
            event_type,
            event_id(&order, event_type, gateway_event_id),
            order,
            at,
            payload,
        )
        .map(|event| event.correlated(payment.correlation_id.as_ref()))
    }))
}

/// `OrderCancelled`, with the reason recorded when the order was cancelled.
pub fn order_cancelled(order: &Order) -> Built {
    let reason = order
        .reason_for(OrderStatus::Cancelled)
        .unwrap_or("cancelled")
        .to_owned();
    order_event(
        order,
        EventType::OrderCancelled,
        "",
        OrderStatus::Cancelled,
        payloads::OrderCancelled {
            user_id: order.user_id.clone(),
            reason,
        },
    )
}

/// `OrderProcessing`.
pub fn order_processing(order: &Order) -> Built {
    order_event(
        order,
        EventType::OrderProcessing,
        "",
        OrderStatus::Processing,
        payloads::OrderProcessing {
            user_id: order.user_id.clone(),
        },
    )
}

/// `OrderShipped`, with the carrier and tracking number of the order's shipment.
pub fn order_shipped(order: &Order) -> Built {
    let (carrier, tracking_number, ship_to) = order
        .shipment
        .as_ref()
        .map(|shipment| {
            (
                shipment.carrier.clone(),
                shipment.tracking_number.clone(),
                shipment.ship_to.clone(),
            )
        })
        .unwrap_or_default();
    order_event(
        order,
        EventType::OrderShipped,
        "",
        OrderStatus::Shipped,
        payloads::OrderShipped {
            user_id: order.user_id.clone(),
            carrier,
            tracking_number,
            ship_to,
        },
    )
}

/// `OrderDelivered`.
pub fn order_delivered(order: &Order) -> Built {
    order_event(
        order,
        EventType::OrderDelivered,
        "",
        OrderStatus::Delivered,
        payloads::OrderDelivered {
            user_id: order.user_id.clone(),
        },
    )
}

/// `ReturnRequested`, with the order's return request.
pub fn return_requested(order: &Order) -> Built {
    let reason = order
        .return_request
        .as_ref()
        .map(|request| request.reason.clone())
        .unwrap_or_default();
    order_event(
        order,
        EventType::ReturnRequested,
        "",
        OrderStatus::ReturnRequested,
        payloads::ReturnRequested {
            user_id: order.user_id.clone(),
            reason,
            lines: returned_lines(order),
        },
    )
}

/// `OrderReturned`: the returned lines, and the refund asked for them.
pub fn order_returned(order: &Order, refund_amount: Money) -> Built {
    order_event(
        order,
        EventType::OrderReturned,
        "",
        OrderStatus::Returned,
        payloads::OrderReturned {
            user_id: order.user_id.clone(),
            lines: returned_lines(order),
            refund_amount,
        },
    )
}

/// `OrderRefunded`: the refund `refund_id` of `amount` went through.
pub fn order_refunded(
    order: &Order,
    refund_id: &str,
    amount: crate::domain::money::Money,
) -> Built {
    order_event(
        order,
        EventType::OrderRefunded,
        refund_id,
        OrderStatus::Refunded,
        payloads::OrderRefunded {
            user_id: order.user_id.clone(),
            refund_id: refund_id.to_owned(),
            amount,
            lines: returned_lines(order),
        },
    )
}

/// `InventoryReleased` for the `lines` of `order` that went back on sale, released by
/// `discriminator` (`cancel`, `checkout`, `sweeper`) at `at`; correlated as the order is,
/// when known.
pub fn inventory_released(
    order: &OrderId,
    correlation_id: Option<&CorrelationId>,
    lines: &[StockLine],
    discriminator: &str,
    reason: String,
    at: OffsetDateTime,
) -> Built {
    DomainEvent::new(
        EventType::InventoryReleased,
        event_id(order, EventType::InventoryReleased, discriminator),
        *order,
        at,
        payloads::InventoryReleased {
            lines: quantities(lines),
            reason,
        },
    )
    .map(|event| event.correlated(correlation_id))
}

/// The OrderFailed event of `order` (its `out_of_stock` SKUs named), whichever step failed
/// it: the checkout API when stock is short at once, or the saga.
pub fn order_failed(order: &Order, reason: String, now: OffsetDateTime) -> Built {
    DomainEvent::new(
        EventType::OrderFailed,
        event_id(&order.id, EventType::OrderFailed, ""),
        order.id,
        now,
        payloads::OrderFailed {
            user_id: order.user_id.clone(),
            reason,
            out_of_stock_skus: order.out_of_stock.clone(),
        },
    )
    .map(|event| event.correlated(order.correlation_id.as_ref()))
}

/// The payload both coupon events carry; `None` for an order placed without a coupon.
fn coupon_use(order: &Order) -> Option<payloads::CouponUse> {
    let currency = order.totals.subtotal.currency;
    Some(payloads::CouponUse {
        user_id: order.user_id.clone(),
        coupon_code: order.coupon_code.clone()?,
        discount: order.totals.discount.unwrap_or(Money::zero(currency)),
    })
}

fn no_coupon(order: &Order) -> serde_json::Error {
    serde::ser::Error::custom(format!("order {} was placed without a coupon", order.id))
}

/// `CouponRedeemed`: the order was placed with its coupon, counted against its limits.
pub fn coupon_redeemed(order: &Order) -> Built {
    let payload = coupon_use(order).ok_or_else(|| no_coupon(order))?;
    order_event(
        order,
        EventType::CouponRedeemed,
        "",
        OrderStatus::Pending,
        payload,
    )
}

/// `CouponReleased`: the order failed or was cancelled, and gave its use of the coupon
/// back; at the order's last change.
pub fn coupon_released(order: &Order) -> Built {
    let payload = coupon_use(order).ok_or_else(|| no_coupon(order))?;
    DomainEvent::new(
        EventType::CouponReleased,
        event_id(&order.id, EventType::CouponReleased, ""),
        order.id,
        order.updated_at,
        payload,
    )
    .map(|event| event.correlated(order.correlation_id.as_ref()))
}
