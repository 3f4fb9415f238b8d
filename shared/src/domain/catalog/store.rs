//! The catalog's store port.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Category, Product};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::store::StoreError;

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
