//! Orders as the use cases read and change them: one helper that every status change
//! goes through ([`change_order`]), and an order as shoppers and operators see it, with
//! its payment.

mod change;
mod timeline;

pub use change::{change_order, move_to, Changed, Decision};
pub use timeline::order_timeline;

use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::OrderId;
use crate::domain::orders::Order;
use crate::domain::payments::Payment;

/// The span of work on the order `id`: every line logged in it names the order and, when
/// known, its correlation id (the request that placed it).
pub fn order_span(id: &OrderId, correlation_id: Option<&CorrelationId>) -> tracing::Span {
    tracing::info_span!(
        "order",
        order_id = %id,
        correlation_id = correlation_id.map(tracing::field::display),
    )
}

/// The order `id`, if `actor` may see it.
pub async fn order_for(
    services: &Services,
    id: &OrderId,
    actor: &Actor,
) -> Result<Order, ShopError> {
    services
        .orders
        .order(id)
        .await?
        .filter(|order| actor.may_see(order))
        .ok_or(ShopError::NotFound(*id))
}

/// `order` with its payment, if it has one yet.
pub async fn with_payment(
    services: &Services,
    order: Order,
) -> Result<(Order, Option<Payment>), ShopError> {
    let payment = services.payments.payment(&order.id).await?;
    Ok((order, payment))
}
