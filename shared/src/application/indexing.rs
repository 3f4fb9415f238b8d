//! Keeping a process's search index up to date.
//!
//! Locally the shop builds its index from the stores once and follows every change
//! through the `index-catalog` consumer on its event bus. On AWS one function, the
//! indexer, keeps the index: it starts from the newest snapshot (or the stores, before
//! there is one), follows the same events and publishes a snapshot after every batch
//! that changed something. The searching functions restore the newest snapshot when they
//! start and look for a newer one every [`Services::index_refresh`]; until the first
//! snapshot exists they build their index from the stores, as often.
//!
//! Following an event re-reads what it is about and lists it again, so an event handled
//! twice, late or out of order changes nothing that a later one does not put right.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::application::catalog::availability;
use crate::application::error::ShopError;
use crate::application::index_handle::{IndexHandle, SnapshotsSeen};
use crate::application::Services;
use crate::domain::catalog::{Listing, Product, SearchIndex, SnapshotVersion};
use crate::domain::events::payloads::{
    InventoryReleased, InventoryReserved, OrderReturned, ProductChanged, StockChanged,
};
use crate::domain::events::{DomainEvent, EventType};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::store::StoreError;

/// An index that failed, as the shop's error.
pub fn index_failed(error: impl std::fmt::Display) -> ShopError {
    ShopError::Internal(error.to_string())
}

/// The index of this process; refused for a function that keeps none.
pub fn handle(services: &Services) -> Result<&IndexHandle, ShopError> {
    services
        .search_index
        .as_ref()
        .ok_or_else(|| ShopError::Internal("this function keeps no search index".to_owned()))
}

/// Marks the index as holding what no published snapshot holds.
fn changed(handle: &IndexHandle) {
    handle.saw(SnapshotsSeen {
        unpublished: true,
        ..handle.seen()
    });
}

/// Rebuilds the index from the stores: every product, with its stock, rating and
/// categories. How many products it now holds.
pub async fn rebuild_index(services: &Services) -> Result<usize, ShopError> {
    let handle = handle(services)?;
    let products = services.catalog.all_products().await?;
    let categories = services.catalog.categories().await?;
    let available = availability(services, None).await?;
    let ratings = services.reviews.all_ratings().await?;
    let listings: Vec<Listing> = products
        .iter()
        .map(|product| {
            let rating = ratings.get(&product.id).copied().unwrap_or_default();
            Listing::new(Arc::new(product.clone()), &available, rating, &categories)
        })
        .collect();
    let count = listings.iter().filter(|listing| listing.is_shown()).count();
    handle
        .index
        .rebuild(listings, services.clock.now())
        .map_err(index_failed)?;
    changed(handle);
    tracing::info!(products = count, "search index rebuilt from the stores");
    Ok(count)
}

/// Whether the index must be brought up to date before it answers: never built, or
/// last built (or, with snapshots, last looked at) longer ago than the refresh allows.
fn due(services: &Services, handle: &IndexHandle) -> bool {
    let last = match handle.snapshots {
        Some(_) => handle.seen().checked_at,
        None => handle.index.built_at(),
    };
    match (last, services.index_refresh) {
        (None, _) => true,
        (Some(last), Some(refresh)) => services.clock.now() - last >= refresh,
        (Some(_), None) => false,
    }
}

/// Restores the newest snapshot if it is not the one the index descends from; builds
/// from the stores while there is none, or when it cannot be read.
async fn bring_up_to_date(services: &Services, handle: &IndexHandle) -> Result<(), ShopError> {
    let Some(snapshots) = &handle.snapshots else {
        rebuild_index(services).await?;
        return Ok(());
    };
    let newest = snapshots.newest_version().await?;
    if newest.is_none() {
        rebuild_index(services).await?;
        handle.saw(SnapshotsSeen {
            base: None,
            ..handle.seen()
        });
    } else if newest != handle.seen().base {
        if let Some((version, snapshot)) = snapshots.newest().await? {
            let restored = handle.index.restore(&snapshot);
            handle.saw(SnapshotsSeen {
                base: Some(version.clone()),
                unpublished: restored.is_err(),
                ..handle.seen()
            });
            match restored {
                Ok(()) => {
                    tracing::info!(version = %version.0, bytes = snapshot.len(), "search index snapshot restored");
                }
                Err(error) => {
                    tracing::warn!(version = %version.0, %error, "the newest search index snapshot cannot be read; building from the stores");
                    rebuild_index(services).await?;
                }
            }
        }
    }
    handle.saw(SnapshotsSeen {
        checked_at: Some(services.clock.now()),
        ..handle.seen()
    });
    Ok(())
}

/// Restores the newest snapshot now, whether or not a look was due: for an indexer whose
/// publication was superseded.
pub async fn catch_up(services: &Services) -> Result<(), ShopError> {
    let handle = handle(services)?;
    let _updating = handle.updating().lock().await;
    bring_up_to_date(services, handle).await
}

/// The index, brought up to date first when that is due: by this request, or by the one
/// already doing it.
pub async fn fresh_index(services: &Services) -> Result<&Arc<dyn SearchIndex>, ShopError> {
    let handle = handle(services)?;
    if due(services, handle) {
        let _updating = handle.updating().lock().await;
        if due(services, handle) {
            bring_up_to_date(services, handle).await?;
        }
    }
    Ok(&handle.index)
}

