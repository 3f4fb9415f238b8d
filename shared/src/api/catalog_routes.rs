//! Shopper catalog routes: search, one product, the category tree.

use super::{ApiError, ApiRequest, ApiResponse, Services};
use crate::catalog::{category_tree, search, ProductQuery};
use crate::ids::ProductId;

/// `GET /products`: filtered, sorted, paginated search with facet counts.
pub async fn list_products(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let query = ProductQuery::from_params(&request.query).map_err(ApiError::Malformed)?;
    let products = services.catalog.all_products().await?;
    let categories = services.catalog.categories().await?;
    Ok(ApiResponse::ok(&search(&products, &categories, &query)))
}

/// `GET /products/{productId}`: one product; inactive ones only for admins.
pub async fn get_product(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let id = request.path_id("productId", ProductId::parse)?;
    let product = services
        .catalog
        .product(&id)
        .await?
        .filter(|product| product.active || request.caller.is_admin())
        .ok_or_else(|| ApiError::NotFound(format!("no product {id}")))?;
    Ok(ApiResponse::ok(&product))
}

/// `GET /categories`: the category tree.
pub async fn list_categories(
    services: &Services,
    _request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let categories = services.catalog.categories().await?;
    Ok(ApiResponse::ok(
        &serde_json::json!({ "categories": category_tree(&categories) }),
    ))
}
