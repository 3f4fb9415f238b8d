//! Search as shoppers use it: the process's index answers, rebuilt from the stores when
//! it was never built, is older than [`Services::index_refresh`] allows, or this process
//! changed the catalog, a product's stock or reviews since. One request at a time
//! rebuilds it; the others wait for that rebuild.

use std::sync::Arc;

use crate::application::catalog::availability;
use crate::application::error::ShopError;
use crate::application::index_handle::IndexHandle;
use crate::application::Services;
use crate::domain::catalog::{Listing, ProductPage, ProductQuery, SearchIndex, Suggestion};

/// The most completions a shopper is offered.
pub const MOST_SUGGESTIONS: usize = 10;

fn index_failed(error: impl std::fmt::Display) -> ShopError {
    ShopError::Internal(error.to_string())
}

/// The index of this process; refused for a function that keeps none.
fn handle(services: &Services) -> Result<&IndexHandle, ShopError> {
    services
        .search_index
        .as_ref()
        .ok_or_else(|| ShopError::Internal("this function keeps no search index".to_owned()))
}

/// Rebuilds the index from the stores: every product, with its stock, rating and
/// categories. How many products it now holds.
pub async fn rebuild_index(services: &Services) -> Result<usize, ShopError> {
    let index = &handle(services)?.index;
    let products = services.catalog.all_products().await?;
    let categories = services.catalog.categories().await?;
    let available = availability(services, None).await?;
    let ratings = services.reviews.all_ratings().await?;
    let listings: Vec<Listing> = products
        .iter()
        .map(|product| {
            let rating = ratings.get(&product.id).copied().unwrap_or_default();
            Listing::new(Arc::new(product.clone()), &available, rating, &categories)
        })
        .collect();
    let count = listings.iter().filter(|listing| listing.is_shown()).count();
    index
        .rebuild(listings, services.clock.now())
        .map_err(index_failed)?;
    tracing::info!(products = count, "search index rebuilt");
    Ok(count)
}

/// Whether `index` must be rebuilt before it answers.
fn stale(services: &Services, index: &dyn SearchIndex) -> bool {
    match (index.built_at(), services.index_refresh) {
        (None, _) => true,
        (Some(built), Some(refresh)) => services.clock.now() - built >= refresh,
        (Some(_), None) => false,
    }
}

/// The index, rebuilt first if it is stale: by this request, or by the one already
/// rebuilding it.
async fn fresh_index(services: &Services) -> Result<&Arc<dyn SearchIndex>, ShopError> {
    let handle = handle(services)?;
    if stale(services, handle.index.as_ref()) {
        let _rebuilding = handle.rebuilding().lock().await;
        if stale(services, handle.index.as_ref()) {
            rebuild_index(services).await?;
        }
    }
    Ok(&handle.index)
}

/// One page of the products `query` finds, with facet counts.
pub async fn search_products(
    services: &Services,
    query: &ProductQuery,
) -> Result<ProductPage, ShopError> {
    let index = fresh_index(services).await?;
    let categories = services.catalog.categories().await?;
    index
        .search(query, &categories, services.clock.now())
        .map_err(index_failed)
}

/// Completions of `prefix`: brands, categories and products.
pub async fn suggest(services: &Services, prefix: &str) -> Result<Vec<Suggestion>, ShopError> {
    let index = fresh_index(services).await?;
    let categories = services.catalog.categories().await?;
    index
        .suggest(prefix, &categories, MOST_SUGGESTIONS)
        .map_err(index_failed)
}
