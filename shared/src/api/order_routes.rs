//! The shopper's orders: the list, one order, cancelling it and asking to return it. An
//! order of someone else does not exist for a shopper (404); admins see every order.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::api::auth::User;
use crate::application::lifecycle::Lifecycle;
use crate::application::Services;
use crate::application::{orders, Actor};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::orders::{Order, OrderLine, OrderStatus, ReturnItem, Totals, MAX_REASON};
use crate::domain::store::{Page, PageRequest};
use crate::domain::validation::{Checks, FieldError};

fn signed_in(request: &ApiRequest) -> Result<&User, ApiError> {
    request.signed_in("see your orders")
}

/// The signed-in `user` as the actor of a shopper route: an admin may act on any order,
/// anyone else on their own.
pub(super) fn actor_of(user: &User) -> Actor {
    if user.admin {
        Actor::Operator(user.id.clone())
    } else {
        Actor::Shopper(user.id.clone())
    }
}

/// An order as the API shows it: everything stored but the version, and its payment's
/// status, amount and refunds.
pub(super) async fn order_view(services: &Services, order: Order) -> Result<Value, ApiError> {
    let (order, payment) = orders::with_payment(services, order).await?;
    let mut body =
        serde_json::to_value(&order).map_err(|error| ApiError::Internal(error.to_string()))?;
    body["payment"] = match payment {
        Some(payment) => {
            let mut shown = json!({
                "status": payment.status,
                "amount": payment.amount,
                "method": payment.method,
            });
            if !payment.refunds.is_empty() {
                shown["refunds"] = json!(payment
                    .refunds
                    .iter()
                    .map(|refund| json!({
                        "id": refund.id,
                        "amount": refund.amount,
                        "status": refund.status,
                    }))
                    .collect::<Vec<_>>());
            }
            shown
        }
        None => Value::Null,
    };
    if let Some(object) = body.as_object_mut() {
        object.remove("version");
    }
    Ok(body)
}

/// One line of an order list: the order without its history and payment.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OrderSummary<'a> {
    id: OrderId,
    user_id: &'a UserId,
    status: OrderStatus,
    totals: Totals,
    lines: &'a [OrderLine],
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

/// A page of orders as the list routes answer it.
pub(super) fn summaries(page: &Page<Order>) -> Value {
    let items: Vec<OrderSummary<'_>> = page
        .items
        .iter()
        .map(|order| OrderSummary {
            id: order.id,
            user_id: &order.user_id,
            status: order.status,
            totals: order.totals,
            lines: &order.lines,
            created_at: order.created_at,
            updated_at: order.updated_at,
        })
        .collect();
    let mut body = json!({ "items": items });
    if let Some(cursor) = &page.next_cursor {
        body["nextCursor"] = json!(cursor);
    }
    body
}

/// The `limit` and `cursor` query parameters, and the values of the `extra` ones a route
/// takes besides; any other parameter is refused.
pub(super) fn page_query(
    request: &ApiRequest,
    extra: &[&str],
) -> Result<(PageRequest, Vec<(String, String)>), ApiError> {
    paging_query(request, true, PageRequest::DEFAULT_LIMIT, extra)
}

/// The `limit` query parameter of a route that shows one page, the latest; any other
/// parameter is refused.
pub(super) fn limit_query(request: &ApiRequest, default: u32) -> Result<u32, ApiError> {
    paging_query(request, false, default, &[]).map(|(page, _)| page.limit)
}

fn paging_query(
    request: &ApiRequest,
    takes_cursor: bool,
    default_limit: u32,
    extra: &[&str],
) -> Result<(PageRequest, Vec<(String, String)>), ApiError> {
    let mut checks = Checks::default();
    let mut page = PageRequest::first(default_limit);
    let mut others = Vec::new();
    for (name, value) in &request.query {
        match name.as_str() {
            "limit" => match value.parse::<u32>() {
                Ok(limit) if (1..=PageRequest::MAX_LIMIT).contains(&limit) => page.limit = limit,
                _ => checks.push(FieldError::new(
                    "limit",
                    format!(
                        "must be a whole number from 1 to {}",
                        PageRequest::MAX_LIMIT
                    ),
                )),
            },
            "cursor" if takes_cursor => {
                checks.text_length(value, 1, 1024, "cursor");
                page.cursor = Some(value.clone());
            }
            other if extra.contains(&other) => others.push((name.clone(), value.clone())),
            other => checks.push(FieldError::new(other, "unknown query parameter")),
        }
    }
    checks.finish().map_err(ApiError::Malformed)?;
    Ok((page, others))
}

/// `GET /orders`: the caller's orders, newest first, a page at a time.
pub async fn list_orders(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = signed_in(&request)?;
    let (page, _) = page_query(&request, &[])?;
    let orders = services.orders.orders_for_user(&user.id, &page).await?;
    Ok(ApiResponse::ok(&summaries(&orders)))
}

/// `GET /orders/{orderId}`: the caller's order with its lines, totals, payment state and
/// history.
pub async fn get_order(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let actor = actor_of(signed_in(&request)?);
    let id = request.path_id("orderId", OrderId::parse)?;
    let order = orders::order_for(services, &id, &actor).await?;
    Ok(ApiResponse::ok(&order_view(services, order).await?))
}

/// A reason given in a body, checked.
fn checked_reason(reason: &str, checks: &mut Checks) {
    checks.text_length(reason.trim(), 1, MAX_REASON, "reason");
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CancelRequest {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /orders/{orderId}/cancel`: cancels a PENDING, CONFIRMED or PROCESSING order; its
/// stock goes back on sale and its payment is voided or refunded. A cancelled order
/// answers as it is; another status answers 409 with `currentStatus`.
pub async fn cancel_order(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let actor = actor_of(signed_in(&request)?);
    let id = request.path_id("orderId", OrderId::parse)?;
    let body: CancelRequest = if request.body.is_empty() {
        CancelRequest { reason: None }
    } else {
        request.json_body()?
    };
    if let Some(reason) = &body.reason {
        let mut checks = Checks::default();
        checked_reason(reason, &mut checks);
        checks.finish().map_err(ApiError::Invalid)?;
    }
    let reason = body.reason.map(|reason| reason.trim().to_owned());
    let order = Lifecycle::new(services).cancel(&id, &actor, reason).await?;
    Ok(ApiResponse::ok(&order_view(services, order).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReturnBody {
    reason: String,
    lines: Vec<ReturnItem>,
}

/// `POST /orders/{orderId}/return`: the shopper asks to send some lines of a DELIVERED
/// order back, within the return window counted from delivery.
pub async fn request_return(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let actor = actor_of(signed_in(&request)?);
    let id = request.path_id("orderId", OrderId::parse)?;
    let body: ReturnBody = request.json_body()?;
    let mut checks = Checks::default();
    checked_reason(&body.reason, &mut checks);
    checks.require(
        body.lines.len() <= crate::domain::inventory::MAX_RESERVATION_LINES,
        "lines",
        "name each returned SKU once",
    );
    checks.finish().map_err(ApiError::Invalid)?;
    let order = Lifecycle::new(services)
        .request_return(&id, &actor, &body.lines, body.reason.trim().to_owned())
        .await?;
    Ok(ApiResponse::ok(&order_view(services, order).await?))
}
