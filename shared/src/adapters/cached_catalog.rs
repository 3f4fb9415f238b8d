//! A read cache in front of any catalog store: search reads the whole catalog, so it is
//! kept in memory for a short time instead of being read for every request. Writes made
//! through this cache drop it at once; writes made elsewhere (another Lambda instance)
//! show after at most the time to live.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::domain::catalog::CatalogStore;
use crate::domain::catalog::{Category, Product};
use crate::domain::clock::Clock;
use crate::domain::ids::{ProductId, Sku};
use crate::domain::store::StoreError;

type Cached<T> = RwLock<Option<(OffsetDateTime, Arc<Vec<T>>)>>;

/// [`CatalogStore`] that caches the full product list and the categories.
pub struct CachedCatalog {
    inner: Arc<dyn CatalogStore>,
    clock: Arc<dyn Clock>,
    time_to_live: Duration,
    products: Cached<Product>,
    categories: Cached<Category>,
}

impl CachedCatalog {
    /// Caches `inner`'s lists for `time_to_live` as `clock` counts it.
    pub fn new(
        inner: Arc<dyn CatalogStore>,
        clock: Arc<dyn Clock>,
        time_to_live: Duration,
    ) -> Self {
        CachedCatalog {
            inner,
            clock,
            time_to_live,
            products: RwLock::new(None),
            categories: RwLock::new(None),
        }
    }

    fn fresh<T>(&self, cache: &Cached<T>) -> Option<Arc<Vec<T>>> {
        let now = self.clock.now();
        let guard = cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .filter(|(loaded_at, _)| now - *loaded_at < self.time_to_live)
            .map(|(_, value)| Arc::clone(value))
    }

    fn keep<T>(&self, cache: &Cached<T>, value: &Arc<Vec<T>>) {
        let mut guard = cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Some((self.clock.now(), Arc::clone(value)));
    }

    fn forget(&self) {
        *self
            .products
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        *self
            .categories
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

#[async_trait]
impl CatalogStore for CachedCatalog {
    async fn product(&self, id: &ProductId) -> Result<Option<Product>, StoreError> {
        self.inner.product(id).await
    }

    async fn products(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        self.inner.products(ids).await
    }

    async fn product_by_sku(&self, sku: &Sku) -> Result<Option<Product>, StoreError> {
        self.inner.product_by_sku(sku).await
    }

    async fn all_products(&self) -> Result<Arc<Vec<Product>>, StoreError> {
        if let Some(products) = self.fresh(&self.products) {
            return Ok(products);
        }
        let products = self.inner.all_products().await?;
        self.keep(&self.products, &products);
        Ok(products)
    }

    async fn create_product(&self, product: &Product) -> Result<(), StoreError> {
        let result = self.inner.create_product(product).await;
        self.forget();
        result
    }

    async fn replace_product(
        &self,
        previous: &Product,
        product: &Product,
    ) -> Result<(), StoreError> {
        let result = self.inner.replace_product(previous, product).await;
        self.forget();
        result
    }

    async fn categories(&self) -> Result<Arc<Vec<Category>>, StoreError> {
        if let Some(categories) = self.fresh(&self.categories) {
            return Ok(categories);
        }
        let categories = self.inner.categories().await?;
        self.keep(&self.categories, &categories);
        Ok(categories)
    }

    async fn put_category(&self, category: &Category) -> Result<(), StoreError> {
        let result = self.inner.put_category(category).await;
        self.forget();
        result
    }
}
