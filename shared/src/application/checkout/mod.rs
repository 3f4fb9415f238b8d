//! Checkout: the saga's steps (reserve → pay → confirm, and the compensations that undo
//! them), the events they publish, and the settings they share. The HTTP side —
//! placing an order, the payment webhook — is in [`crate::api`].
//!
//! Every step is idempotent: Step Functions (or the local runner) may run it again after
//! a timeout, a crash or a retry, and the second run changes nothing the first did.

/// The checkout saga's definition, embedded so the local shop runs from anywhere; the
/// same file Terraform gives Step Functions.
pub const CHECKOUT_ASL: &str = include_str!("../../../../statemachines/checkout.asl.json");

mod events;
mod task_error;
mod tasks;

pub use events::put_events_entry;
pub use task_error::TaskError;
pub use tasks::{SagaTasks, TASK_FUNCTIONS};
