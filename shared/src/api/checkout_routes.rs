//! Placing an order (`POST /checkout`). Reading and changing it later is in
//! [`super::order_routes`] and [`super::admin_orders`].

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::api::auth::User;
use crate::application::Services;
use crate::domain::events::{event_id, order_failed};
use crate::domain::events::{payloads, DomainEvent, EventType};
use crate::domain::idempotency::{IdempotencyClaim, StoredResponse};
use crate::domain::ids::{CartId, OrderId};
use crate::domain::inventory::{InventoryError, MAX_RESERVATION_LINES};
use crate::domain::money::Money;
use crate::domain::orders::{Order, OrderLine, OrderStatus, Totals};
use crate::domain::store::StoreError;
use crate::domain::workflow::WorkflowError;

/// The header that makes a retried checkout safe.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
const ORDER_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_6f72_6465_7273);

#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckoutRequest {
    /// The payment method, as the gateway's client library tokenized it.
    payment_token: String,
}

/// The answer to an accepted checkout.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Placed<'a> {
    order_id: OrderId,
    status: OrderStatus,
    totals: Totals,
    lines: &'a [OrderLine],
    #[serde(with = "time::serde::rfc3339")]
    reservation_expires_at: OffsetDateTime,
}

fn signed_in(request: &ApiRequest) -> Result<&User, ApiError> {
    request
        .caller
        .user()
        .ok_or_else(|| ApiError::Unauthorized("sign in to check out".into()))
}

fn idempotency_key(request: &ApiRequest) -> Result<String, ApiError> {
    let key = request.header(IDEMPOTENCY_KEY_HEADER).ok_or_else(|| {
        ApiError::malformed(
            "Idempotency-Key",
            "is required: a unique value per checkout attempt, such as a UUID",
        )
    })?;
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::malformed(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key.to_owned())
}

/// `POST /checkout`: turns the caller's cart into a PENDING order, reserves its stock at
/// once and starts the checkout saga. The same `Idempotency-Key` with the same body
/// answers what the first request answered; with another body, 422.
pub async fn place_order(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = signed_in(&request)?.clone();
    let key = idempotency_key(&request)?;
    let body: CheckoutRequest = request.json_body()?;
    // The parsed request, written back, is the same for bodies that differ only in layout.
    let canonical =
        serde_json::to_vec(&body).map_err(|error| ApiError::Internal(error.to_string()))?;
    let fingerprint = hex::encode(Sha256::digest(&canonical));
    let scoped_key = format!("checkout:{}:{key}", user.id);
    let now = services.clock.now();
    let claim = services
        .idempotency
        .claim(
            &scoped_key,
            &fingerprint,
            now,
            now + services.checkout.idempotency_ttl,
        )
        .await?;
    match claim {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Replay(stored) => return Ok(replay(&stored)),
        IdempotencyClaim::InProgress => {
            return Err(ApiError::Conflict(
                "a checkout with this Idempotency-Key is still in progress".into(),
            ))
        }
        IdempotencyClaim::Mismatch => {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "was already used for a checkout with a different body",
            ))
        }
    }
    // The order id follows from the key, so a retry after a crash finds the same order.
    let order_id = OrderId::from_uuid(Uuid::new_v5(&ORDER_NAMESPACE, scoped_key.as_bytes()));
    let outcome = checkout(services, &user, order_id, body).await;
    let response = match &outcome {
        Ok(response) => Some(response.clone()),
        Err(error) if error.status().is_client_error() => Some(error.clone().into_response()),
        Err(_) => None,
    };
    match response {
        Some(response) => {
            let stored = StoredResponse {
                status: response.status.as_u16(),
                body: String::from_utf8_lossy(&response.body).into_owned(),
            };
            services.idempotency.complete(&scoped_key, &stored).await?;
        }
        None => services.idempotency.release(&scoped_key).await?,
    }
    outcome
}

fn replay(stored: &StoredResponse) -> ApiResponse {
    let body: Value = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = ApiResponse::json(status, &body);
    if status.is_client_error() {
        response.set_header("content-type", "application/problem+json");
    }
    response.with_header("idempotent-replayed", "true")
}

async fn checkout(
    services: &Services,
    user: &User,
    order_id: OrderId,
    body: CheckoutRequest,
) -> Result<ApiResponse, ApiError> {
    let token_ok = body.payment_token.starts_with("tok_")
        && (5..=64).contains(&body.payment_token.len())
        && body
            .payment_token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !token_ok {
        return Err(ApiError::invalid(
            "paymentToken",
            "must be a payment token such as tok_approve",
        ));
    }
    let order = match services.orders.order(&order_id).await? {
        Some(existing) if existing.user_id == user.id => existing,
        Some(_) => {
            return Err(ApiError::Conflict(
                "this Idempotency-Key belongs to another order".into(),
            ))
        }
        None => create_order(services, user, order_id).await?,
    };
    if order.status == OrderStatus::Failed {
        return Err(ApiError::OutOfStock {
            order_id: order.id,
            skus: order.out_of_stock.clone(),
        });
    }
    reserve(services, &order).await?;
    let input = json!({
        "orderId": order.id,
        "paymentToken": body.payment_token,
        "reservationTtlSeconds": services.checkout.reservation_ttl.whole_seconds(),
    });
    services
        .workflow
        .start(&order.id.to_string(), input)
        .await
        .map_err(|error| match error {
            WorkflowError::Unavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Internal(other.to_string()),
        })?;
    tracing::info!(order_id = %order.id, total = order.totals.total.amount, "order placed");
    let placed = Placed {
        order_id: order.id,
        status: order.status,
        totals: order.totals,
        lines: &order.lines,
        reservation_expires_at: order.reservation_expires_at,
    };
    Ok(ApiResponse::json(StatusCode::ACCEPTED, &placed)
        .with_header("location", &format!("/orders/{}", order.id)))
}

