//! Why a saga step failed, named the way the state machine's `Retry` and `Catch` match.

use crate::application::error::ShopError;
use crate::domain::events::PublishError;
use crate::domain::ids::Sku;
use crate::domain::inventory::InventoryError;
use crate::domain::payments::GatewayError;
use crate::domain::store::StoreError;
use crate::domain::workflow::WorkflowError;

/// A failed saga step.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TaskError {
    /// Some SKUs lack stock; the order fails.
    #[error("out of stock: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    OutOfStock(Vec<Sku>),
    /// The gateway refused the payment.
    #[error("payment declined: {0}")]
    PaymentDeclined(String),
    /// The order's reservation was released (it expired) before the order was confirmed.
    #[error("the reservation is gone: {0}")]
    ReservationLost(String),
    /// The order is not in a state this step can work on.
    #[error("{0}")]
    WrongState(String),
    /// Retrying later may succeed: a store or the gateway was unavailable or busy.
    #[error("transient: {0}")]
    Transient(String),
    /// The step's input is not what the state machine should send.
    #[error("invalid task input: {0}")]
    InvalidInput(String),
    /// The step's function reached for a table, the event bus or a workflow action that
    /// `functions/manifest.json` does not grant it; retrying cannot help.
    #[error("{0}")]
    NotGranted(String),
}

impl TaskError {
    /// The human-readable cause that travels with the error name. For
    /// [`TaskError::OutOfStock`] it is JSON (`{"outOfStock": [...], "message": ...}`) so
    /// that the step that fails the order can name the SKUs.
    pub fn cause(&self) -> String {
        match self {
            TaskError::OutOfStock(skus) => serde_json::json!({
                "outOfStock": skus,
                "message": self.to_string(),
            })
            .to_string(),
            other => other.to_string(),
        }
    }

    /// The error name Step Functions sees (a Lambda's `errorType`), which the ASL file's
    /// `Retry` and `Catch` clauses list. This is the one place these names are made.
    pub fn error_name(&self) -> &'static str {
        match self {
            TaskError::OutOfStock(_) => "OutOfStock",
            TaskError::PaymentDeclined(_) => "PaymentDeclined",
            TaskError::ReservationLost(_) => "ReservationLost",
            TaskError::WrongState(_) => "WrongState",
            TaskError::Transient(_) => "Transient",
            TaskError::InvalidInput(_) => "InvalidTaskInput",
            TaskError::NotGranted(_) => "NotGranted",
        }
    }
}

impl From<StoreError> for TaskError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Corrupt(detail) => {
                TaskError::WrongState(format!("unreadable data: {detail}"))
            }
            StoreError::NotGranted(detail) => TaskError::NotGranted(detail),
            other => TaskError::Transient(other.to_string()),
        }
    }
}

impl From<InventoryError> for TaskError {
    fn from(error: InventoryError) -> Self {
        match error {
            InventoryError::OutOfStock(skus) => TaskError::OutOfStock(skus),
            InventoryError::Store(store) => store.into(),
            other => TaskError::WrongState(other.to_string()),
        }
    }
}

impl From<GatewayError> for TaskError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Declined(reason) => TaskError::PaymentDeclined(reason),
            GatewayError::Unavailable(detail) => TaskError::Transient(detail),
            other => TaskError::WrongState(other.to_string()),
        }
    }
}

impl From<WorkflowError> for TaskError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::NotGranted(detail) => TaskError::NotGranted(detail),
            other => TaskError::Transient(other.to_string()),
        }
    }
}

impl From<PublishError> for TaskError {
    fn from(error: PublishError) -> Self {
        match error {
            PublishError::NotGranted(detail) => TaskError::NotGranted(detail),
            other => TaskError::Transient(other.to_string()),
        }
    }
}

impl From<ShopError> for TaskError {
    /// A use case's failure as a step's error, named for the state machine's Retry and
    /// Catch: the one place the application's error becomes a step's.
    fn from(error: ShopError) -> Self {
        match error {
            ShopError::Store(error) => error.into(),
            ShopError::Inventory(error) => error.into(),
            ShopError::Gateway(error) => error.into(),
            ShopError::Workflow(error) => error.into(),
            ShopError::Publish(error) => error.into(),
            ShopError::Busy(_) => TaskError::Transient(error.to_string()),
            ShopError::OutOfStock { skus, .. } => TaskError::OutOfStock(skus),
            ShopError::NotFound(_) | ShopError::Missing(_) | ShopError::Invalid(_) => {
                TaskError::InvalidInput(error.to_string())
            }
            other => TaskError::WrongState(other.to_string()),
        }
    }
}
