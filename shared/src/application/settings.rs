//! What checkout, flash sales included, is configured with.

use time::Duration;

use crate::domain::orders::PricingRules;

/// Days a shopper has to ask for a return when the shop's configuration names none.
pub const DEFAULT_RETURN_WINDOW_DAYS: u16 = 30;

/// Checkout's settings, read once at start.
#[derive(Clone, Debug)]
pub struct CheckoutSettings {
    pub pricing: PricingRules,
    /// How long stock stays reserved for an order that is being paid for; also the
    /// saga's timeout for the gateway's answer.
    pub reservation_ttl: Duration,
    /// Secrets the gateway may sign webhooks with (several while rotating).
    pub webhook_secrets: Vec<Vec<u8>>,
    /// The EventBridge bus events are put on.
    pub event_bus_name: String,
    /// How long idempotency keys are remembered once their request is answered.
    pub idempotency_ttl: Duration,
    /// How long a request holds its idempotency key while it runs: far longer than any
    /// function may run, so that a request that died holding it (a crash, a store that
    /// failed as the answer was being kept) can be sent again once it passes.
    pub idempotency_lease: Duration,
    /// How long after delivery a shopper may ask to return an order (30 days unless
    /// configured).
    pub return_window: Duration,
    /// How long a checkout quote's price holds (15 minutes unless configured).
    pub quote_ttl: Duration,
    /// The key flash-sale purchase tokens and checkout quotes are signed with (each kind
    /// with its own audience): a secret in AWS, shared by every function that signs or
    /// checks them; by default a random key of this process's own, which no other
    /// process accepts.
    pub purchase_token_key: Vec<u8>,
}

impl Default for CheckoutSettings {
    fn default() -> Self {
        CheckoutSettings {
            pricing: PricingRules::default(),
            reservation_ttl: Duration::minutes(15),
            webhook_secrets: Vec::new(),
            event_bus_name: "mambogo".to_owned(),
            idempotency_ttl: Duration::hours(24),
            idempotency_lease: Duration::minutes(1),
            return_window: Duration::days(i64::from(DEFAULT_RETURN_WINDOW_DAYS)),
            quote_ttl: Duration::minutes(15),
            purchase_token_key: random_key(),
        }
    }
}

/// 32 random bytes, from two version-4 UUIDs (the operating system's generator).
fn random_key() -> Vec<u8> {
    [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|id| *id.as_bytes())
        .collect()
}
