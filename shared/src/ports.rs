//! The ports the core needs from the outside world. Each store has an embedded (SQLite)
//! and a DynamoDB adapter, held to the same behaviour by one contract suite.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::cart::Cart;
use crate::catalog::{Category, Product};
use crate::ids::{CartId, ProductId, Sku};

/// How a store refused or failed a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The record changed (or appeared) since it was read; read again and retry.
    #[error("the record was changed by someone else")]
    Conflict,
    /// A product with this id exists already.
    #[error("a product with this id exists already")]
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
