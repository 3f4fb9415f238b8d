//! One event: its type and its `detail`, built from a typed payload, and the EventBridge
//! envelope it travels in.

use serde::de::DeserializeOwned;
use serde::ser::Error as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::EventType;
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::OrderId;

/// The `version` every detail carries; raised only for a change consumers must notice.
pub const DETAIL_VERSION: u64 = 1;

/// The fields every detail carries beside its payload's.
const ENVELOPE_FIELDS: [&str; 5] = [
    "eventId",
    "orderId",
    "occurredAt",
    "version",
    "correlationId",
];

/// Something that happened, as published: what kind, and its `detail`.
///
/// [`DomainEvent::new`] and [`DomainEvent::from_envelope`] only make events whose detail
/// has a valid `eventId` and `orderId`; only events about no order
/// ([`EventType::is_about_an_order`]) go without the `orderId`.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainEvent {
    /// What happened; decides `source` and `detail-type`.
    pub event_type: EventType,
    /// The EventBridge `detail`: `eventId`, `orderId`, `occurredAt`, `version` and the
    /// payload's fields, in camelCase.
    pub detail: Value,
}

/// Why a message could not be read as one of Mambogo's events.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The envelope lacks `source`, `detail-type` or `detail`, or has one of the wrong kind.
    #[error("the envelope has no {0} of the right kind")]
    MissingField(&'static str),
    /// The `detail-type` is none of [`EventType`]'s.
    #[error("unknown detail-type {0:?}")]
    UnknownDetailType(String),
    /// The `source` is not the one that publishes this `detail-type`.
    #[error("{detail_type} events come from {expected}, not {found}")]
    WrongSource {
        /// The envelope's `detail-type`.
        detail_type: EventType,
        /// The source that publishes it.
        expected: &'static str,
        /// The envelope's `source`.
        found: String,
    },
    /// The detail's `eventId` or `orderId` is missing or not a UUID.
    #[error("the detail has no valid {0}")]
    InvalidDetail(&'static str),
}

impl DomainEvent {
    /// An event of `event_type` whose detail is the envelope fields merged with the
    /// fields of `payload`, which must serialize to a JSON object that does not reuse an
    /// envelope field name. `occurredAt` is written in RFC 3339, in UTC.
    pub fn new(
        event_type: EventType,
        event_id: Uuid,
        order_id: OrderId,
        occurred_at: OffsetDateTime,
        payload: impl Serialize,
    ) -> Result<DomainEvent, serde_json::Error> {
        Self::build(event_type, event_id, Some(order_id), occurred_at, payload)
    }

    /// An event about no order (a [`StockLow`](EventType::StockLow) alert): as
    /// [`DomainEvent::new`], but the detail has no `orderId`. Refused for a type whose
    /// events are about an order.
    pub fn without_order(
        event_type: EventType,
        event_id: Uuid,
        occurred_at: OffsetDateTime,
        payload: impl Serialize,
    ) -> Result<DomainEvent, serde_json::Error> {
        if event_type.is_about_an_order() {
            return Err(serde_json::Error::custom(format!(
                "{event_type} events are about an order and need its orderId"
            )));
        }
        Self::build(event_type, event_id, None, occurred_at, payload)
    }

    fn build(
        event_type: EventType,
        event_id: Uuid,
        order_id: Option<OrderId>,
        occurred_at: OffsetDateTime,
        payload: impl Serialize,
    ) -> Result<DomainEvent, serde_json::Error> {
        let Value::Object(payload_fields) = serde_json::to_value(payload)? else {
            return Err(serde_json::Error::custom(
                "an event payload must serialize to a JSON object",
            ));
        };
        let occurred_at = occurred_at
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .map_err(serde_json::Error::custom)?;
        let mut detail = Map::new();
        detail.insert("eventId".into(), json!(event_id.hyphenated().to_string()));
        if let Some(order_id) = order_id {
            detail.insert("orderId".into(), json!(order_id.to_string()));
        }
        detail.insert("occurredAt".into(), json!(occurred_at));
        detail.insert("version".into(), json!(DETAIL_VERSION));
        for (name, value) in payload_fields {
            if ENVELOPE_FIELDS.contains(&name.as_str()) {
                return Err(serde_json::Error::custom(format!(
                    "the payload field {name:?} would overwrite the detail's own"
                )));
            }
            detail.insert(name, value);
        }
        Ok(DomainEvent {
            event_type,
            detail: Value::Object(detail),
        })
    }

    /// The detail's `eventId`; unique per event, so consumers can drop redeliveries.
    pub fn event_id(&self) -> Option<Uuid> {
        let raw = self.detail.get("eventId")?.as_str()?;
        Uuid::try_parse(raw).ok()
    }

    /// This event carrying `correlation_id` (its order's), when there is one.
    pub fn correlated(mut self, correlation_id: Option<&CorrelationId>) -> Self {
        if let (Some(id), Value::Object(detail)) = (correlation_id, &mut self.detail) {
            detail.insert("correlationId".into(), json!(id.as_str()));
        }
        self
    }

    /// The detail's `correlationId`: what ties it to the request that placed its order.
    pub fn correlation_id(&self) -> Option<CorrelationId> {
        let raw = self.detail.get("correlationId")?.as_str()?;
        CorrelationId::parse(raw).ok()
    }

    /// When it happened: the detail's `occurredAt`.
    pub fn occurred_at(&self) -> Option<OffsetDateTime> {
        let raw = self.detail.get("occurredAt")?.as_str()?;
        OffsetDateTime::parse(raw, &Rfc3339).ok()
    }

    /// The order the event is about; `None` for an event about no order.
    pub fn order_id(&self) -> Option<OrderId> {
        let raw = self.detail.get("orderId")?.as_str()?;
        OrderId::parse(raw).ok()
    }

    /// The detail read as a payload struct; the envelope fields are ignored.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.detail)
    }

    /// The event as EventBridge shows it to rules and targets:
    /// `{"source", "detail-type", "detail"}`.
    pub fn to_envelope(&self) -> Value {
        json!({
            "source": self.event_type.source(),
            "detail-type": self.event_type.detail_type(),
            "detail": self.detail,
        })
    }

    /// Reads an event from an EventBridge envelope, such as the body of a message that a
    /// rule delivered to SQS. Fields other than `source`, `detail-type` and `detail`
    /// (EventBridge's `id`, `time`, `account`, …) are ignored.
    pub fn from_envelope(envelope: &Value) -> Result<DomainEvent, EnvelopeError> {
        let text_field = |name: &'static str| {
            envelope
                .get(name)
                .and_then(Value::as_str)
                .ok_or(EnvelopeError::MissingField(name))
        };
        let source = text_field("source")?;
        let detail_type = text_field("detail-type")?;
        let event_type = EventType::from_detail_type(detail_type)
            .ok_or_else(|| EnvelopeError::UnknownDetailType(detail_type.to_owned()))?;
        if event_type.source() != source {
            return Err(EnvelopeError::WrongSource {
                detail_type: event_type,
                expected: event_type.source(),
                found: source.to_owned(),
            });
        }
        let detail = envelope
            .get("detail")
            .filter(|detail| detail.is_object())
            .ok_or(EnvelopeError::MissingField("detail"))?;
        let event = DomainEvent {
            event_type,
            detail: detail.clone(),
        };
        event
            .event_id()
            .ok_or(EnvelopeError::InvalidDetail("eventId"))?;
        if event_type.is_about_an_order() || event.detail.get("orderId").is_some() {
            event
                .order_id()
                .ok_or(EnvelopeError::InvalidDetail("orderId"))?;
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::events::payloads::OrderCancelled;
    use crate::domain::ids::UserId;

    const EVENT_ID: Uuid = Uuid::from_u128(0x1111_2222_3333_4444_8555_6666_7777_8888);

    fn order_id() -> OrderId {
        OrderId::from_uuid(Uuid::from_u128(0x0b3c_6c1e_5f7a_4d8e_9a41_2f0c_1d7e_6b55))
    }

    fn cancelled() -> DomainEvent {
        let payload = OrderCancelled {
            user_id: UserId::parse("alice").unwrap(),
            reason: "changed my mind".into(),
        };
        DomainEvent::new(
            EventType::OrderCancelled,
            EVENT_ID,
            order_id(),
            datetime!(2026-03-01 12:00:00 +02:00),
            payload,
        )
        .unwrap()
    }

    #[test]
    fn the_detail_merges_the_envelope_fields_and_the_payload() {
        let event = cancelled();
        assert_eq!(
            event.detail,
            json!({
                "eventId": "11112222-3333-4444-8555-666677778888",
                "orderId": "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55",
                "occurredAt": "2026-03-01T10:00:00Z",
                "version": 1,
                "userId": "alice",
                "reason": "changed my mind",
            })
        );
        assert_eq!(event.event_id(), Some(EVENT_ID));
        assert_eq!(event.order_id(), Some(order_id()));
        let payload: OrderCancelled = event.payload().unwrap();
        assert_eq!(payload.reason, "changed my mind");
    }

    #[test]
    fn a_payload_must_be_an_object_that_keeps_to_its_own_fields() {
        let when = datetime!(2026-03-01 12:00:00 UTC);
        let kind = EventType::OrderCancelled;
        assert!(DomainEvent::new(kind, EVENT_ID, order_id(), when, "text").is_err());
        let clash = json!({"orderId": "someone else's"});
        assert!(DomainEvent::new(kind, EVENT_ID, order_id(), when, clash).is_err());
    }

    #[test]
    fn an_envelope_reads_back_to_the_same_event() {
        let event = cancelled();
        let envelope = event.to_envelope();
        assert_eq!(envelope["source"], "mambogo.orders");
        assert_eq!(envelope["detail-type"], "OrderCancelled");
        assert_eq!(DomainEvent::from_envelope(&envelope), Ok(event));
    }

    #[test]
    fn a_stock_alert_is_about_no_order() {
        let payload = json!({"sku": "HP-0042-BLK", "available": 2, "threshold": 5});
        let when = datetime!(2026-03-01 12:00:00 UTC);
        let alert =
            DomainEvent::without_order(EventType::StockLow, EVENT_ID, when, &payload).unwrap();
        assert_eq!(alert.detail.get("orderId"), None);
        assert_eq!(alert.order_id(), None);
        assert_eq!(alert.to_envelope()["source"], "mambogo.inventory");
        assert_eq!(DomainEvent::from_envelope(&alert.to_envelope()), Ok(alert));
        assert!(
            DomainEvent::without_order(EventType::OrderCancelled, EVENT_ID, when, &payload)
                .is_err(),
            "order events need their order"
        );
    }

    #[test]
    fn eventbridge_delivery_fields_are_ignored() {
        let mut envelope = cancelled().to_envelope();
        envelope["id"] = json!("6a7e8feb-b491-4cf7-a9f1-bf3703467718");
        envelope["time"] = json!("2026-03-01T10:00:01Z");
        envelope["resources"] = json!([]);
        assert_eq!(DomainEvent::from_envelope(&envelope), Ok(cancelled()));
    }

    #[test]
    fn envelopes_that_are_not_ours_are_refused() {
        let good = cancelled().to_envelope();
        let with = |field: &str, value: Value| {
            let mut envelope = good.clone();
            envelope[field] = value;
            DomainEvent::from_envelope(&envelope)
        };
        assert_eq!(
            with("detail-type", json!("OrderTeleported")),
            Err(EnvelopeError::UnknownDetailType("OrderTeleported".into()))
        );
        assert!(matches!(
            with("source", json!("mambogo.payments")),
            Err(EnvelopeError::WrongSource { .. })
        ));
        assert_eq!(
            with("detail", json!("{}")),
            Err(EnvelopeError::MissingField("detail"))
        );
        assert_eq!(
            with("detail", json!({"eventId": EVENT_ID})),
            Err(EnvelopeError::InvalidDetail("orderId"))
        );
        assert_eq!(
            DomainEvent::from_envelope(&json!([])),
            Err(EnvelopeError::MissingField("source"))
        );
    }
}