/// Prices the caller's cart afresh and stores the PENDING order.
async fn create_order(
    services: &Services,
    user: &User,
    order_id: OrderId,
) -> Result<Order, ApiError> {
    let now = services.clock.now();
    let cart = services
        .carts
        .cart(&CartId::for_user(&user.id), now)
        .await?
        .filter(|cart| !cart.lines.is_empty())
        .ok_or_else(|| ApiError::invalid("cart", "the cart is empty"))?;
    if cart.lines.len() > MAX_RESERVATION_LINES {
        return Err(ApiError::invalid(
            "cart",
            format!("checkout takes at most {MAX_RESERVATION_LINES} lines"),
        ));
    }
    let products = super::cart_routes::cart_products(services, &cart).await?;
    let mut lines = Vec::with_capacity(cart.lines.len());
    let mut unavailable = Vec::new();
    let mut subtotal = Money::zero(services.currency);
    for line in &cart.lines {
        let variant = products
            .get(&line.product_id)
            .filter(|product| product.active)
            .and_then(|product| product.variant(&line.sku));
        let Some(variant) = variant else {
            unavailable.push(line.sku.to_string());
            continue;
        };
        let unit_price = variant.effective_price();
        let line_total = unit_price
            .times(line.quantity)
            .map_err(|error| ApiError::invalid("cart", error.to_string()))?;
        subtotal = subtotal
            .checked_add(line_total)
            .map_err(|error| ApiError::invalid("cart", error.to_string()))?;
        lines.push(OrderLine {
            product_id: line.product_id.clone(),
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price,
            line_total,
        });
    }
    if !unavailable.is_empty() {
        return Err(ApiError::invalid(
            "cart",
            format!(
                "no longer sold: {}; remove them to check out",
                unavailable.join(", ")
            ),
        ));
    }
    let totals = services
        .checkout
        .pricing
        .totals(subtotal)
        .map_err(|error| ApiError::invalid("cart", error.to_string()))?;
    let order = Order::place(
        order_id,
        user.id.clone(),
        lines,
        totals,
        now + services.checkout.reservation_ttl,
        now,
    );
    match services.orders.create(&order).await {
        Ok(()) => Ok(order),
        Err(StoreError::AlreadyExists) => services
            .orders
            .order(&order_id)
            .await?
            .ok_or_else(|| ApiError::Unavailable("the order is being created".into())),
        Err(error) => Err(error.into()),
    }
}

/// Reserves the order's stock inline, so the shopper learns at once whether they got it.
/// Out of stock fails the order and answers 409 naming the SKUs.
async fn reserve(services: &Services, order: &Order) -> Result<(), ApiError> {
    let lines = order.stock_lines();
    let now = services.clock.now();
    match services
        .inventory
        .reserve(&order.id, &lines, order.reservation_expires_at, now)
        .await
    {
        Ok(_) => {}
        Err(InventoryError::OutOfStock(skus)) => {
            fail_for_stock(services, order, &skus).await?;
            return Err(ApiError::OutOfStock {
                order_id: order.id,
                skus,
            });
        }
        Err(InventoryError::Store(error)) => return Err(error.into()),
        Err(other) => return Err(ApiError::invalid("cart", other.to_string())),
    }
    let placed = DomainEvent::new(
        EventType::OrderPlaced,
        event_id(&order.id, EventType::OrderPlaced, ""),
        order.id,
        now,
        payloads::OrderPlaced {
            user_id: order.user_id.clone(),
            total: order.totals.total,
            lines: order
                .lines
                .iter()
                .map(|line| payloads::EventLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                })
                .collect(),
            reservation_expires_at: order.reservation_expires_at,
        },
    );
    let reserved = DomainEvent::new(
        EventType::InventoryReserved,
        event_id(&order.id, EventType::InventoryReserved, ""),
        order.id,
        now,
        payloads::InventoryReserved {
            lines: lines
                .iter()
                .map(|line| payloads::StockQuantity {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect(),
            expires_at: order.reservation_expires_at,
        },
    );
    let events = vec![
        placed.map_err(|error| ApiError::Internal(error.to_string()))?,
        reserved.map_err(|error| ApiError::Internal(error.to_string()))?,
    ];
    services
        .events
        .publish(events)
        .await
        .map_err(ApiError::from)
}

async fn fail_for_stock(
    services: &Services,
    order: &Order,
    skus: &[crate::domain::ids::Sku],
) -> Result<(), ApiError> {
    let mut failed = order.clone();
    let reason = "out of stock".to_owned();
    failed
        .transition(
            OrderStatus::Failed,
            "checkout",
            Some(reason.clone()),
            services.clock.now(),
        )
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    failed.out_of_stock = skus.to_vec();
    services.orders.update(&failed).await?;
    let event = order_failed(&failed, reason, services.clock.now())
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    services
        .events
        .publish(vec![event])
        .await
        .map_err(ApiError::from)
}
