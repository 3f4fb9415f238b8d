//! The life of an order after checkout, run against the stores: the shopper cancels
//! ([`cancel`](Lifecycle::cancel)) or asks to return, an operator processes, ships,
//! delivers and approves returns, and the payment gateway's refund completes a return
//! ([`request_return`](Lifecycle::request_return) and what follows).
//!
//! Every operation first makes its status change: one write conditional on the order's
//! version (and so on its status), recorded in its history with who made it, so of two
//! racing changes exactly one wins and the other sees the new status. Then come the
//! follow-ups — stock, payment, events — each idempotent (see [`settle`]). An operation
//! asked again of an order that already made its change re-runs the follow-ups and
//! changes nothing twice: that is how a retry finishes what a crash interrupted, and why
//! a repeated cancel answers like the first. Events are built from the order itself
//! ([`events`]), so a re-run publishes the very same events, which consumers drop by id.

mod cancel;
mod error;
mod returns;
pub mod settle;

pub use cancel::CANCELLED_ERROR;
pub use error::{Actor, LifecycleError};

use time::OffsetDateTime;

use crate::application::Services;
use crate::domain::events::{self, DomainEvent};
use crate::domain::ids::OrderId;
use crate::domain::orders::{Order, OrderStatus, Shipment};
use crate::domain::store::StoreError;

/// How often a write that lost a race is re-read and tried again.
const WRITE_ATTEMPTS: usize = 5;

/// What an operation decided about the order it read.
enum Decision {
    /// Write the changed order.
    Write,
    /// The order is where the operation would take it already; write nothing.
    AlreadyDone,
}

/// `order` moved to `to` by `actor`, or already there.
fn move_to(
    order: &mut Order,
    to: OrderStatus,
    actor: &Actor,
    reason: Option<String>,
    now: OffsetDateTime,
) -> Result<Decision, LifecycleError> {
    if order.status == to {
        return Ok(Decision::AlreadyDone);
    }
    order.transition(to, &actor.name(), reason, now)?;
    Ok(Decision::Write)
}

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
    pub async fn order(&self, id: &OrderId, actor: &Actor) -> Result<Order, LifecycleError> {
        self.services
            .orders
            .order(id)
            .await?
            .filter(|order| actor.may_see(order))
            .ok_or(LifecycleError::NotFound(*id))
    }

    /// Reads the order, lets `decide` change it, and writes it conditionally on the
    /// version read; re-reads and decides again when another write got there first.
    async fn change<F>(
        &self,
        id: &OrderId,
        actor: &Actor,
        decide: F,
    ) -> Result<Order, LifecycleError>
    where
        F: Fn(&mut Order, OffsetDateTime) -> Result<Decision, LifecycleError>,
    {
        for _ in 0..WRITE_ATTEMPTS {
            let mut order = self.order(id, actor).await?;
            match decide(&mut order, self.now())? {
                Decision::AlreadyDone => return Ok(order),
                Decision::Write => {}
            }
            match self.services.orders.update(&order).await {
                Ok(()) => return Ok(order),
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(LifecycleError::Busy(*id))
    }

    async fn publish(
        &self,
        events: Vec<Result<DomainEvent, serde_json::Error>>,
    ) -> Result<(), LifecycleError> {
        let events = events.into_iter().collect::<Result<Vec<_>, _>>()?;
        self.services.events.publish(events).await?;
        Ok(())
    }

    /// CONFIRMED → PROCESSING: an operator starts picking and packing.
    pub async fn process(&self, id: &OrderId, actor: &Actor) -> Result<Order, LifecycleError> {
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
    ) -> Result<Order, LifecycleError> {
        let order = self
            .change(id, actor, |order, now| {
                if order.status == OrderStatus::Shipped {
                    let same = order.shipment.as_ref().is_some_and(|shipment| {
                        shipment.carrier == carrier && shipment.tracking_number == tracking_number
                    });
                    return if same {
                        Ok(Decision::AlreadyDone)
                    } else {
                        Err(LifecycleError::WrongStatus {
                            current: OrderStatus::Shipped,
                            detail: "the order was shipped already, with another parcel".into(),
                        })
                    };
                }
                let shipment = Shipment {
                    carrier: carrier.clone(),
                    tracking_number: tracking_number.clone(),
                    shipped_at: now,
                };
                order.ship(shipment, &actor.name(), now)?;
                Ok(Decision::Write)
            })
            .await?;
        self.publish(vec![events::order_shipped(&order)]).await?;
        Ok(order)
    }

    /// SHIPPED → DELIVERED: the carrier delivered; the return window opens.
    pub async fn deliver(&self, id: &OrderId, actor: &Actor) -> Result<Order, LifecycleError> {
        let order = self
            .change(id, actor, |order, now| {
                move_to(order, OrderStatus::Delivered, actor, None, now)
            })
            .await?;
        self.publish(vec![events::order_delivered(&order)]).await?;
        Ok(order)
    }
}
