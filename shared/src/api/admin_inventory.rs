//! Operator routes for stock.

use serde::Deserialize;

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{catalog, Services};
use crate::domain::ids::Sku;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StockChange {
    on_hand: u32,
    /// Over how many shards to split the stock; as many as now when absent.
    #[serde(default)]
    shards: Option<u32>,
}

/// `PUT /admin/inventory/{sku}`: sets the units on hand, and optionally the number of
/// shards they are split over; reserved units stay reserved.
pub async fn set_stock(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let sku = request.path_id("sku", Sku::parse)?;
    let change: StockChange = request.json_body()?;
    Ok(ApiResponse::ok(
        &catalog::set_stock(services, &sku, change.on_hand, change.shards).await?,
    ))
}
