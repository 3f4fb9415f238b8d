//! The application layer's one error: why a use case of the shop was refused or failed.
//! The api layer maps it to HTTP once ([`crate::api::ApiError`]), the saga to a Step
//! Functions error name once ([`crate::application::checkout::TaskError`]).

use crate::domain::address_book::AddressBookError;
use crate::domain::cart::CartError;
use crate::domain::events::PublishError;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::InventoryError;
use crate::domain::orders::{IllegalTransition, OrderStatus, ReturnRefused, Totals};
use crate::domain::payments::{GatewayError, IllegalPaymentTransition};
use crate::domain::store::{LostRace, StoreError};
use crate::domain::validation::FieldError;
use crate::domain::workflow::WorkflowError;

/// Everything a use case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// No such order, or not one the actor may see.
    #[error("no order {0}")]
    NotFound(OrderId),
    /// Something else the request names does not exist: `what` says what.
    #[error("{0}")]
    Missing(String),
    /// The caller may not touch what the request names: a user's cart addressed as a
    /// guest's.
    #[error("{0}")]
    Forbidden(String),
    /// What the request asks for conflicts with what is stored (a SKU of another
    /// product, a key of another order, stock below the reserved units).
    #[error("{0}")]
    Conflict(String),
    /// The order's status does not allow the change; `current` is where it is.
    #[error("{detail}")]
    WrongStatus {
        current: OrderStatus,
        detail: String,
    },
    /// The request breaks a rule, field by field (return lines the order lacks, an
    /// empty cart, a price that does not add up).
    #[error("the request breaks a rule")]
    Invalid(Vec<FieldError>),
    /// The quote a checkout named no longer holds (it expired, or the cart changed):
    /// nothing was reserved; `totals` is what the cart costs now.
    #[error("{detail}")]
    QuoteChanged { detail: String, totals: Totals },
    /// Checkout found too little stock: the order was created and failed.
    #[error("not enough stock for {}", .skus.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    OutOfStock { order_id: OrderId, skus: Vec<Sku> },
    /// The caller sent more requests than its rate limit lets through; it may send the
    /// same again after `retry_after_seconds`.
    #[error("too many requests; try again in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    /// Other writers kept changing the record named; the caller may try again.
    #[error("{0} keeps changing; try again")]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error(transparent)]
    PaymentState(#[from] IllegalPaymentTransition),
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

impl ShopError {
    /// [`ShopError::Busy`] naming `what` when this error is a lost race (other writers
    /// kept changing the record); any other error as it is.
    pub fn busy_if_lost(self, what: &str) -> Self {
        if self.lost_race() {
            ShopError::Busy(what.to_owned())
        } else {
            self
        }
    }
}

impl LostRace for ShopError {
    fn lost_race(&self) -> bool {
        matches!(self, ShopError::Store(StoreError::Conflict))
    }
}

impl From<IllegalTransition> for ShopError {
    fn from(refused: IllegalTransition) -> Self {
        ShopError::WrongStatus {
            current: refused.current,
            detail: refused.to_string(),
        }
    }
}

impl From<AddressBookError> for ShopError {
    fn from(error: AddressBookError) -> Self {
        match error {
            AddressBookError::Full => ShopError::Conflict(error.to_string()),
            AddressBookError::NoSuchAddress(_) => ShopError::Missing(error.to_string()),
        }
    }
}

impl From<ReturnRefused> for ShopError {
    fn from(refused: ReturnRefused) -> Self {
        match refused {
            ReturnRefused::Lines(fields) => ShopError::Invalid(fields),
            ReturnRefused::NotDelivered(current) => ShopError::WrongStatus {
                current,
                detail: refused.to_string(),
            },
            ReturnRefused::WindowClosed { .. } => ShopError::WrongStatus {
                current: OrderStatus::Delivered,
                detail: refused.to_string(),
            },
        }
    }
}

impl From<serde_json::Error> for ShopError {
    fn from(error: serde_json::Error) -> Self {
        ShopError::Internal(format!("an event could not be built: {error}"))
    }
}
