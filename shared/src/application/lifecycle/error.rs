//! Why a lifecycle operation was refused or failed, and who asked for it.

use crate::domain::events::PublishError;
use crate::domain::ids::{OrderId, UserId};
use crate::domain::inventory::InventoryError;
use crate::domain::orders::{IllegalTransition, Order, OrderStatus, ReturnRefused};
use crate::domain::payments::GatewayError;
use crate::domain::store::StoreError;
use crate::domain::validation::FieldError;
use crate::domain::workflow::WorkflowError;

/// Who changes an order; named in its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The shopper who placed the order; other orders do not exist for them.
    Shopper(UserId),
    /// A member of the admin group: any order, named `admin:<user id>` in histories.
    Operator(UserId),
    /// The payment gateway, through its signed webhook.
    Gateway,
}

impl Actor {
    /// The signed-in `user` as the actor of a shopper route: an admin may act on any
    /// order, anyone else on their own.
    pub fn for_user(user: &crate::api::auth::User) -> Actor {
        if user.admin {
            Actor::Operator(user.id.clone())
        } else {
            Actor::Shopper(user.id.clone())
        }
    }

    /// How the order's history names this actor.
    pub fn name(&self) -> String {
        match self {
            Actor::Shopper(user) => user.to_string(),
            Actor::Operator(user) => format!("admin:{user}"),
            Actor::Gateway => "payment-gateway".to_owned(),
        }
    }

    /// Whether the order exists for this actor.
    pub fn may_see(&self, order: &Order) -> bool {
        match self {
            Actor::Shopper(user) => order.user_id == *user,
            Actor::Operator(_) | Actor::Gateway => true,
        }
    }
}

/// Everything a lifecycle operation can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// No such order, or not one the actor may see.
    #[error("no order {0}")]
    NotFound(OrderId),
    /// The order's status does not allow the change; `current` is where it is.
    #[error("{detail}")]
    WrongStatus {
        current: OrderStatus,
        detail: String,
    },
    /// The request names things the order does not have (return lines).
    #[error("the request does not fit the order")]
    Invalid(Vec<FieldError>),
    /// Other writers kept changing the order; the caller may try again.
    #[error("order {0} keeps changing; try again")]
    Busy(OrderId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error("the payment gateway: {0}")]
    Gateway(#[from] GatewayError),
    #[error("the checkout saga: {0}")]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A fault of ours, such as an event that cannot be built.
    #[error("{0}")]
    Internal(String),
}

impl From<IllegalTransition> for LifecycleError {
    fn from(refused: IllegalTransition) -> Self {
        LifecycleError::WrongStatus {
            current: refused.current,
            detail: refused.to_string(),
        }
    }
}

impl From<ReturnRefused> for LifecycleError {
    fn from(refused: ReturnRefused) -> Self {
        match refused {
            ReturnRefused::Lines(fields) => LifecycleError::Invalid(fields),
            ReturnRefused::NotDelivered(current) => LifecycleError::WrongStatus {
                current,
                detail: refused.to_string(),
            },
            ReturnRefused::WindowClosed { .. } => LifecycleError::WrongStatus {
                current: OrderStatus::Delivered,
                detail: refused.to_string(),
            },
        }
    }
}

impl From<serde_json::Error> for LifecycleError {
    fn from(error: serde_json::Error) -> Self {
        LifecycleError::Internal(format!("an event could not be built: {error}"))
    }
}
