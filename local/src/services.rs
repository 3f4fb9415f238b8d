//! The embedded adapters behind the local shop's ports.

use std::sync::Arc;

use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::sqlite::{SqliteCarts, SqliteCatalog, SqliteDb};
use mambogo::api::Services;
use mambogo::clock::{Clock, RandomIds, SystemClock};
use mambogo::demo::seed_demo_catalog;
use mambogo::money::Currency;
use mambogo::ports::StoreError;
use time::Duration;

use crate::config::DataLocation;

/// How long the local shop serves the catalog from memory. Its own writes drop the cache
/// at once, so this only bounds how stale a second shop on the same file can be.
const CATALOG_CACHE: Duration = Duration::seconds(5);

/// Opens the data and builds the services; seeds the demo catalog if asked and empty.
pub async fn local_services(data: &DataLocation, seed_demo: bool) -> Result<Services, StoreError> {
    let db = match data {
        DataLocation::File(path) => SqliteDb::open(path)?,
        DataLocation::Memory => SqliteDb::in_memory()?,
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let catalog = Arc::new(CachedCatalog::new(
        Arc::new(SqliteCatalog::new(db.clone())),
        Arc::clone(&clock),
        CATALOG_CACHE,
    ));
    if seed_demo {
        let added = seed_demo_catalog(catalog.as_ref()).await?;
        if added > 0 {
            tracing::info!(products = added, "demo catalog loaded");
        }
    }
    Ok(Services {
        catalog,
        carts: Arc::new(SqliteCarts::new(db)),
        clock,
        ids: Arc::new(RandomIds),
        currency: Currency::USD,
    })
}
