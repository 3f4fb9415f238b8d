//! Everything the handlers need from the outside, built once per process.

use std::sync::Arc;

use crate::checkout::CheckoutSettings;
use crate::clock::{Clock, IdSource};
use crate::events::EventPublisher;
use crate::inventory::InventoryStore;
use crate::money::Currency;
use crate::ports::{CartStore, CatalogStore, IdempotencyStore, OrderStore, PaymentStore};
use crate::workflow::Workflow;

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
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// The one currency the shop sells in.
    pub currency: Currency,
    pub checkout: CheckoutSettings,
}
