//! Domain events: what happened to an order, its payment and its stock, and to the
//! catalog, in the shape every reader shares.
//!
//! An event is published on EventBridge as `source` (`mambogo.<service>`), `detail-type`
//! (the [`EventType`]'s PascalCase name) and `detail`, which always carries `eventId`,
//! `occurredAt` and `version` (and `orderId`, when it is about an order) beside the fields
//! of its [`payloads`] struct.
//! The contracts live outside the code, in the workspace's `events/` folder: a JSON Schema
//! and an example per detail type, and the rules that route events to consumers, which
//! both Terraform and the local bus read.

pub mod dead_letters;
mod domain_event;
mod event_type;
mod of_catalog;
mod of_flash_sale;
mod of_order;
pub mod payloads;
mod ports;

pub use dead_letters::{DeadLetter, DeadLetters, NoDeadLetters};
pub use domain_event::{DomainEvent, EnvelopeError, DETAIL_VERSION};
pub use event_type::EventType;
pub use of_catalog::{category_changed, product_changed, stock_changed};
pub use of_flash_sale::flash_sale_sold_out;
pub use of_order::{
    coupon_redeemed, coupon_released, event_id, inventory_released, inventory_reserved,
    order_cancelled, order_confirmed, order_delivered, order_failed, order_placed,
    order_processing, order_refunded, order_returned, order_shipped, payment_answered,
    return_requested,
};
pub use ports::{ConsumeError, EventConsumer, EventPublisher, PublishError};
