//! The consumer that gives an order's use of its coupon back when the order fails or is
//! cancelled, so the coupon may be used again.

use async_trait::async_trait;

use crate::application::coupons::give_back;
use crate::application::Services;
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer, EventType};

/// The consumer's name: the target of its rule in `events/rules/`.
pub const RELEASE_COUPON: &str = "release-coupon";

/// Gives back the coupon redemption of an order that failed or was cancelled. The store
/// gives each redemption back once, however often the event is delivered.
pub struct ReleaseCouponOfEndedOrder {
    pub services: Services,
}

#[async_trait]
impl EventConsumer for ReleaseCouponOfEndedOrder {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        if !matches!(
            event.event_type,
            EventType::OrderFailed | EventType::OrderCancelled
        ) {
            return Ok(());
        }
        let order_id = event
            .order_id()
            .ok_or_else(|| ConsumeError("the event has no orderId".into()))?;
        let Some(order) = self
            .services
            .orders
            .order(&order_id)
            .await
            .map_err(ConsumeError::of)?
        else {
            return Ok(());
        };
        give_back(&self.services, &order)
            .await
            .map_err(ConsumeError::of)
    }
}
