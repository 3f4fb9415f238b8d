//! The ports the core needs from the outside world. Each store has an embedded (SQLite)
//! and a DynamoDB adapter, held to the same behaviour by one contract suite.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cart::Cart;
use crate::catalog::{Category, Product};
use crate::ids::{CartId, OrderId, ProductId, Sku, UserId};
use crate::jobs::report::SweepReport;
use crate::orders::{Order, OrderStatus};
use crate::payments::{Payment, PaymentStatus};

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
    /// The function was not granted this access to the table in `functions/manifest.json`
    /// (see [`crate::access`]); retrying cannot help.
    #[error("{0}")]
    NotGranted(String),
    /// A listing's cursor is not one the store handed out (or is for another listing).
    #[error("the cursor is not one this listing handed out")]
    BadCursor,
}

/// Which page of a listing to read: the first (no cursor) or the one after the page
/// whose [`Page::next_cursor`] this is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Opaque: handed out by the store as [`Page::next_cursor`], never built by callers.
    pub cursor: Option<String>,
    /// How many items at most; stores keep it within `1..=`[`PageRequest::MAX_LIMIT`].
    pub limit: u32,
}

impl PageRequest {
    /// The page size when the caller names none.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page a store hands out.
    pub const MAX_LIMIT: u32 = 100;

    /// The first page of at most `limit` items.
    pub fn first(limit: u32) -> Self {
        PageRequest {
            cursor: None,
            limit,
        }
    }

    /// The page after the one that handed out `cursor`, of at most `limit` items.
    pub fn after(cursor: impl Into<String>, limit: u32) -> Self {
        PageRequest {
            cursor: Some(cursor.into()),
            limit,
        }
    }

    /// The limit as stores apply it: at least 1, at most [`PageRequest::MAX_LIMIT`].
    pub fn bounded_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page. Opaque to callers: pass it
    /// back as [`PageRequest::cursor`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` followed by the page at `next_cursor`, if any.
    pub fn new(items: Vec<T>, next_cursor: Option<String>) -> Self {
        Page { items, next_cursor }
    }

    /// The same page with its items changed by `change`.
    pub fn map<U>(self, change: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(change).collect(),
            next_cursor: self.next_cursor,
        }
    }
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

    /// The orders of `user`, newest first (by `created_at`, to the second; orders
    /// placed in the same second in the store's own order), one page at a time.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn orders_for_user(
        &self,
        user: &UserId,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError>;

    /// The orders now in `status`, oldest first (by `created_at`, to the second), one
    /// page at a time: the queue an operator works through. On DynamoDB the listing
    /// reads an index, which may lag a write by a moment: an order that just changed
    /// status may still show under its previous one, so read the order before acting.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn orders_with_status(
        &self,
        status: OrderStatus,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError>;
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

    /// The payments now in `status`, least recently changed first (by `updated_at`, to
    /// the second), one page at a time; for reconciliation. Like
    /// [`OrderStore::orders_with_status`], it may lag a write by a moment on DynamoDB.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError>;
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

/// A message for a shopper or the operators, kept in the [`NotificationOutbox`] instead
/// of being mailed: one per event and kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The event the notification is about; with `kind`, what makes it unique.
    pub event_id: String,
    /// The event's type, such as `OrderShipped`.
    pub kind: String,
    /// A user id, or `operators`.
    pub recipient: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where notifications wait for a mailer; deduplicated by event id and kind.
#[async_trait]
pub trait NotificationOutbox: Send + Sync {
    /// Keeps `notification` unless one with the same event id and kind is kept already;
    /// `Ok(false)` then, and nothing is written (whatever the rest of it says).
    async fn record(&self, notification: &Notification) -> Result<bool, StoreError>;

    /// The notifications for `recipient`, newest first (by `created_at`), one page at a
    /// time. [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn notifications_for(
        &self,
        recipient: &str,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError>;
}

/// What the scheduled jobs report, for operators (`GET /admin/reconciliation`).
#[async_trait]
pub trait OperationsLog: Send + Sync {
    /// Keeps `report`, keyed by its run time (a report with the same `ran_at` replaces
    /// it), for 30 days.
    async fn save_sweep(&self, report: &SweepReport) -> Result<(), StoreError>;

    /// The latest `limit` reports (kept within `1..=`[`PageRequest::MAX_LIMIT`]), newest
    /// first.
    async fn latest_sweeps(&self, limit: u32) -> Result<Vec<SweepReport>, StoreError>;
}
