//! Who changes an order: named in its history.

use crate::domain::ids::UserId;
use crate::domain::orders::Order;

/// Who changes an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The shopper who placed the order; other orders do not exist for them.
    Shopper(UserId),
    /// A member of the admin group: any order, named `admin:<user id>` in histories.
    Operator(UserId),
    /// The payment gateway, through its signed webhook.
    Gateway,
    /// `POST /checkout`, failing an order whose stock is short.
    Checkout,
    /// The checkout saga's steps.
    Saga,
    /// The scheduled sweeper.
    Sweeper,
}

impl Actor {
    /// How the order's history names this actor.
    pub fn name(&self) -> String {
        match self {
            Actor::Shopper(user) => user.to_string(),
            Actor::Operator(user) => format!("admin:{user}"),
            Actor::Gateway => "payment-gateway".to_owned(),
            Actor::Checkout => "checkout".to_owned(),
            Actor::Saga => "checkout-saga".to_owned(),
            Actor::Sweeper => "sweeper".to_owned(),
        }
    }

    /// Whether the order exists for this actor.
    pub fn may_see(&self, order: &Order) -> bool {
        match self {
            Actor::Shopper(user) => order.user_id == *user,
            _ => true,
        }
    }
}
