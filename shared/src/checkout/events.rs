//! Building the events checkout publishes. Event ids are derived from the order and the
//! event type, so a retried step publishes the very same event and consumers drop the
//! duplicate.

use serde_json::{json, Value};
use uuid::Uuid;

use time::OffsetDateTime;

use crate::events::{payloads, DomainEvent, EventType};
use crate::ids::OrderId;
use crate::orders::Order;

const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_6576_656e_7473);

/// The id of the `event_type` event about `order`, the same on every retry. `discriminator`
/// separates events of one type that may happen more than once to an order.
pub fn event_id(order: &OrderId, event_type: EventType, discriminator: &str) -> Uuid {
    let name = format!("{order}:{}:{discriminator}", event_type.detail_type());
    Uuid::new_v5(&EVENT_NAMESPACE, name.as_bytes())
}

/// `event` as an entry of EventBridge's PutEvents (what the state machine's
/// `events:putEvents` tasks send).
pub fn put_events_entry(event: &DomainEvent, bus_name: &str) -> Value {
    json!({
        "Source": event.event_type.source(),
        "DetailType": event.event_type.detail_type(),
        "Detail": event.detail.to_string(),
        "EventBusName": bus_name,
    })
}

/// The OrderFailed event of `order` (its `out_of_stock` SKUs named), whichever step failed
/// it: the checkout API when stock is short at once, or the saga.
pub fn order_failed(
    order: &Order,
    reason: String,
    now: OffsetDateTime,
) -> Result<DomainEvent, serde_json::Error> {
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
}
