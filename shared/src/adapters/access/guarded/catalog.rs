//! The catalog store behind a function's grant on the `catalog` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::catalog::CatalogStore;
use crate::domain::catalog::{Category, Product};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::store::StoreError;

/// A [`CatalogStore`] that checks the function's grant before every call.
pub struct GuardedCatalog {
    inner: Arc<dyn CatalogStore>,
    grant: TableGrant,
}

impl GuardedCatalog {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn CatalogStore>, grant: TableGrant) -> Self {
        GuardedCatalog { inner, grant }
    }
}

#[async_trait]
impl CatalogStore for GuardedCatalog {
    async fn product(&self, id: &ProductId) -> Result<Option<Product>, StoreError> {
        self.grant
            .call(Access::Read, "product", self.inner.product(id))
            .await
    }

    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        self.grant
            .call(Access::Read, "products", self.inner.products(ids))
            .await
    }

    async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "product_by_sku",
                self.inner.product_by_sku(sku),
            )
            .await
    }

    async fn all_products(&self) -> Result<Arc<Vec<Product>>, StoreError> {
        self.grant
            .call(Access::Read, "all_products", self.inner.all_products())
            .await
    }

    async fn create_product(&self, product: &Product) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "create_product",
                self.inner.create_product(product),
            )
            .await
    }

    async fn replace_product(
        &self,
        previous: &Product,
        product: &Product,
    ) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "replace_product",
                self.inner.replace_product(previous, product),
            )
            .await
    }

    async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        self.grant
            .call(Access::Read, "categories", self.inner.categories())
            .await
    }

    async fn put_category(&self, category: &Category) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "put_category",
                self.inner.put_category(category),
            )
            .await
    }
}
