//! The consumer that empties a shopper's cart once their order is confirmed.

use std::sync::Arc;

use async_trait::async_trait;
use time::Duration;

use crate::domain::cart::CartStore;
use crate::domain::clock::Clock;
use crate::domain::events::payloads::OrderConfirmed;
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer, EventType};
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::ids::CartId;
use crate::domain::store::retry_on_conflict;

/// The consumer's name: the target of its rule in `events/rules/`, and its key in the
/// handled-events ledger.
pub const CLEAR_CART: &str = "clear-cart";
/// How long a handled event id is remembered; redeliveries come within minutes.
const REMEMBER_HANDLED: Duration = Duration::days(7);

/// Empties the cart of the user whose order was confirmed, once per event.
pub struct ClearCartOnConfirmation {
    pub carts: Arc<dyn CartStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl EventConsumer for ClearCartOnConfirmation {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        if event.event_type != EventType::OrderConfirmed {
            return Ok(());
        }
        let event_id = event
            .event_id()
            .ok_or_else(|| ConsumeError("the event has no eventId".into()))?
            .to_string();
        if self
            .idempotency
            .handled(CLEAR_CART, &event_id)
            .await
            .map_err(ConsumeError::of)?
        {
            return Ok(());
        }
        let confirmed: OrderConfirmed = event.payload().map_err(ConsumeError::of)?;
        let cart_id = CartId::for_user(&confirmed.user_id);
        retry_on_conflict(|| async {
            let now = self.clock.now();
            let Some(mut cart) = self.carts.cart(&cart_id, now).await? else {
                return Ok(());
            };
            if cart.lines.is_empty() {
                return Ok(());
            }
            cart.lines.clear();
            cart.touch(now);
            self.carts.save(&cart, now).await
        })
        .await
        .map_err(ConsumeError::of)?;
        let remember_until = self.clock.now() + REMEMBER_HANDLED;
        self.idempotency
            .record_handled(CLEAR_CART, &event_id, remember_until)
            .await
            .map_err(ConsumeError::of)
    }
}
