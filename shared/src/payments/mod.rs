//! Payments: authorize at checkout, capture at confirmation, void or refund when the
//! checkout is undone. The gateway answers authorizations later, through a signed webhook.

mod gateway;
pub mod mock_gateway;
pub mod mock_service;
pub mod signature;
mod webhook;

pub use gateway::{AuthorizeRequest, GatewayError, PaymentGateway};
pub use webhook::{GatewayEvent, GatewayEventKind};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::OrderId;
use crate::money::Money;

/// Where a payment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Asked the gateway; waiting for its webhook.
    Authorizing,
    Authorized,
    Declined,
    Captured,
    /// The authorization was cancelled before capture (or never answered).
    Voided,
    Refunded,
}

/// The payment of one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub order_id: OrderId,
    pub amount: Money,
    /// The shopper's payment method as the gateway's client library tokenized it.
    pub payment_token: String,
    pub status: PaymentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_reference: Option<String>,
    /// The saga's task token, to resume it when the gateway answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Incremented by every write; stores refuse a write based on a stale version.
    pub version: u64,
}

impl Payment {
    /// A payment about to be authorized, waiting on the saga task `task_token`.
    pub fn authorizing(
        order_id: OrderId,
        amount: Money,
        payment_token: String,
        task_token: String,
        now: OffsetDateTime,
    ) -> Self {
        Payment {
            order_id,
            amount,
            payment_token,
            status: PaymentStatus::Authorizing,
            gateway_reference: None,
            task_token: Some(task_token),
            failure_reason: None,
            updated_at: now,
            version: 1,
        }
    }

    /// This payment moved to `status` at `now`, with the version bumped.
    pub fn moved_to(&self, status: PaymentStatus, now: OffsetDateTime) -> Self {
        Payment {
            status,
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The idempotency key of a gateway call for this payment: retries of the same step
    /// reuse it, so the gateway performs the step once.
    pub fn idempotency_key(&self, step: &str) -> String {
        format!("{}:{step}", self.order_id)
    }
}
