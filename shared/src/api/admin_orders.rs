//! Operator order routes: the queue of orders in a status, one order's timeline, and
//! moving orders along — process, ship, deliver, approve a return. Each move answers the
//! order as `GET /orders/{orderId}` shows it; a status that does not allow the step
//! answers 409 with `currentStatus`.

use serde::Deserialize;

use super::admin_catalog::require_admin;
use super::order_routes::{order_view, page_query, summaries};
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::lifecycle::Lifecycle;
use crate::application::orders::order_timeline;
use crate::application::Actor;
use crate::application::Services;
use crate::domain::ids::OrderId;
use crate::domain::orders::{Order, OrderStatus, MAX_SHIPMENT_TEXT};
use crate::domain::validation::{Checks, FieldError};

/// The admin calling, as the actor order histories name, and the order id of the path.
fn operator(request: &ApiRequest) -> Result<(Actor, OrderId), ApiError> {
    let admin = require_admin(request)?;
    let id = request.path_id("orderId", OrderId::parse)?;
    Ok((Actor::Operator(admin.id.clone()), id))
}

async fn answer(services: &Services, order: Order) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(&order_view(services, order).await?))
}

/// `GET /admin/orders?status=…`: the orders in one status, oldest first (the queue an
/// operator works through), a page at a time.
pub async fn list_orders_for_admin(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let (page, params) = page_query(&request, &["status"])?;
    let status = match params.as_slice() {
        [(_, status)] => {
            serde_json::from_value::<OrderStatus>(serde_json::json!(status)).map_err(|_| {
                ApiError::malformed(
                    "status",
                    "must be an order status such as CONFIRMED or RETURN_REQUESTED",
                )
            })?
        }
        [] => return Err(ApiError::malformed("status", "is required")),
        _ => return Err(ApiError::malformed("status", "give one status")),
    };
    let orders = services.orders.orders_with_status(status, &page).await?;
    Ok(ApiResponse::ok(&summaries(&orders)))
}

/// `GET /admin/orders/{orderId}/timeline`: everything that happened to the order, oldest
/// first (see [`crate::domain::orders::timeline`]).
pub async fn get_order_timeline(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, id) = operator(&request)?;
    let entries = order_timeline(services, &id).await?;
    Ok(ApiResponse::ok(&serde_json::json!({
        "orderId": id,
        "entries": entries,
    })))
}

/// `POST /admin/orders/{orderId}/process`: CONFIRMED → PROCESSING.
pub async fn process_order(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (actor, id) = operator(&request)?;
    let order = Lifecycle::new(services).process(&id, &actor).await?;
    answer(services, order).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ShipRequest {
    carrier: String,
    tracking_number: String,
}

/// `POST /admin/orders/{orderId}/ship`: PROCESSING → SHIPPED, recording the carrier and
/// tracking number.
pub async fn ship_order(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let (actor, id) = operator(&request)?;
    let body: ShipRequest = request.json_body()?;
    let carrier = body.carrier.trim().to_owned();
    let tracking_number = body.tracking_number.trim().to_owned();
    let mut checks = Checks::default();
    checks.text_length(&carrier, 1, MAX_SHIPMENT_TEXT, "carrier");
    checks.text_length(&tracking_number, 1, MAX_SHIPMENT_TEXT, "trackingNumber");
    for (field, text) in [("carrier", &carrier), ("trackingNumber", &tracking_number)] {
        if text.chars().any(char::is_control) {
            checks.push(FieldError::new(field, "must not hold control characters"));
        }
    }
    checks.finish().map_err(ApiError::Invalid)?;
    let order = Lifecycle::new(services)
        .ship(&id, &actor, carrier, tracking_number)
        .await?;
    answer(services, order).await
}

/// `POST /admin/orders/{orderId}/deliver`: SHIPPED → DELIVERED; the return window opens.
pub async fn deliver_order(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (actor, id) = operator(&request)?;
    let order = Lifecycle::new(services).deliver(&id, &actor).await?;
    answer(services, order).await
}

/// `POST /admin/orders/{orderId}/returns/approve`: RETURN_REQUESTED → RETURNED; the
/// returned lines go back on sale and their amounts are refunded. The gateway's refund
/// webhook then makes the order REFUNDED.
pub async fn approve_return(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (actor, id) = operator(&request)?;
    let order = Lifecycle::new(services).approve_return(&id, &actor).await?;
    answer(services, order).await
}
