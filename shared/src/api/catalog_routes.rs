//! Shopper catalog routes: search, one product, the category tree.

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::catalog::{category_tree, search, Availability, ProductQuery};
use crate::domain::ids::{ProductId, Sku};

/// Units available to sell of `skus`, or of every SKU when `skus` is `None`.
pub(super) async fn availability(
    services: &Services,
    skus: Option<&[Sku]>,
) -> Result<Availability, ApiError> {
    let levels = match skus {
        Some(skus) => services.inventory.stock_levels(skus).await?,
        None => services.inventory.all_stock_levels().await?,
    };
    Ok(levels
        .into_iter()
        .map(|level| (level.sku, level.available))
        .collect())
}

/// `GET /products`: filtered, sorted, paginated search with facet counts.
pub async fn list_products(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let query = ProductQuery::from_params(&request.query).map_err(ApiError::Malformed)?;
    let products = services.catalog.all_products().await?;
    let categories = services.catalog.categories().await?;
    let available = availability(services, None).await?;
    Ok(ApiResponse::ok(&search(
        &products,
        &categories,
        &available,
        &query,
    )))
}

/// `GET /products/{productId}`: one product with each variant's available units;
/// inactive products only for admins.
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
    let skus: Vec<Sku> = product
        .variants
        .iter()
        .map(|variant| variant.sku.clone())
        .collect();
    let available = availability(services, Some(&skus)).await?;
    let mut body =
        serde_json::to_value(&product).map_err(|error| ApiError::Internal(error.to_string()))?;
    if let Some(variants) = body["variants"].as_array_mut() {
        for (shown, sku) in variants.iter_mut().zip(&skus) {
            shown["available"] = serde_json::json!(available.get(sku).copied().unwrap_or(0).max(0));
        }
    }
    Ok(ApiResponse::ok(&body))
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
