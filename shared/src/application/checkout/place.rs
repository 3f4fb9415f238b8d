//! Placing an order (`POST /checkout`): the shopper's cart, priced afresh, becomes a
//! PENDING order with a price snapshot; its stock is reserved inline, in one transaction,
//! so the shopper learns at once whether they got it (and in a flash sale the many who
//! did not never reach the saga); only then does the checkout saga start, its execution
//! named after the order so that a retried start is a no-op.
//!
//! The order's id follows from the shopper and their idempotency key
//! ([`order_id_for`]): a retry after a crash finds the same order, the same reservation
//! and the same execution, and publishes the same events.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::application::actor::Actor;
use crate::application::carts::cart_products;
use crate::application::checkout::choices::{choices, CheckoutRequest};
use crate::application::checkout::quote::{charged_as_quoted, filled_cart, priced};
use crate::application::coupons;
use crate::application::error::ShopError;
use crate::application::flash_sales::{self, SaleLine};
use crate::application::orders::{change_order, move_to, Decision};
use crate::application::Services;
use crate::domain::backoff::{retry_while, Backoff};
use crate::domain::events;
use crate::domain::ids::{OrderId, Sku, UserId};
use crate::domain::inventory::{InventoryError, MAX_RESERVATION_LINES};
use crate::domain::orders::{CheckoutChoices, Order, OrderStatus};
use crate::domain::store::StoreError;
use crate::domain::validation::FieldError;
use crate::domain::workflow::WorkflowError;

const ORDER_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_6f72_6465_7273);
/// How often a checkout tries to start its saga while Step Functions throttles starts.
pub const SAGA_START_ATTEMPTS: usize = 6;
/// The waits between those tries: from up to 50 ms, doubling to at most 800 ms, about 2
/// seconds in all, randomized so that the throttled checkouts of one second do not
/// return together.
const SAGA_START_BACKOFF: Backoff = Backoff {
    attempts: SAGA_START_ATTEMPTS,
    first_wait: Duration::from_millis(50),
    longest_wait: Duration::from_millis(800),
};

/// A checkout's idempotency key as the shop keeps it: `user`'s own, for checkouts.
pub fn scoped_key(user: &UserId, key: &str) -> String {
    format!("checkout:{user}:{key}")
}

/// The order a checkout by `user` under the idempotency key `key` makes: the same for
/// every retry of it.
pub fn order_id_for(user: &UserId, key: &str) -> OrderId {
    OrderId::from_uuid(Uuid::new_v5(
        &ORDER_NAMESPACE,
        scoped_key(user, key).as_bytes(),
    ))
}

fn invalid(field: &str, message: impl Into<String>) -> ShopError {
    ShopError::Invalid(vec![FieldError::new(field, message)])
}

/// Turns `user`'s cart into the PENDING order `order_id`, to be sent to the request's
/// shipping address, reserves its stock and starts the checkout saga, which pays with
/// its payment token. With a flash sale's purchase token, the sale's SKU is priced at the
/// sale price and its units come from those the token holds. Out of stock fails the
/// order and answers [`ShopError::OutOfStock`] naming the SKUs. Asked again for the same
/// order, it answers the same.
pub async fn place_order(
    services: &Services,
    user: &UserId,
    order_id: OrderId,
    request: &CheckoutRequest,
) -> Result<Order, ShopError> {
    let choices = choices(services, user, request).await?;
    let sale_line = match request.purchase_token.as_deref() {
        Some(token) => Some(flash_sales::sale_line(services, user, token).await?),
        None => None,
    };
    let order = match services.orders.order(&order_id).await? {
        Some(existing) if existing.user_id == *user => existing,
        Some(_) => {
            return Err(ShopError::Conflict(
                "this Idempotency-Key belongs to another order".into(),
            ))
        }
        None => {
            create_order(
                services,
                user,
                order_id,
                sale_line.as_ref(),
                request,
                choices,
            )
            .await?
        }
    };
    if order.status == OrderStatus::Failed {
        return Err(ShopError::OutOfStock {
            order_id: order.id,
            skus: order.out_of_stock.clone(),
        });
    }
    reserve(services, &order, sale_line.as_ref()).await?;
    let input = json!({
        "orderId": order.id,
        "correlationId": order.correlation_id,
        "paymentToken": request.payment_token,
        "reservationTtlSeconds": services.checkout.reservation_ttl.whole_seconds(),
    });
    start_saga(services, &order.id, &input).await?;
    tracing::info!(order_id = %order.id, total = order.totals.total.amount, "order placed");
    Ok(order)
}

/// Starts the order's saga, waiting and trying again while the engine throttles starts
/// (a flash sale starts more executions per second than Step Functions takes). Still
/// throttled after [`SAGA_START_ATTEMPTS`], the buyer is told to come back: the order
/// and its reserved stock are kept, and the same request starts the saga then.
async fn start_saga(
    services: &Services,
    order_id: &OrderId,
    input: &Value,
) -> Result<(), ShopError> {
    let name = order_id.to_string();
    let start = || async {
        let started = services.workflow.start(&name, input.clone()).await;
        if let Err(error @ WorkflowError::Throttled(_)) = &started {
            tracing::warn!(order_id = %order_id, %error, "saga start throttled");
        }
        started
    };
    retry_while(SAGA_START_BACKOFF, start, |error| {
        matches!(error, WorkflowError::Throttled(_))
    })
    .await?;
    Ok(())
}

