//! How a shopper pays: the kinds of payment method the gateway takes.

use serde::{Deserialize, Serialize};

/// A kind of payment method; the shopper's own card, account or handle travels as the
/// gateway's payment token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// A credit or debit card.
    #[default]
    Card,
    /// A PayPal account.
    Paypal,
    /// India's Unified Payments Interface.
    Upi,
}
