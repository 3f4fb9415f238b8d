//! The life of an order after checkout, run against the stores: the shopper cancels
//! ([`cancel`](Lifecycle::cancel)) or asks to return, an operator processes, ships,
//! delivers and approves returns, and the payment gateway's refund completes a return
//! ([`request_return`](Lifecycle::request_return) and what follows).
//!
//! Every operation first makes its status change: one write conditional on the order's
//! version (and so on its status), recorded in its history with who made it, so of two
//! racing changes exactly one wins and the other sees the new status. Then come the
//! follow-ups — stock, payment, events — each idempotent (see
//! [`settlement`](crate::application::settlement)). An operation
//! asked again of an order that already made its change re-runs the follow-ups and
//! changes nothing twice: that is how a retry finishes what a crash interrupted, and why
//! a repeated cancel answers like the first. Events are built from the order itself
//! ([`events`]), so a re-run publishes the very same events, which consumers drop by id.

mod cancel;
mod returns;

pub use cancel::CANCELLED_ERROR;

use time::OffsetDateTime;

use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::application::orders::{change_order, move_to, order_for, Decision};
use crate::application::Services;
use crate::domain::events::{self, DomainEvent};
use crate::domain::ids::OrderId;
use crate::domain::orders::{Order, OrderStatus, Shipment};

/// The lifecycle operations on one shop's [`Services`].
pub struct Lifecycle<'a> {
    services: &'a Services,
}

impl<'a> Lifecycle<'a> {
    /// The operations on `services`.
    pub fn new(services: &'a Services) -> Self {
        Lifecycle { services }
    }

    fn now(&self) -> OffsetDateTime {
        self.services.clock.now()
    }

    /// The order `id`, if `actor` may see it.
    pub async fn order(&self, id: &OrderId, actor: &Actor) -> Result<Order, ShopError> {
        order_for(self.services, id, actor).await
    }

    /// Reads the order, lets `decide` change it at the time of the read, and writes it
    /// conditionally on the version read (see [`change_order`]).
    async fn change<F>(&self, id: &OrderId, actor: &Actor, decide: F) -> Result<Order, ShopError>
    where
        F: Fn(&mut Order, OffsetDateTime) -> Result<Decision, ShopError>,
    {
        let changed = change_order(self.services.orders.as_ref(), id, actor, |order| {
            decide(order, self.now())
        })
        .await?;
        Ok(changed.order)
    }

    async fn publish(
        &self,
        events: Vec<Result<DomainEvent, serde_json::Error>>,
    ) -> Result<(), ShopError> {
        let events = events.into_iter().collect::<Result<Vec<_>, _>>()?;
        self.services.events.publish(events).await?;
        Ok(())
    }

    /// CONFIRMED → PROCESSING: an operator starts picking and packing.
    pub async fn process(&self, id: &OrderId, actor: &Actor) -> Result<Order, ShopError> {
        let order = self
            .change(id, actor, |order, now| {
                move_to(order, OrderStatus::Processing, actor, None, now)
            })
            .await?;
        self.publish(vec![events::order_processing(&order)]).await?;
        Ok(order)
    }

    /// PROCESSING → SHIPPED with `carrier` and `tracking_number`. Shipping again with the
    /// same parcel changes nothing; with another, it is refused.
    pub async fn ship(
        &self,
        id: &OrderId,
        actor: &Actor,
        carrier: String,
        tracking_number: String,
    ) -> Result<Order, ShopError> {
        let order = self
            .change(id, actor, |order, now| {
                if order.status == OrderStatus::Shipped {
                    let same = order.shipment.as_ref().is_some_and(|shipment| {
                        shipment.carrier == carrier && shipment.tracking_number == tracking_number
                    });
                    return if same {
                        Ok(Decision::AlreadyDone)
                    } else {
                        Err(ShopError::WrongStatus {
                            current: OrderStatus::Shipped,
                            detail: "the order was shipped already, with another parcel".into(),
                        })
                    };
                }
                let shipment = Shipment {
                    carrier: carrier.clone(),
                    tracking_number: tracking_number.clone(),
                    shipped_at: now,
                    ship_to: None,
                };
                order.ship(shipment, &actor.name(), now)?;
                Ok(Decision::Write)
            })
            .await?;
        self.publish(vec![events::order_shipped(&order)]).await?;
        Ok(order)
    }

    /// SHIPPED → DELIVERED: the carrier delivered; the return window opens.
    pub async fn deliver(&self, id: &OrderId, actor: &Actor) -> Result<Order, ShopError> {
        let order = self
            .change(id, actor, |order, now| {
                move_to(order, OrderStatus::Delivered, actor, None, now)
            })
            .await?;
        self.publish(vec![events::order_delivered(&order)]).await?;
        Ok(order)
    }
}
