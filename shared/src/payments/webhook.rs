//! What the gateway's webhook says.

use serde::{Deserialize, Serialize};

use crate::ids::OrderId;
use crate::money::Money;

/// What happened at the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GatewayEventKind {
    #[serde(rename = "payment.authorized")]
    Authorized,
    #[serde(rename = "payment.declined")]
    Declined,
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
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
