//! Saga steps hand their events back to the state machine, whose `events:putEvents`
//! tasks put them on the bus: this is the shape of one entry.

use serde_json::{json, Value};

use crate::domain::events::DomainEvent;

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
