//! The `notify-shopper` consumer: tells a shopper what happened to their order, and the
//! operators when stock runs low or a flash sale sells out. It keeps a [`Notification`]
//! in the outbox, then mails it (see [`mail_once`]).
//!
//! Redeliveries need no ledger of their own: the outbox keeps one notification per event
//! id and kind, refuses the second, and holds what became of the first.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use super::mail_notification::mail_once;
use crate::application::Services;
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer, EventType};
use crate::domain::money::Money;
use crate::domain::operations::{Notification, OPERATORS};

/// The consumer's name: the target of its rule in `events/rules/` and its function.
pub const NOTIFY_SHOPPER: &str = "notify-shopper";

/// Writes and mails one notification per event it is given, for the shopper whose order
/// it is about (or the operators, for StockLow and FlashSaleSoldOut). It uses the outbox,
/// the orders (their contact addresses), the mailer and the operators' address of its
/// services.
pub struct NotifyShopper {
    pub services: Services,
}

#[async_trait]
impl EventConsumer for NotifyShopper {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        let services = &self.services;
        let Some(notification) = notification_for(event, services.clock.now())? else {
            return Ok(());
        };
        let recorded = services
            .notifications
            .record(&notification)
            .await
            .map_err(ConsumeError::of)?;
        let kept = if recorded {
            tracing::info!(
                kind = %notification.kind,
                event_id = %notification.event_id,
                recipient = %notification.recipient,
                "notification written"
            );
            notification
        } else {
            // Written by an earlier delivery, which may have mailed it already.
            services
                .notifications
                .kept(&notification)
                .await
                .map_err(ConsumeError::of)?
                .ok_or_else(|| {
                    ConsumeError(format!(
                        "notification {} of {} is not kept",
                        notification.kind, notification.event_id
                    ))
                })?
        };
        mail_once(services, kept).await
    }
}

/// The notification `event` calls for, written at `now`; `None` for events nobody is
/// told about. An event without what its notification needs (its id, the shopper) is an
/// error: it cannot be handled, however often it is delivered.
pub fn notification_for(
    event: &DomainEvent,
    now: OffsetDateTime,
) -> Result<Option<Notification>, ConsumeError> {
    let detail = &event.detail;
    let order = event
        .order_id()
        .map_or_else(|| "your order".to_owned(), |id| format!("order {id}"));
    let (recipient, subject, body) = match event.event_type {
        EventType::OrderConfirmed => (
            shopper(detail)?,
            "Your order is confirmed".to_owned(),
            format!(
                "Thank you! We have your payment of {} for {order}; we will tell you when it ships.",
                money(detail, "total")
            ),
        ),
        EventType::OrderShipped => (
            shopper(detail)?,
            "Your order is on its way".to_owned(),
            format!(
                "{order} left our warehouse with {}, tracking number {}.",
                text(detail, "carrier"),
                text(detail, "trackingNumber")
            ),
        ),
        EventType::OrderDelivered => (
            shopper(detail)?,
            "Your order was delivered".to_owned(),
            format!("The carrier delivered {order}. Enjoy!"),
        ),
        EventType::OrderCancelled => (
            shopper(detail)?,
            "Your order was cancelled".to_owned(),
            format!(
                "{order} was cancelled ({}). Anything you paid for it is given back.",
                text(detail, "reason")
            ),
        ),
        EventType::ReturnRequested => (
            shopper(detail)?,
            "We have your return request".to_owned(),
            format!(
                "You asked to send back {} item(s) of {order}. We refund them once they are back with us.",
                returned_units(detail)
            ),
        ),
        EventType::OrderRefunded => (
            shopper(detail)?,
            "Your refund is on its way".to_owned(),
            format!(
                "We refunded {} for {order}.",
                money(detail, "amount")
            ),
        ),
        EventType::StockLow => (
            OPERATORS.to_owned(),
            format!("Low stock: {}", text(detail, "sku")),
            format!(
                "{} has {} unit(s) left to sell, below its threshold of {}.",
                text(detail, "sku"),
                detail.get("available").unwrap_or(&Value::Null),
                detail.get("threshold").unwrap_or(&Value::Null)
            ),
        ),
        EventType::FlashSaleSoldOut => (
            OPERATORS.to_owned(),
            format!("Flash sale sold out: {}", text(detail, "sku")),
            format!(
                "Every one of the {} unit(s) of flash sale {} ({}) is promised to a buyer; \
                 buyers still waiting are told it is sold out. Units of purchase tokens that \
                 run out unused go to the next in line.",
                detail.get("units").unwrap_or(&Value::Null),
                text(detail, "saleId"),
                text(detail, "sku")
            ),
        ),
        _ => return Ok(None),
    };
    let event_id = event
        .event_id()
        .ok_or_else(|| ConsumeError("the event has no eventId".into()))?;
    Ok(Some(Notification {
        event_id: event_id.to_string(),
        kind: event.event_type.detail_type().to_owned(),
        recipient,
        order_id: event.order_id(),
        subject,
        body,
        created_at: now,
        delivery: None,
    }))
}

