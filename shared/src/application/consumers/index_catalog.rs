//! The `index-catalog` consumer: keeps the search index in step with the catalog. It
//! lists again a product that changed or whose stock moved, rebuilds the index when a
//! category changed ([`indexing::follow`]), and after each batch that changed the index
//! publishes its snapshot where the process has somewhere to publish it (the indexer on
//! AWS; locally the shop's one index needs none).
//!
//! Indexers may run side by side on AWS. Each publishes over the snapshot it started
//! from; one that finds it superseded restores the newest and follows its batch again,
//! then publishes over that.

use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use crate::application::indexing::{self, Publication};
use crate::application::Services;
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer};

/// The consumer's name: the target of its rule in `events/rules/` and its function.
pub const INDEX_CATALOG: &str = "index-catalog";
/// How many times a batch is published before it is given back to the queue.
const PUBLISH_ATTEMPTS: usize = 5;

/// Follows catalog and stock events into the process's search index.
pub struct IndexCatalog {
    /// The services of the `index-catalog` function, holding the index it keeps.
    pub services: Services,
    /// The events of the batch being handled, to follow again on a newer snapshot.
    batch: Mutex<Vec<DomainEvent>>,
}

impl IndexCatalog {
    /// The consumer keeping the index of `services`.
    pub fn new(services: Services) -> Self {
        IndexCatalog {
            services,
            batch: Mutex::default(),
        }
    }
}

#[async_trait]
impl EventConsumer for IndexCatalog {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        indexing::follow(&self.services, event)
            .await
            .map_err(ConsumeError::of)?;
        self.batch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    }

    async fn finish_batch(&self) -> Result<(), ConsumeError> {
        let batch = std::mem::take(&mut *self.batch.lock().unwrap_or_else(PoisonError::into_inner));
        for _ in 0..PUBLISH_ATTEMPTS {
            match indexing::publish_snapshot(&self.services)
                .await
                .map_err(ConsumeError::of)?
            {
                Publication::Superseded => {
                    indexing::catch_up(&self.services)
                        .await
                        .map_err(ConsumeError::of)?;
                    for event in &batch {
                        indexing::follow(&self.services, event)
                            .await
                            .map_err(ConsumeError::of)?;
                    }
                }
                Publication::Published(_) | Publication::Unneeded => return Ok(()),
            }
        }
        Err(ConsumeError(format!(
            "other indexers published first {PUBLISH_ATTEMPTS} times; the batch goes back to the queue"
        )))
    }
}
