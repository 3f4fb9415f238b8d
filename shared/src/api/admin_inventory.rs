//! Operator routes for stock.

use serde::Deserialize;

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::ids::Sku;
use crate::domain::inventory::InventoryError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StockChange {
    on_hand: u32,
}

/// `PUT /admin/inventory/{sku}`: sets the units on hand; reserved units stay reserved.
pub async fn set_stock(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let sku = request.path_id("sku", Sku::parse)?;
    let change: StockChange = request.json_body()?;
    if services.catalog.product_by_sku(&sku).await?.is_none() {
        return Err(ApiError::NotFound(format!("no product sells SKU {sku}")));
    }
    let level = services
        .inventory
        .set_on_hand(&sku, change.on_hand)
        .await
        .map_err(|error| match error {
            InventoryError::BelowReserved { reserved, .. } => ApiError::Conflict(format!(
                "{reserved} units of {sku} are reserved for orders being paid; on hand cannot go below that"
            )),
            InventoryError::Store(store) => store.into(),
            other => ApiError::invalid("onHand", other.to_string()),
        })?;
    tracing::info!(%sku, on_hand = change.on_hand, "stock set");
    Ok(ApiResponse::ok(&level))
}
