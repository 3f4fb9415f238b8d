//! Shopper catalog routes: search, one product, the category tree.

use super::product_query::product_query;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{catalog, search, Services};
use crate::domain::catalog::ProductSort;
use crate::domain::ids::ProductId;

/// `GET /products`: filtered, sorted, paginated search with facet counts.
pub async fn list_products(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let query =
        product_query(&request.query, ProductSort::NameAscending).map_err(ApiError::Malformed)?;
    Ok(ApiResponse::ok(
        &search::search_products(services, &query).await?,
    ))
}

/// `GET /products/{productId}`: one product with each variant's available units and
/// its rating; inactive products only for admins.
pub async fn get_product(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let id = request.path_id("productId", ProductId::parse)?;
    let (product, available, rating) =
        catalog::product(services, &id, request.caller.is_admin()).await?;
    let mut body =
        serde_json::to_value(&product).map_err(|error| ApiError::Internal(error.to_string()))?;
    if let Some(variants) = body["variants"].as_array_mut() {
        for (shown, variant) in variants.iter_mut().zip(&product.variants) {
            let units = available.get(&variant.sku).copied().unwrap_or(0).max(0);
            shown["available"] = serde_json::json!(units);
        }
    }
    body["rating"] = serde_json::json!(rating);
    Ok(ApiResponse::ok(&body))
}

/// `GET /categories`: the category tree.
pub async fn list_categories(
    services: &Services,
    _request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(
        &serde_json::json!({ "categories": catalog::categories(services).await? }),
    ))
}