fn shopper(detail: &Value) -> Result<String, ConsumeError> {
    detail
        .get("userId")
        .and_then(Value::as_str)
        .filter(|user| !user.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ConsumeError("the event names no userId to notify".into()))
}

fn text<'a>(detail: &'a Value, field: &str) -> &'a str {
    detail.get(field).and_then(Value::as_str).unwrap_or("?")
}

fn returned_units(detail: &Value) -> u64 {
    detail
        .get("lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| line.get("quantity").and_then(Value::as_u64))
        .sum()
}

/// `{"amount": 2999, "currency": "USD"}` as `29.99 USD`.
fn money(detail: &Value, field: &str) -> String {
    let Some(money) = detail
        .get(field)
        .and_then(|raw| serde_json::from_value::<Money>(raw.clone()).ok())
    else {
        return "?".to_owned();
    };
    let code = money.currency.as_str();
    let digits: u32 = match code {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    };
    if digits == 0 {
        return format!("{} {code}", money.amount);
    }
    let scale = 10_i64.pow(digits);
    let sign = if money.amount < 0 { "-" } else { "" };
    let units = money.amount.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!(
        "{sign}{}.{:0width$} {code}",
        units / scale,
        units % scale,
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::domain::ids::OrderId;

    fn event(event_type: EventType, payload: Value) -> DomainEvent {
        DomainEvent::new(
            event_type,
            Uuid::from_u128(7),
            OrderId::from_uuid(Uuid::from_u128(0xfeed)),
            datetime!(2026-03-01 12:00:00 UTC),
            payload,
        )
        .unwrap()
    }

    #[test]
    fn shoppers_hear_about_their_orders() {
        let confirmed = event(
            EventType::OrderConfirmed,
            json!({"userId": "alice", "total": {"amount": 2999, "currency": "USD"}}),
        );
        let notification = notification_for(&confirmed, datetime!(2026-03-01 12:01:00 UTC))
            .unwrap()
            .unwrap();
        assert_eq!(notification.recipient, "alice");
        assert_eq!(notification.kind, "OrderConfirmed");
        assert_eq!(notification.event_id, Uuid::from_u128(7).to_string());
        assert!(
            notification.body.contains("29.99 USD"),
            "{}",
            notification.body
        );

        let shipped = event(
            EventType::OrderShipped,
            json!({"userId": "alice", "carrier": "UPS", "trackingNumber": "1Z999"}),
        );
        let notification = notification_for(&shipped, datetime!(2026-03-01 12:01:00 UTC))
            .unwrap()
            .unwrap();
        assert!(notification.body.contains("UPS") && notification.body.contains("1Z999"));
    }

    #[test]
    fn other_events_notify_nobody_and_a_missing_shopper_is_an_error() {
        let placed = event(EventType::OrderPlaced, json!({"userId": "alice"}));
        assert_eq!(
            notification_for(&placed, OffsetDateTime::UNIX_EPOCH),
            Ok(None)
        );
        let nameless = event(EventType::OrderDelivered, json!({}));
        assert!(notification_for(&nameless, OffsetDateTime::UNIX_EPOCH).is_err());
    }

    #[test]
    fn money_reads_in_major_units() {
        let at = |amount: i64, currency: &str| {
            money(&json!({"m": {"amount": amount, "currency": currency}}), "m")
        };
        assert_eq!(at(2999, "USD"), "29.99 USD");
        assert_eq!(at(5, "EUR"), "0.05 EUR");
        assert_eq!(at(1500, "JPY"), "1500 JPY");
        assert_eq!(at(-1250, "KWD"), "-1.250 KWD");
        assert_eq!(money(&json!({}), "m"), "?");
    }
}
