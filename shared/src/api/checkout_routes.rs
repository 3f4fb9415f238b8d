//! `POST /checkout`: translation only. The caller's cart becomes an order in
//! [`checkout::place_order`]; this module reads the request, keys it for replay and
//! renders the answer. Reading and changing the order later is in [`super::order_routes`]
//! and [`super::admin_orders`].

use http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::idempotency::{idempotency_key, replayable};
use super::rate_limited::count_request;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::checkout::{self, order_id_for, scoped_key, CheckoutRequest, Destination};
use crate::application::Services;
use crate::domain::address::AddressInput;
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::{AddressId, OrderId};
use crate::domain::mail::EmailAddress;
use crate::domain::orders::{Order, OrderLine, OrderStatus, Totals};
use crate::domain::payments::PaymentMethod;

/// The body of a quote: where the order would go, who is billed, a coupon.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QuoteBody {
    #[serde(default)]
    shipping_address: Option<AddressInput>,
    #[serde(default)]
    shipping_address_id: Option<AddressId>,
    #[serde(default)]
    billing_address: Option<AddressInput>,
    #[serde(default)]
    coupon_code: Option<String>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckoutBody {
    /// The payment method, as the gateway's client library tokenized it.
    payment_token: String,
    /// What kind of method the token stands for; `CARD` when absent.
    #[serde(default)]
    payment_method: PaymentMethod,
    /// A flash sale's purchase token, for the sale's SKU at the sale price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purchase_token: Option<String>,
    /// A quote whose totals the order is charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quote_id: Option<String>,
    /// A coupon's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    coupon_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shipping_address: Option<AddressInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shipping_address_id: Option<AddressId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_address: Option<AddressInput>,
}

impl CheckoutBody {
    /// The checkout the body asks for, correlated by `correlation_id`.
    fn into_request(
        self,
        correlation_id: CorrelationId,
        contact_email: Option<EmailAddress>,
    ) -> CheckoutRequest {
        let body = self;
        CheckoutRequest {
            correlation_id,
            contact_email,
            payment_token: body.payment_token,
            payment_method: body.payment_method,
            purchase_token: body.purchase_token,
            quote_id: body.quote_id,
            coupon_code: body.coupon_code,
            destination: Destination {
                shipping_address: body.shipping_address,
                shipping_address_id: body.shipping_address_id,
                billing_address: body.billing_address,
            },
        }
    }
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

fn placed(order: &Order) -> ApiResponse {
    let placed = Placed {
        order_id: order.id,
        status: order.status,
        totals: order.totals,
        lines: &order.lines,
        reservation_expires_at: order.reservation_expires_at,
    };
    ApiResponse::json(StatusCode::ACCEPTED, &placed)
        .with_header("location", &format!("/orders/{}", order.id))
}

/// `POST /checkout`: turns the caller's cart into a PENDING order, reserves its stock at
/// once and starts the checkout saga. The same `Idempotency-Key` with the same body
/// answers what the first request answered; with another body, 422.
pub async fn place_order(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = request.signed_in("check out")?;
    count_request(services, &request)?;
    let key = idempotency_key(&request)?;
    let body: CheckoutBody = request.json_body()?;
    replayable(services, &scoped_key(&user.id, &key), &body, || async {
        let order_id = order_id_for(&user.id, &key);
        let checkout_request = body
            .clone()
            .into_request(request.correlation_id.clone(), user.email.clone());
        let order = checkout::place_order(services, &user.id, order_id, &checkout_request).await?;
        Ok(placed(&order))
    })
    .await
}

/// `POST /checkout/quote`: the caller's cart priced as checkout would price it, with a
/// `quoteId` that checks out at exactly these totals until `priceGuaranteedUntil`.
pub async fn quote_checkout(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = request.signed_in("get a quote")?;
    count_request(services, &request)?;
    let body: QuoteBody = request.json_body()?;
    let destination = Destination {
        shipping_address: body.shipping_address,
        shipping_address_id: body.shipping_address_id,
        billing_address: body.billing_address,
    };
    let quote = checkout::quote(
        services,
        &user.id,
        &destination,
        body.coupon_code.as_deref(),
    )
    .await?;
    Ok(ApiResponse::ok(&quote))
}
