//! Search as shoppers use it: the process's index answers, brought up to date first
//! when that is due ([`crate::application::indexing`]).

use crate::application::error::ShopError;
use crate::application::indexing::{fresh_index, index_failed};
use crate::application::Services;
use crate::domain::catalog::{ProductPage, ProductQuery, Suggestion};

/// The most completions a shopper is offered.
pub const MOST_SUGGESTIONS: usize = 10;

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
