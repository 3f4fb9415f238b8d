//! The consumers' dead letters behind a function's `deadLetters` grant: listing needs
//! `read`, parking and redriving need `write` (on AWS: the SQS actions on the dead-letter
//! and consumer queues that Terraform grants for the same manifest field).

use std::sync::Arc;

use async_trait::async_trait;

use super::refusal;
use crate::adapters::access::manifest::Access;
use crate::domain::events::{DeadLetter, DeadLetters};
use crate::domain::store::{Page, PageRequest, StoreError};

/// [`DeadLetters`] that pass calls through only within the function's grant.
pub struct GuardedDeadLetters {
    inner: Arc<dyn DeadLetters>,
    function: String,
    granted: Option<Access>,
}

impl GuardedDeadLetters {
    /// `inner` for `function`, which holds `granted` on the dead letters.
    pub fn new(inner: Arc<dyn DeadLetters>, function: &str, granted: Option<Access>) -> Self {
        GuardedDeadLetters {
            inner,
            function: function.to_owned(),
            granted,
        }
    }

    fn check(&self, needed: Access) -> Result<&dyn DeadLetters, StoreError> {
        if self.granted.is_some_and(|granted| granted.allows(needed)) {
            return Ok(self.inner.as_ref());
        }
        Err(StoreError::NotGranted(refusal(
            &self.function,
            &format!("{needed} the dead letters"),
        )))
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
