//! How long the shop serves what it reads often from memory, whichever stores it is on.

use time::Duration;

/// How long the local shop serves the catalog from memory. Its own writes drop the cache
/// at once, so this only bounds how stale a second shop on the same data can be.
pub(crate) const CATALOG_CACHE: Duration = Duration::seconds(5);
/// How long search serves the stock levels from memory; writes through this shop drop
/// them at once, so this only bounds how stale a second shop on the same data can be.
pub(crate) const STOCK_CACHE: Duration = Duration::seconds(1);
