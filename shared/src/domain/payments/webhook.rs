//! What the gateway's webhook says.

use serde::{Deserialize, Serialize};

use crate::domain::ids::OrderId;
use crate::domain::money::Money;

/// What happened at the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GatewayEventKind {
    #[serde(rename = "payment.authorized")]
    Authorized,
    #[serde(rename = "payment.declined")]
    Declined,
    /// A refund went through; [`GatewayEvent::refund_id`] names it.
    #[serde(rename = "refund.succeeded")]
    RefundSucceeded,
}

impl GatewayEventKind {
    /// The kind as the gateway's webhook names it, such as `payment.authorized`.
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayEventKind::Authorized => "payment.authorized",
            GatewayEventKind::Declined => "payment.declined",
            GatewayEventKind::RefundSucceeded => "refund.succeeded",
        }
    }
}

/// A webhook notification from the gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayEvent {
    /// The gateway's event id; deliveries of the same event share it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: GatewayEventKind,
    pub order_id: OrderId,
    pub reference: String,
    /// The authorized amount; for a refund, the amount refunded.
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `refund.succeeded`: the refund's id, as [`refund_id_of`] reads it out of the
    /// refund call's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
}

/// The refund id that a refund call's idempotency key carries: what follows `:refund:`
/// in a key made by [`Payment::refund_key`](super::Payment::refund_key), or else the
/// whole key.
pub fn refund_id_of(idempotency_key: &str) -> &str {
    idempotency_key
        .rsplit_once(":refund:")
        .map_or(idempotency_key, |(_, refund_id)| refund_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_ids_come_out_of_refund_keys() {
        assert_eq!(refund_id_of("0b3c:refund:return"), "return");
        assert_eq!(refund_id_of("0b3c:refund:return-2"), "return-2");
        assert_eq!(refund_id_of("0b3c:refund"), "0b3c:refund");
    }

    #[test]
    fn refund_webhooks_read_back_with_their_refund_id() {
        let body = r#"{"id":"evt_1","type":"refund.succeeded","orderId":"0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55","reference":"pay_1","amount":{"amount":500,"currency":"USD"},"refundId":"return"}"#;
        let event: GatewayEvent = serde_json::from_str(body).unwrap();
        assert_eq!(event.kind, GatewayEventKind::RefundSucceeded);
        assert_eq!(event.refund_id.as_deref(), Some("return"));
        assert_eq!(serde_json::to_string(&event).unwrap(), body);
    }
}
