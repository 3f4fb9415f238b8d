//! Checkout, the whole flow:
//!
//! 1. [`place_order`] (`POST /checkout`): the cart, priced afresh, becomes a PENDING order;
//!    its stock is reserved at once, so the shopper learns at once whether they got it;
//!    then the saga starts, its execution named after the order.
//! 2. The saga ([`CHECKOUT_ASL`], run by Step Functions or the local runner) calls the
//!    steps of [`SagaTasks`]: reserve → authorize payment (waiting for the gateway's
//!    webhook, see [`crate::application::payments`]) → confirm, and the compensations that
//!    undo them. Each failure is a [`TaskError`] the ASL's Retry and Catch match.
//!
//! Every step is idempotent: Step Functions (or the local runner) may run it again after
//! a timeout, a crash or a retry, and the second run changes nothing the first did.

/// The checkout saga's definition, embedded so the local shop runs from anywhere; the
/// same file Terraform gives Step Functions.
pub const CHECKOUT_ASL: &str = include_str!("../../../../statemachines/checkout.asl.json");

/// The saga's PutEvents states (in [`CHECKOUT_ASL`]) and the outcome each publishes.
pub const OUTCOME_STATES: [(&str, EventType); 3] = [
    ("PublishOrderConfirmed", EventType::OrderConfirmed),
    ("PublishOrderCancelled", EventType::OrderCancelled),
    ("PublishOrderFailed", EventType::OrderFailed),
];

mod choices;
mod events;
mod place;
mod quote;
mod saga;
mod task_error;

use crate::domain::events::EventType;

pub use choices::{CheckoutRequest, Destination};
pub use events::put_events_entry;
pub use place::{order_id_for, place_order, scoped_key, SAGA_START_ATTEMPTS};
pub use quote::{quote, QuoteLine, QuoteView};
pub use saga::{SagaTasks, TASK_FUNCTIONS};
pub use task_error::TaskError;
