//! The consumers' dead letters behind a function's `deadLetters` grant: listing needs
//! `read`, parking and redriving need `write` (on AWS: the SQS actions on the dead-letter
//! and consumer queues that Terraform grants for the same manifest field).

use std::sync::Arc;

use async_trait::async_trait;

use super::Grant;
use crate::adapters::access::manifest::Access;
use crate::domain::events::{DeadLetter, DeadLetters};
use crate::domain::store::{Page, PageRequest, StoreError};

/// [`DeadLetters`] that pass calls through only within the function's grant.
pub struct GuardedDeadLetters {
    inner: Arc<dyn DeadLetters>,
    grant: Grant,
}

impl GuardedDeadLetters {
    /// `inner` for `function`, which holds `granted` on the dead letters.
    pub fn new(inner: Arc<dyn DeadLetters>, function: &str, granted: Option<Access>) -> Self {
        GuardedDeadLetters {
            inner,
            grant: Grant::new(function, "the dead letters", granted),
        }
    }

    fn check(&self, needed: Access) -> Result<&dyn DeadLetters, StoreError> {
        self.grant.check(needed)?;
        Ok(self.inner.as_ref())
    }
}

#[async_trait]
impl DeadLetters for GuardedDeadLetters {
    async fn park(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        self.check(Access::Write)?.park(letter).await
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<DeadLetter>, StoreError> {
        self.check(Access::Read)?.list(page).await
    }

    async fn redrive(&self, id: &str) -> Result<Option<DeadLetter>, StoreError> {
        self.check(Access::Write)?.redrive(id).await
    }
}
