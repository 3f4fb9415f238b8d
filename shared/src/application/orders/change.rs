//! The one read-decide-write of an order: read it, let the caller decide, and write it
//! conditionally on the version read; when another writer got there first, read again
//! and decide again. The lifecycle's operations, the saga's steps, the sweeper and
//! checkout all change orders through [`change_order`].

use time::OffsetDateTime;

use crate::application::actor::Actor;
use crate::application::error::ShopError;
use crate::domain::ids::OrderId;
use crate::domain::orders::{Order, OrderStatus, OrderStore};
use crate::domain::store::retry_on_conflict;

/// What a caller decided about the order it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Write the changed order.
    Write,
    /// The order is where the change would take it already, or the change no longer
    /// applies: write nothing.
    AlreadyDone,
}

/// The order after [`change_order`], and whether this call wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub order: Order,
    pub written: bool,
}

/// `order` moved to `to` by `actor`, or already there.
pub fn move_to(
    order: &mut Order,
    to: OrderStatus,
    actor: &Actor,
    reason: Option<String>,
    now: OffsetDateTime,
) -> Result<Decision, ShopError> {
    if order.status == to {
        return Ok(Decision::AlreadyDone);
    }
    order.transition(to, &actor.name(), reason, now)?;
    Ok(Decision::Write)
}

/// Reads the order `id` (which must exist for `actor`), lets `decide` change it, and
/// writes it conditionally on the version read; reads and decides again when another
/// write got there first. [`ShopError::Busy`] when others keep winning.
pub async fn change_order<F>(
    orders: &dyn OrderStore,
    id: &OrderId,
    actor: &Actor,
    decide: F,
) -> Result<Changed, ShopError>
where
    F: Fn(&mut Order) -> Result<Decision, ShopError>,
{
    retry_on_conflict(|| async {
        let mut order = orders
            .order(id)
            .await?
            .filter(|order| actor.may_see(order))
            .ok_or(ShopError::NotFound(*id))?;
        if decide(&mut order)? == Decision::AlreadyDone {
            return Ok(Changed {
                order,
                written: false,
            });
        }
        orders.update(&order).await?;
        Ok(Changed {
            order,
            written: true,
        })
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost(&format!("order {id}")))
}
