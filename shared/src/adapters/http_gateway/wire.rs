//! The payment gateway's HTTP API, as [`HttpGateway`](super::HttpGateway) calls it and
//! the mock gateway's service answers it.
//!
//! | endpoint                              | body                                              |
//! |---------------------------------------|---------------------------------------------------|
//! | `POST /payments/authorize`            | [`AuthorizeBody`] `{orderId, amount, paymentToken, paymentMethod, idempotencyKey}` |
//! | `POST /payments/{reference}/capture`  | [`AmountBody`] `{amount, idempotencyKey}`         |
//! | `POST /payments/{reference}/void`     | [`VoidBody`] `{idempotencyKey}`                   |
//! | `POST /payments/{reference}/refund`   | [`AmountBody`] `{amount, idempotencyKey}`         |
//!
//! A captured payment takes several refunds, each under its own key, together at most
//! the captured amount (409 beyond); each is answered later by a signed
//! `refund.succeeded` webhook whose `refundId` is the part of the key after `:refund:`.
//!
//! Every call carries the shared API key in [`API_KEY_HEADER`]. Success is
//! `200 {"reference": …}`; failures are problem+json (402 declined, 404 unknown
//! reference, 409 a payment that cannot do that now).

use serde::{Deserialize, Serialize};

use crate::domain::ids::OrderId;
use crate::domain::money::Money;
use crate::domain::payments::PaymentMethod;

/// The header that carries the shared API key.
pub const API_KEY_HEADER: &str = "x-mock-gateway-key";

/// The body of `POST /payments/authorize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeBody {
    /// The order being paid.
    pub order_id: OrderId,
    /// The amount to authorize.
    pub amount: Money,
    /// The shopper's tokenized payment method: a test token.
    pub payment_token: String,
    /// What kind of method the token stands for: `CARD` when absent.
    #[serde(default)]
    pub payment_method: PaymentMethod,
    /// A retried call with the same key gets the first call's reference.
    pub idempotency_key: String,
}

/// The body of a capture or a refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AmountBody {
    /// The amount to capture or refund; at most the authorized amount.
    pub amount: Money,
    /// A retried call with the same key is answered as the first was.
    pub idempotency_key: String,
}

/// The body of a void.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoidBody {
    /// A retried call with the same key is answered as the first was.
    pub idempotency_key: String,
}

/// Every successful answer: the payment the call was about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceBody {
    /// The gateway's reference of the payment.
    pub reference: String,
}
