//! The payment gateway port.

use async_trait::async_trait;

use crate::domain::ids::OrderId;
use crate::domain::money::Money;
use crate::domain::payments::PaymentMethod;

/// A request to authorize an amount; the answer arrives later as a webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub order_id: OrderId,
    pub amount: Money,
    pub payment_token: String,
    /// The kind of method the token stands for.
    pub method: PaymentMethod,
    /// The same key makes a retried call return the first call's reference.
    pub idempotency_key: String,
}

/// How a gateway refused or failed a call.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum GatewayError {
    #[error("declined: {0}")]
    Declined(String),
    #[error("the gateway knows no payment {0}")]
    UnknownReference(String),
    #[error("the payment cannot do that now: {0}")]
    InvalidState(String),
    /// Worth retrying.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
}

/// A payment service provider. Every call carries an idempotency key.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Starts an authorization and returns the gateway's reference for it.
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError>;
    /// Captures an authorized amount.
    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError>;
    /// Cancels an authorization that was not captured; a no-op for one never authorized.
    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError>;
    /// Returns a captured amount.
    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError>;
}
