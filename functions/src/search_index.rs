//! The search index of a function that keeps one: tantivy in its memory, and the
//! snapshots in the bucket its `searchIndex` grant names, used within that grant. Only
//! the functions that search or index call this, so only they link tantivy.

use std::sync::Arc;

use mambogo::adapters::access::guarded::GuardedSnapshots;
use mambogo::adapters::s3_snapshots::S3Snapshots;
use mambogo::adapters::search_index::TantivyIndex;
use mambogo::application::index_handle::IndexHandle;
use mambogo::domain::catalog::SearchIndex;

use crate::services::FunctionServices;

/// The index handle of the function `built`: an empty index, fed by the snapshots of its
/// bucket when it is granted one.
pub fn index_handle(built: &FunctionServices) -> IndexHandle {
    let index: Arc<dyn SearchIndex> = Arc::new(TantivyIndex::new());
    let Some(bucket) = &built.config.search_index_bucket else {
        return IndexHandle::new(index);
    };
    let function = &built.config.function;
    let snapshots = S3Snapshots::new(aws_sdk_s3::Client::new(&built.sdk_config), bucket);
    IndexHandle::with_snapshots(
        index,
        Arc::new(GuardedSnapshots::new(
            Arc::new(snapshots),
            &function.name,
            function.search_index,
        )),
    )
}
