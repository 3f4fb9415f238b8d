//! A process's search index as the use cases hold it: the index, and the lock that lets
//! one request at a time rebuild it.

use std::sync::Arc;

use crate::domain::catalog::SearchIndex;

/// A process's search index, and the lock that lets one request at a time rebuild it.
#[derive(Clone)]
pub struct IndexHandle {
    pub index: Arc<dyn SearchIndex>,
    rebuilding: Arc<tokio::sync::Mutex<()>>,
}

impl IndexHandle {
    /// `index`, not being rebuilt.
    pub fn new(index: Arc<dyn SearchIndex>) -> Self {
        IndexHandle {
            index,
            rebuilding: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The lock a rebuild holds.
    pub fn rebuilding(&self) -> &tokio::sync::Mutex<()> {
        &self.rebuilding
    }
}
