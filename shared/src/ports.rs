//! The ports the core needs from the outside world. Each store has an embedded (SQLite)
//! and a DynamoDB adapter, held to the same behaviour by one contract suite.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::cart::Cart;
use crate::catalog::{Category, Product};
use crate::ids::{CartId, OrderId, ProductId, Sku};
use crate::orders::Order;
use crate::payments::Payment;

/// How a store refused or failed a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The record changed (or appeared) since it was read; read again and retry.
    #[error("the record was changed by someone else")]
    Conflict,
    /// A record with this id (a product, an order) exists already.
    #[error("a record with this id exists already")]
    AlreadyExists,
    /// The SKU belongs to another product.
    #[error("SKU {0} belongs to another product")]
    SkuTaken(Sku),
    /// The store could not be reached or refused for load; worth retrying later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// What the store holds cannot be read back.
    #[error("the store holds unreadable data: {0}")]
    Corrupt(String),
}

/// Products, their SKUs and the category tree.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// One product, active or not.
    async fn product(&self, id: &ProductId) -> Result<Option<Product>, StoreError>;

    /// The products among `ids` that exist, in no particular order.
    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError>;

    /// The product that sells `sku`.
    async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>, StoreError>;

    /// Every product, active or not, in no particular order.
    async fn all_products(&self) -> Result<Arc<Vec<Product>>, StoreError>;

    /// Stores a new product (version 1) and claims its SKUs, all or nothing.
    /// [`StoreError::AlreadyExists`] if the id is taken, [`StoreError::SkuTaken`] if a SKU is.
    async fn create_product(&self, product: &Product) -> Result<(), StoreError>;

    /// Replaces the product whose stored version is `product.version - 1`, claiming new
    /// SKUs and releasing dropped ones, all or nothing. [`StoreError::Conflict`] if the
    /// stored version differs.
    async fn replace_product(
        &self,
        previous: &Product,
        product: &Product,
    ) -> Result<(), StoreError>;

    /// Every category, in no particular order.
    async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError>;

    /// Creates or replaces a category.
    async fn put_category(&self, category: &Category) -> Result<(), StoreError>;
}

/// Carts. Reads never return a cart that has expired at `now`, whether or not the
/// store has purged it yet.
#[async_trait]
pub trait CartStore: Send + Sync {
    /// The cart with this id, unless it is missing or expired.
    async fn cart(&self, id: &CartId, now: OffsetDateTime) -> Result<Option<Cart>, StoreError>;

    /// Writes `cart`, whose version the caller has just incremented: version 1 creates it
    /// (over an expired one at most), any later version requires the stored version to be
    /// one less. [`StoreError::Conflict`] otherwise.
    async fn save(&self, cart: &Cart, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Writes the user's merged cart and deletes the guest cart in one transaction; the
    /// guest cart must still be at `guest.version`.
    async fn save_merged(
        &self,
        user_cart: &Cart,
        guest: &Cart,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
}

/// Orders. Every change is a write conditional on the version that was read.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores a new order (version 1); [`StoreError::AlreadyExists`] if the id is taken.
    async fn create(&self, order: &Order) -> Result<(), StoreError>;

    /// One order.
    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// Writes `order`, whose version the caller has just incremented; the stored version
    /// must be one less, else [`StoreError::Conflict`].
    async fn update(&self, order: &Order) -> Result<(), StoreError>;
}

/// Payments, and the gateway events already applied to them.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// The payment of an order.
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError>;

    /// Writes `payment`: version 1 creates it, any later version requires the stored
    /// version to be one less. [`StoreError::Conflict`] otherwise.
    async fn save(&self, payment: &Payment) -> Result<(), StoreError>;

    /// Records the gateway event `event_id` and saves `payment` (as [`Self::save`] does)
    /// in one transaction. `Ok(false)` when the event was recorded before: nothing is written.
    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
}

/// A response kept for replaying a retried request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What claiming an idempotency key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new; the caller does the work and then completes it.
    Claimed,
    /// The same request was answered before: answer the same again.
    Replay(StoredResponse),
    /// The same request is being worked on right now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// Idempotency keys of requests, and events each consumer has handled.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request whose body hashes to `fingerprint`. Keys are kept until
    /// `expires_at`; an expired key counts as new.
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError>;

    /// Stores the response of a claimed request.
    async fn complete(&self, key: &str, response: &StoredResponse) -> Result<(), StoreError>;

    /// Gives up a claim whose work failed, so that a retry can do it.
    async fn release(&self, key: &str) -> Result<(), StoreError>;

    /// Whether `consumer` has handled the event `event_id`.
    async fn handled(&self, consumer: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Records that `consumer` handled the event `event_id`, until `expires_at`.
    async fn record_handled(
        &self,
        consumer: &str,
        event_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
