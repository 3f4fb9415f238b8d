//! Operator routes for flash sales.

use http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{flash_sales, Services};
use crate::domain::flash_sale::NewSale;
use crate::domain::ids::{SaleId, Sku};
use crate::domain::money::Money;

/// Holds a sale's units are spread over unless the operator says otherwise.
const DEFAULT_SHARDS: u32 = 16;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaleRequest {
    sku: Sku,
    units: u32,
    sale_price: Money,
    #[serde(with = "time::serde::rfc3339")]
    starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    ends_at: OffsetDateTime,
    #[serde(default = "one")]
    per_customer_limit: u32,
    #[serde(default = "five_minutes")]
    token_ttl_seconds: u32,
    #[serde(default = "default_shards")]
    shards: u32,
}

fn one() -> u32 {
    1
}

fn five_minutes() -> u32 {
    300
}

fn default_shards() -> u32 {
    DEFAULT_SHARDS
}

/// `POST /admin/flash-sales`: creates a sale and sets its units aside from stock.
pub async fn create_flash_sale(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let body: SaleRequest = request.json_body()?;
    let terms = NewSale {
        sku: body.sku,
        units: body.units,
        sale_price: body.sale_price,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        per_customer_limit: body.per_customer_limit,
        token_ttl_seconds: body.token_ttl_seconds,
        holds: body.shards,
    };
    let sale = flash_sales::create_sale(services, terms).await?;
    let location = format!("/admin/flash-sales/{}", sale.sale.sale_id);
    Ok(ApiResponse::json(StatusCode::CREATED, &sale).with_header("location", &location))
}

/// `GET /admin/flash-sales/{saleId}`: units left, tokens out, sold, queue length, status.
pub async fn get_flash_sale_for_admin(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let sale_id = request.path_id("saleId", SaleId::parse)?;
    Ok(ApiResponse::ok(
        &flash_sales::sale_for_admin(services, &sale_id).await?,
    ))
}
