//! The port through which the search indexer hands its search index to the functions
//! that search: whole snapshots, the newest of which wins. A snapshot is published over
//! the one it was built on, so two indexers at once cannot lose each other's changes.

use async_trait::async_trait;

use crate::domain::store::StoreError;

/// Which snapshot: changes with every one published, equal for the same one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotVersion(pub String);

/// Where snapshots of the search index ([`SearchIndex::snapshot`]) are published and
/// fetched.
///
/// [`SearchIndex::snapshot`]: super::SearchIndex::snapshot
#[async_trait]
pub trait IndexSnapshots: Send + Sync {
    /// Publishes `snapshot` as the newest, and says which version it is; only if the
    /// newest is still `over` (`None`: only if there is none yet), else
    /// [`StoreError::Conflict`] and nothing changes.
    async fn publish(
        &self,
        snapshot: Vec<u8>,
        over: Option<&SnapshotVersion>,
    ) -> Result<SnapshotVersion, StoreError>;

    /// The newest snapshot's version, without fetching it; `None` before the first.
    async fn newest_version(&self) -> Result<Option<SnapshotVersion>, StoreError>;

    /// The newest snapshot and its version; `None` before the first.
    async fn newest(&self) -> Result<Option<(SnapshotVersion, Vec<u8>)>, StoreError>;
}
