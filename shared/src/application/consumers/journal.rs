//! Orders' journals ([`crate::domain::journal`]) as the consumers write them: the
//! `journal-order-events` consumer keeps each event published about an order, and every
//! other consumer, wrapped in [`Journaled`], keeps what it made of each.

use std::sync::Arc;

use async_trait::async_trait;

use crate::application::Services;
use crate::domain::clock::Clock;
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer};
use crate::domain::journal::{Happened, JournalEntry, OrderJournal};

/// The consumer's name: the target of its rule in `events/rules/` and its function.
pub const JOURNAL_ORDER_EVENTS: &str = "journal-order-events";

/// The journal entry of `event` saying `what` happened at `at`; `None` for an event not
/// about an order, or without an id (it cannot be told apart from another).
fn entry(event: &DomainEvent, at: time::OffsetDateTime, what: Happened) -> Option<JournalEntry> {
    Some(JournalEntry {
        order_id: event.order_id()?,
        at,
        detail_type: event.event_type.detail_type().to_owned(),
        event_id: event.event_id()?.to_string(),
        what,
    })
}

/// Keeps each event about an order in the order's journal, at the event's own time. A
/// redelivered event writes nothing.
pub struct JournalOrderEvents {
    pub journal: Arc<dyn OrderJournal>,
}

#[async_trait]
impl EventConsumer for JournalOrderEvents {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        let at = event
            .occurred_at()
            .ok_or_else(|| ConsumeError("the event has no occurredAt".into()))?;
        let Some(entry) = entry(event, at, Happened::Published) else {
            return Ok(());
        };
        self.journal
            .record(&entry)
            .await
            .map(drop)
            .map_err(ConsumeError::of)
    }
}

/// A consumer whose outcome with each event about an order is kept in that order's
/// journal: handled (once, however often), or failed (every time). The journal is for
/// reading an order's story, so a journal that cannot be written is logged and the
/// consumer's own outcome stands.
pub struct Journaled {
    name: &'static str,
    inner: Arc<dyn EventConsumer>,
    journal: Arc<dyn OrderJournal>,
    clock: Arc<dyn Clock>,
}

impl Journaled {
    /// `inner`, the consumer `name`, journaling into the journal of `services` (the
    /// consumer function's own) at the time of its clock.
    pub fn wrapping(
        name: &'static str,
        inner: Arc<dyn EventConsumer>,
        services: &Services,
    ) -> Arc<dyn EventConsumer> {
        Arc::new(Journaled {
            name,
            inner,
            journal: Arc::clone(&services.journal),
            clock: Arc::clone(&services.clock),
        })
    }
}

#[async_trait]
impl EventConsumer for Journaled {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        let outcome = self.inner.consume(event).await;
        let consumer = self.name.to_owned();
        let what = match &outcome {
            Ok(()) => Happened::Handled { consumer },
            Err(error) => Happened::Failed {
                consumer,
                error: error.0.clone(),
            },
        };
        if let Some(entry) = entry(event, self.clock.now(), what) {
            if let Err(error) = self.journal.record(&entry).await {
                tracing::warn!(consumer = self.name, %error, "cannot journal the outcome");
            }
        }
        outcome
    }

    async fn finish_batch(&self) -> Result<(), ConsumeError> {
        self.inner.finish_batch().await
    }
}
