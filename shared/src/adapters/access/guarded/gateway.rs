//! The payment gateway behind a function's `payment-gateway-api-key` secret: a function
//! without the key cannot call the gateway on AWS, so here it cannot either.

use std::sync::Arc;

use async_trait::async_trait;

use super::{refusal, traced};
use crate::domain::money::Money;
use crate::domain::payments::{AuthorizeRequest, GatewayError, PaymentGateway};

/// A [`PaymentGateway`] that passes calls through only for a function granted the
/// gateway's API key; every call of any other function is refused.
pub struct GuardedGateway {
    inner: Option<Arc<dyn PaymentGateway>>,
    function: String,
}

impl GuardedGateway {
    /// `inner` for `function`, usable only if `granted`.
    pub fn new(inner: Arc<dyn PaymentGateway>, function: &str, granted: bool) -> Self {
        GuardedGateway {
            inner: granted.then_some(inner),
            function: function.to_owned(),
        }
    }

    /// A gateway for a function that holds no key: every call is refused.
    pub fn refusing(function: &str) -> Self {
        GuardedGateway {
            inner: None,
            function: function.to_owned(),
        }
    }

    fn granted(&self) -> Result<&dyn PaymentGateway, GatewayError> {
        self.inner.as_deref().ok_or_else(|| {
            GatewayError::InvalidState(refusal(&self.function, "call the payment gateway"))
        })
    }
}

#[async_trait]
impl PaymentGateway for GuardedGateway {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError> {
        let gateway = self.granted()?;
        traced(
            "gateway",
            "payment-gateway",
            "authorize",
            gateway.authorize(request),
        )
        .await
    }

    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let gateway = self.granted()?;
        traced(
            "gateway",
            "payment-gateway",
            "capture",
            gateway.capture(reference, amount, idempotency_key),
        )
        .await
    }

    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        let gateway = self.granted()?;
        traced(
            "gateway",
            "payment-gateway",
            "void",
            gateway.void(reference, idempotency_key),
        )
        .await
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let gateway = self.granted()?;
        traced(
            "gateway",
            "payment-gateway",
            "refund",
            gateway.refund(reference, amount, idempotency_key),
        )
        .await
    }
}
