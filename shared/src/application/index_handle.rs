//! A process's search index as the use cases hold it: the index, where its snapshots
//! come from (or go to), the lock that lets one request at a time bring it up to date,
//! and what the last look at the snapshots found.

use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;

use crate::domain::catalog::{IndexSnapshots, SearchIndex, SnapshotVersion};

/// What this process last learnt of the snapshots.
#[derive(Clone, Debug, Default)]
pub struct SnapshotsSeen {
    /// When it last looked for a newer one.
    pub checked_at: Option<OffsetDateTime>,
    /// The snapshot its index was restored from or last published as; `None` when it
    /// was built from the stores with no snapshot to go on.
    pub base: Option<SnapshotVersion>,
    /// Whether the index holds changes (or a build from the stores) not yet published.
    pub unpublished: bool,
}

impl SnapshotsSeen {
    /// The snapshot the index holds just as it is, if it does.
    pub fn holding(&self) -> Option<&SnapshotVersion> {
        self.base.as_ref().filter(|_| !self.unpublished)
    }
}

/// A process's search index, its snapshots, and the lock that lets one request at a time
/// bring it up to date.
#[derive(Clone)]
pub struct IndexHandle {
    pub index: Arc<dyn SearchIndex>,
    /// Where the index's snapshots are published; `None` when the process builds its
    /// index from the stores alone (the local shop).
    pub snapshots: Option<Arc<dyn IndexSnapshots>>,
    updating: Arc<tokio::sync::Mutex<()>>,
    seen: Arc<Mutex<SnapshotsSeen>>,
}

impl IndexHandle {
    /// `index`, built from the stores alone.
    pub fn new(index: Arc<dyn SearchIndex>) -> Self {
        IndexHandle {
            index,
            snapshots: None,
            updating: Arc::default(),
            seen: Arc::default(),
        }
    }

    /// `index`, kept in step with `snapshots`.
    pub fn with_snapshots(index: Arc<dyn SearchIndex>, snapshots: Arc<dyn IndexSnapshots>) -> Self {
        IndexHandle {
            snapshots: Some(snapshots),
            ..IndexHandle::new(index)
        }
    }

    /// The same index, lock and record, with `wrap` around its snapshots (if it has any).
    pub fn wrapping_snapshots(
        &self,
        wrap: impl FnOnce(Arc<dyn IndexSnapshots>) -> Arc<dyn IndexSnapshots>,
    ) -> IndexHandle {
        IndexHandle {
            snapshots: self.snapshots.clone().map(wrap),
            ..self.clone()
        }
    }

    /// The lock held while the index is brought up to date.
    pub fn updating(&self) -> &tokio::sync::Mutex<()> {
        &self.updating
    }

    /// What this process last learnt of the snapshots.
    pub fn seen(&self) -> SnapshotsSeen {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Remembers what this process learnt of the snapshots.
    pub fn saw(&self, seen: SnapshotsSeen) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = seen;
    }
}
