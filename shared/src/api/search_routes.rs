//! `/search` and `/search/suggest`: full-text search of the catalog and completions as
//! a shopper types. Translation only; what matches and how it ranks is the search
//! index's business ([`crate::application::search`]).

use serde::Serialize;

use super::product_query::{product_query, search_text};
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{search, Services};
use crate::domain::catalog::{ProductSort, Suggestion};
use crate::domain::validation::{Checks, FieldError};

/// `GET /search`: the products the words find, best match first unless another sort is
/// asked for, with the listing's filters, facets and pages, and `didYouMean` when
/// nothing matched but a close spelling would.
pub async fn search_products(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let query =
        product_query(&request.query, ProductSort::Relevance).map_err(ApiError::Malformed)?;
    Ok(ApiResponse::ok(
        &search::search_products(services, &query).await?,
    ))
}

#[derive(Serialize)]
struct Suggestions {
    suggestions: Vec<Suggestion>,
}

/// `GET /search/suggest?q=`: up to ten completions of what the shopper is typing.
pub async fn suggest_products(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let mut checks = Checks::default();
    let mut prefix = None;
    for (name, value) in &request.query {
        match name.as_str() {
            "q" => prefix = Some(search_text(value, &mut checks)),
            other => checks.push(FieldError::new(other, "unknown query parameter")),
        }
    }
    checks.require(prefix.is_some(), "q", "is required");
    checks.finish().map_err(ApiError::Malformed)?;
    let suggestions = search::suggest(services, &prefix.unwrap_or_default()).await?;
    Ok(ApiResponse::ok(&Suggestions { suggestions }))
}
