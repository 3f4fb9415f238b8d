//! Everything the handlers need from the outside, built once per process.

use std::sync::Arc;

use crate::clock::{Clock, IdSource};
use crate::money::Currency;
use crate::ports::{CartStore, CatalogStore};

/// The ports and settings a handler may use.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<dyn CatalogStore>,
    pub carts: Arc<dyn CartStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    /// The one currency the shop sells in.
    pub currency: Currency,
}
