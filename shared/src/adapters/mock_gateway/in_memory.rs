//! The mock gateway's ledger in memory: the local shop's, forgotten when it stops.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::ledger::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Step, StepOutcome, StepRecorded,
};
use crate::domain::store::StoreError;

#[derive(Default)]
struct Entries {
    /// The reference each authorize idempotency key made.
    references: HashMap<String, String>,
    payments: HashMap<String, MockPayment>,
    /// How each capture/void/refund idempotency key ended.
    steps: HashMap<String, StepOutcome>,
}

/// [`MockLedger`] in memory. It keeps no webhooks: a gateway on it sends them itself.
#[derive(Default)]
pub struct InMemoryLedger {
    entries: Mutex<Entries>,
}

impl InMemoryLedger {
    fn entries(&self) -> MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl MockLedger for InMemoryLedger {
    async fn reference(&self, idempotency_key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.entries().references.get(idempotency_key).cloned())
    }

    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError> {
        let mut entries = self.entries();
        if let Some(reference) = entries.references.get(&authorization.idempotency_key) {
            return Ok(AuthorizeOutcome::Known(reference.clone()));
        }
        entries.references.insert(
            authorization.idempotency_key.clone(),
            authorization.reference.clone(),
        );
        entries.payments.insert(
            authorization.reference.clone(),
            authorization.payment.clone(),
        );
        Ok(AuthorizeOutcome::Recorded)
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        Ok(self.entries().payments.get(reference).cloned())
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let mut entries = self.entries();
        if let Some(outcome) = entries.steps.get(&step.key) {
            return Ok(StepRecorded::Earlier(outcome.clone()));
        }
        let Some(payment) = entries.payments.get_mut(&step.reference) else {
            return Ok(StepRecorded::Stale);
        };
        if *payment != step.from {
            return Ok(StepRecorded::Stale);
        }
        *payment = step.to.clone();
        entries.steps.insert(step.key.clone(), step.outcome.clone());
        Ok(StepRecorded::Recorded)
    }
}
