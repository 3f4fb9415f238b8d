//! The search index's snapshots behind a function's `searchIndex` grant: fetching needs
//! `read`, publishing needs `write` (on AWS: the S3 actions on the snapshot bucket that
//! Terraform grants for the same manifest field).

use std::sync::Arc;

use async_trait::async_trait;

use super::Grant;
use crate::adapters::access::manifest::Access;
use crate::domain::catalog::{IndexSnapshots, SnapshotVersion};
use crate::domain::store::StoreError;

/// [`IndexSnapshots`] that pass calls through only within the function's grant.
pub struct GuardedSnapshots {
    inner: Arc<dyn IndexSnapshots>,
    grant: Grant,
}

impl GuardedSnapshots {
    /// `inner` for `function`, which holds `granted` on the snapshots.
    pub fn new(inner: Arc<dyn IndexSnapshots>, function: &str, granted: Option<Access>) -> Self {
        GuardedSnapshots {
            inner,
            grant: Grant::new(function, "the search index's snapshots", granted),
        }
    }

    fn check(&self, needed: Access) -> Result<&dyn IndexSnapshots, StoreError> {
        self.grant.check(needed)?;
        Ok(self.inner.as_ref())
    }
}

#[async_trait]
impl IndexSnapshots for GuardedSnapshots {
    async fn publish(
        &self,
        snapshot: Vec<u8>,
        over: Option<&SnapshotVersion>,
    ) -> Result<SnapshotVersion, StoreError> {
        self.check(Access::Write)?.publish(snapshot, over).await
    }

    async fn newest_version(&self) -> Result<Option<SnapshotVersion>, StoreError> {
        self.check(Access::Read)?.newest_version().await
    }

    async fn newest(&self) -> Result<Option<(SnapshotVersion, Vec<u8>)>, StoreError> {
        self.check(Access::Read)?.newest().await
    }
}
