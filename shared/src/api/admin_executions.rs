//! `GET /admin/executions/{orderId}`: an order's checkout saga execution and its
//! history, so operators can see where a checkout is or where it got stuck.

use super::admin_catalog::require_admin;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::ids::OrderId;

/// The execution named after the order.
pub async fn get_execution(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let order_id = request.path_id("orderId", OrderId::parse)?;
    let report = services
        .workflow
        .describe(&order_id.to_string())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no checkout execution for order {order_id}")))?;
    Ok(ApiResponse::ok(&report))
}