/// Lists `products` again, with their stock and ratings now; nothing changes for one
/// whose listing the index holds just so already.
async fn relist(services: &Services, products: Vec<Product>) -> Result<(), ShopError> {
    if products.is_empty() {
        return Ok(());
    }
    let handle = handle(services)?;
    let categories = services.catalog.categories().await?;
    for product in products {
        let available = availability(services, Some(&product.skus())).await?;
        let rating = services.reviews.rating(&product.id).await?;
        let listing = Listing::new(Arc::new(product), &available, rating, &categories);
        let held = handle
            .index
            .listing(&listing.product.id)
            .map_err(index_failed)?;
        let unchanged = match &held {
            Some(held) => held == &listing,
            None => !listing.is_shown(),
        };
        if !unchanged {
            handle.index.upsert(listing).map_err(index_failed)?;
            changed(handle);
        }
    }
    Ok(())
}

/// Lists the product `id` again, or takes it out if it is gone.
async fn relist_product(services: &Services, id: &ProductId) -> Result<(), ShopError> {
    match services.catalog.product(id).await? {
        Some(product) => relist(services, vec![product]).await,
        None => {
            let handle = handle(services)?;
            if handle.index.listing(id).map_err(index_failed)?.is_some() {
                handle.index.remove(id).map_err(index_failed)?;
                changed(handle);
            }
            Ok(())
        }
    }
}

/// Lists again each product selling one of `skus`.
async fn relist_selling(
    services: &Services,
    skus: impl IntoIterator<Item = Sku>,
) -> Result<(), ShopError> {
    let mut products = BTreeMap::new();
    for sku in skus {
        if let Some(product) = services.catalog.product_by_sku(&sku).await? {
            products.insert(product.id.clone(), product);
        }
    }
    relist(services, products.into_values().collect()).await
}

/// Brings the index in line with what `event` says changed: a product, a category
/// (everything is rebuilt: its name is in every listing below it) or stock.
pub async fn follow(services: &Services, event: &DomainEvent) -> Result<(), ShopError> {
    fresh_index(services).await?;
    match event.event_type {
        EventType::ProductChanged => {
            let changed: ProductChanged = event.payload()?;
            relist_product(services, &changed.product_id).await
        }
        EventType::CategoryChanged => rebuild_index(services).await.map(drop),
        EventType::StockChanged => {
            let changed: StockChanged = event.payload()?;
            relist_selling(services, [changed.sku]).await
        }
        EventType::InventoryReserved => {
            let reserved: InventoryReserved = event.payload()?;
            relist_selling(services, reserved.lines.into_iter().map(|line| line.sku)).await
        }
        EventType::InventoryReleased => {
            let released: InventoryReleased = event.payload()?;
            relist_selling(services, released.lines.into_iter().map(|line| line.sku)).await
        }
        EventType::OrderReturned => {
            let returned: OrderReturned = event.payload()?;
            relist_selling(services, returned.lines.into_iter().map(|line| line.sku)).await
        }
        _ => Ok(()),
    }
}

/// What [`publish_snapshot`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publication {
    /// Nothing: the index holds nothing unpublished, or has nowhere to publish.
    Unneeded,
    /// Published as this version.
    Published(SnapshotVersion),
    /// Another indexer published first: this index's base is no longer the newest, so
    /// its changes must be made again on the newest ([`catch_up`]) before publishing.
    Superseded,
}

/// Publishes a snapshot of the index, over the snapshot it descends from, if it holds
/// what no published snapshot does.
pub async fn publish_snapshot(services: &Services) -> Result<Publication, ShopError> {
    let handle = handle(services)?;
    let Some(snapshots) = &handle.snapshots else {
        return Ok(Publication::Unneeded);
    };
    let seen = handle.seen();
    if !seen.unpublished || handle.index.built_at().is_none() {
        return Ok(Publication::Unneeded);
    }
    let snapshot = handle.index.snapshot().map_err(index_failed)?;
    let bytes = snapshot.len();
    match snapshots.publish(snapshot, seen.base.as_ref()).await {
        Ok(version) => {
            tracing::info!(version = %version.0, bytes, "search index snapshot published");
            handle.saw(SnapshotsSeen {
                base: Some(version.clone()),
                unpublished: false,
                ..seen
            });
            Ok(Publication::Published(version))
        }
        Err(StoreError::Conflict) => {
            tracing::info!("another indexer published first");
            Ok(Publication::Superseded)
        }
        Err(error) => Err(error.into()),
    }
}

/// How many times a rebuild is published before giving up to indexers publishing first.
const REBUILD_ATTEMPTS: usize = 3;

/// Rebuilds the index from the stores and publishes its snapshot over the newest: the
/// recovery when events were lost. How many products it holds, and the version
/// published (`None` for a process with nowhere to publish).
pub async fn rebuild_and_publish(
    services: &Services,
) -> Result<(usize, Option<SnapshotVersion>), ShopError> {
    let handle = handle(services)?;
    let _updating = handle.updating().lock().await;
    for _ in 0..REBUILD_ATTEMPTS {
        let newest = match &handle.snapshots {
            Some(snapshots) => snapshots.newest_version().await?,
            None => None,
        };
        let products = rebuild_index(services).await?;
        handle.saw(SnapshotsSeen {
            base: newest,
            ..handle.seen()
        });
        match publish_snapshot(services).await? {
            Publication::Superseded => continue,
            Publication::Published(version) => return Ok((products, Some(version))),
            Publication::Unneeded => return Ok((products, None)),
        }
    }
    Err(ShopError::Conflict(format!(
        "indexers published {REBUILD_ATTEMPTS} times while the index was rebuilt; try again"
    )))
}
