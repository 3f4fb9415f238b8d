//! The ports and settings every use case takes, built once per process by an entry
//! point (a Lambda's cold start, the local shop).

use std::sync::Arc;

use time::Duration;

use crate::application::index_handle::IndexHandle;
use crate::application::metrics::MetricsSink;
use crate::application::rate_limits::RateLimits;
use crate::application::settings::CheckoutSettings;
use crate::domain::address_book::AddressBookStore;
use crate::domain::cart::CartStore;
use crate::domain::catalog::CatalogStore;
use crate::domain::clock::{Clock, IdSource};
use crate::domain::coupons::CouponStore;
use crate::domain::events::{DeadLetters, EventPublisher};
use crate::domain::flash_sale::FlashSaleStore;
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::inventory::InventoryStore;
use crate::domain::journal::OrderJournal;
use crate::domain::mail::{EmailAddress, Mailer};
use crate::domain::money::Currency;
use crate::domain::operations::{NotificationOutbox, OperationsLog};
use crate::domain::orders::OrderStore;
use crate::domain::payments::PaymentGateway;
use crate::domain::payments::PaymentStore;
use crate::domain::reviews::ReviewStore;
use crate::domain::workflow::Workflow;

/// The ports and settings a handler may use.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<dyn CatalogStore>,
    pub carts: Arc<dyn CartStore>,
    pub inventory: Arc<dyn InventoryStore>,
    pub orders: Arc<dyn OrderStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub events: Arc<dyn EventPublisher>,
    pub workflow: Arc<dyn Workflow>,
    /// The payment gateway, for routes that void or refund (cancelling an order,
    /// approving a return). A function not granted the gateway's key gets one that
    /// refuses every call.
    pub gateway: Arc<dyn PaymentGateway>,
    /// Events consumers gave up on: the local bus's dead letters, or the consumers' SQS
    /// dead-letter queues on AWS; [`NoDeadLetters`](crate::domain::events::NoDeadLetters) for a
    /// function that may not touch them.
    pub dead_letters: Arc<dyn DeadLetters>,
    /// Messages for shoppers and operators, and what became of each.
    pub notifications: Arc<dyn NotificationOutbox>,
    /// Sends e-mail: SES on AWS, `.eml` files under the local shop's data folder.
    pub mailer: Arc<dyn Mailer>,
    /// Where the operators' notifications (low stock) are mailed; not mailed without.
    pub operators_email: Option<EmailAddress>,
    /// What the scheduled jobs report.
    pub operations: Arc<dyn OperationsLog>,
    /// Orders' journals: the events about each and what the consumers made of them.
    pub journal: Arc<dyn OrderJournal>,
    /// Flash sales and their waiting rooms' tickets.
    pub flash_sales: Arc<dyn FlashSaleStore>,
    /// Shoppers' address books.
    pub address_books: Arc<dyn AddressBookStore>,
    /// Coupons and their redemptions.
    pub coupons: Arc<dyn CouponStore>,
    /// Reviews and products' ratings.
    pub reviews: Arc<dyn ReviewStore>,
    /// This process's search index; `None` for a function that does not search.
    pub search_index: Option<IndexHandle>,
    /// How old the search index may grow before a search rebuilds it from the stores;
    /// `None` when every change reaches it (one process, as the local shop).
    pub index_refresh: Option<Duration>,
    /// Where business metrics are counted, by the use cases and the count-events
    /// consumer: the local shop's Prometheus registry, EMF lines on AWS.
    pub metrics: Arc<dyn MetricsSink>,
    /// The rate limits' buckets of this process, shared by every route that counts.
    pub rate_limits: Arc<RateLimits>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// The one currency the shop sells in.
    pub currency: Currency,
    pub checkout: CheckoutSettings,
}