/// Prices the caller's cart afresh and stores the PENDING order, sent and paid as
/// `choices` say, having claimed the units of `sale_line` it buys.
async fn create_order(
    services: &Services,
    user: &UserId,
    order_id: OrderId,
    sale_line: Option<&SaleLine>,
    request: &CheckoutRequest,
    choices: CheckoutChoices,
) -> Result<Order, ShopError> {
    let now = services.clock.now();
    let cart = filled_cart(services, user).await?;
    if cart.lines.len() > MAX_RESERVATION_LINES {
        return Err(invalid(
            "cart",
            format!("checkout takes at most {MAX_RESERVATION_LINES} lines"),
        ));
    }
    let coupon = match &request.coupon_code {
        Some(code) => Some(coupons::usable_coupon(services, code).await?),
        None => None,
    };
    let products = cart_products(services, &cart).await?;
    let sale = sale_line.map(|line| (&line.sale.sku, line.sale.sale_price));
    let priced = priced(services, &cart, &products, sale, coupon.as_ref())?;
    if !priced.unavailable.is_empty() {
        let skus: Vec<String> = priced.unavailable.iter().map(ToString::to_string).collect();
        return Err(invalid(
            "cart",
            format!(
                "no longer sold: {}; remove them to check out",
                skus.join(", ")
            ),
        ));
    }
    let (lines, totals) = match &request.quote_id {
        Some(quote_id) => {
            charged_as_quoted(services, user, quote_id, coupon.as_ref(), &cart, &priced)?
        }
        None => (priced.lines, priced.totals),
    };
    let order = Order {
        coupon_code: coupon.as_ref().map(|coupon| coupon.code.clone()),
        correlation_id: Some(request.correlation_id.clone()),
        contact_email: request.contact_email.clone(),
        ..Order::place(
            order_id,
            user.clone(),
            lines,
            totals,
            now + services.checkout.reservation_ttl,
            now,
        )
        .with_choices(choices)
    };
    if let Some(coupon) = &coupon {
        coupons::redeem(services, coupon, user, &order_id).await?;
    }
    if let Some(line) = sale_line {
        let claimed = match order.quantity_of(&line.sale.sku) {
            0 => Err(invalid(
                "purchaseToken",
                format!("the cart has no {} to buy with it", line.sale.sku),
            )),
            quantity => flash_sales::claim(services, line, &order_id, quantity).await,
        };
        if let Err(refused) = claimed {
            coupons::give_back(services, &order).await?;
            return Err(refused);
        }
    }
    match services.orders.create(&order).await {
        Ok(()) => Ok(order),
        Err(StoreError::AlreadyExists) => services
            .orders
            .order(&order_id)
            .await?
            .ok_or_else(|| StoreError::Unavailable("the order is being created".into()).into()),
        Err(error) => Err(error.into()),
    }
}

/// Reserves the order's stock inline, the units of `sale_line` drawn from its hold, and
/// publishes OrderPlaced and InventoryReserved. Out of stock (the sale's hold gone back
/// to stock included) fails the order and takes back its claim on the sale's units.
async fn reserve(
    services: &Services,
    order: &Order,
    sale_line: Option<&SaleLine>,
) -> Result<(), ShopError> {
    let now = services.clock.now();
    let (lines, expires_at) = (order.stock_lines(), order.reservation_expires_at);
    let reserved = match sale_line {
        Some(line) => {
            services
                .inventory
                .reserve_drawing(&order.id, &lines, &line.hold, expires_at, now)
                .await
        }
        None => {
            services
                .inventory
                .reserve(&order.id, &lines, expires_at, now)
                .await
        }
    };
    match reserved {
        Ok(_) => {}
        Err(InventoryError::Store(error)) => return Err(error.into()),
        Err(refusal) => return refuse(services, order, sale_line, refusal).await,
    }
    let mut events = vec![
        events::order_placed(order)?,
        events::inventory_reserved(order)?,
    ];
    if order.coupon_code.is_some() {
        events.push(events::coupon_redeemed(order)?);
    }
    services.events.publish(events).await?;
    Ok(())
}

/// The order's reservation was refused: its claim on the sale's units is taken back and,
/// for lack of stock (a sale's hold gone back to stock included), the order fails.
async fn refuse(
    services: &Services,
    order: &Order,
    sale_line: Option<&SaleLine>,
    refusal: InventoryError,
) -> Result<(), ShopError> {
    if let Some(line) = sale_line {
        let quantity = order.quantity_of(&line.sale.sku);
        flash_sales::unclaim(services, line, &order.id, quantity).await?;
    }
    let skus = match refusal {
        InventoryError::OutOfStock(skus) => skus,
        InventoryError::HoldUnavailable => sale_line
            .map(|line| line.sale.sku.clone())
            .into_iter()
            .collect(),
        other => return Err(invalid("cart", other.to_string())),
    };
    fail_for_stock(services, order, &skus).await?;
    Err(ShopError::OutOfStock {
        order_id: order.id,
        skus,
    })
}

/// The order FAILED for lack of `skus`, and OrderFailed published.
async fn fail_for_stock(services: &Services, order: &Order, skus: &[Sku]) -> Result<(), ShopError> {
    let reason = "out of stock".to_owned();
    let now = services.clock.now();
    let failed = change_order(
        services.orders.as_ref(),
        &order.id,
        &Actor::Checkout,
        |order| {
            let decision = move_to(
                order,
                OrderStatus::Failed,
                &Actor::Checkout,
                Some(reason.clone()),
                now,
            )?;
            if decision == Decision::Write {
                order.out_of_stock = skus.to_vec();
            }
            Ok(decision)
        },
    )
    .await?;
    let event = events::order_failed(&failed.order, reason, now)?;
    services.events.publish(vec![event]).await?;
    Ok(())
}
