//! Event consumers (`clear-cart`, `notify-shopper`, `stock-alerts`, `release-coupon`,
//! `index-catalog`, `count-events`, `journal-order-events`):
//! each is the target of one rule in `events/rules/`, a Lambda behind an SQS queue on AWS and
//! a consumer of the local bus on one machine. Deliveries may repeat; every consumer
//! acts once per event, but `count-events`, whose metrics are at least once.

mod clear_cart;
mod count_events;
mod index_catalog;
mod journal;
mod mail_notification;
mod notify_shopper;
mod release_coupon;
mod stock_alerts;

pub use clear_cart::{ClearCartOnConfirmation, CLEAR_CART};
pub use count_events::{CountEvents, COUNT_EVENTS};
pub use index_catalog::{IndexCatalog, INDEX_CATALOG};
pub use journal::{JournalOrderEvents, Journaled, JOURNAL_ORDER_EVENTS};
pub use notify_shopper::{notification_for, NotifyShopper, NOTIFY_SHOPPER};
pub use release_coupon::{ReleaseCouponOfEndedOrder, RELEASE_COUPON};
pub use stock_alerts::{stock_low_id, StockAlerts, STOCK_ALERTS};
