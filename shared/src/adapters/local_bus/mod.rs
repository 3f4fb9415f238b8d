//! The in-process event bus of the local shop and the tests: EventBridge's routing,
//! driven by the same rule files, and SQS's delivery to each consumer — batches, a retry
//! of only the messages that failed, and a dead-letter store for those that failed every
//! attempt (see [`DeliverySettings`]). Delivery happens within `publish`, so a test sees
//! every consumer's work (and every parked letter) as soon as `publish` returns.
//!
//! A bus [`LocalEventBus::forwarding_to`] EventBridge delivers nothing itself: it keeps the
//! consumers, which the pollers of their SQS queues reach through
//! [`LocalEventBus::attached`].

mod delivery;
mod pattern;
mod rule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;

pub use delivery::DeliverySettings;
pub use pattern::{EventPattern, PatternError};
pub use rule::{Rule, RuleFileError, RULE_FILES};

use crate::application::metrics::MetricsSink;
use crate::domain::clock::{Clock, IdSource};
use crate::domain::events::{
    ConsumeError, DeadLetter, DeadLetters, DomainEvent, EventConsumer, EventPublisher, PublishError,
};
use crate::domain::store::{Page, PageRequest, StoreError};
use delivery::{ConsumerQueue, Message, Parking};

/// Why a bus could not be assembled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocalBusError {
    /// A rule names a target that no consumer was given for.
    #[error("rule {rule} targets {target}, but no consumer was given for {target}")]
    NoConsumer {
        /// The rule's name.
        rule: String,
        /// The target it names.
        target: String,
    },
    /// A consumer was attached under a name no rule targets.
    #[error("no rule targets {0}; a consumer attached under that name would never be called")]
    UnknownTarget(String),
}

/// Publishes by routing each event to the consumer of every rule that matches it, and
/// delivering to each consumer as SQS would, waiting for the work; remembers everything
/// published.
///
/// A consumer's failure does not fail the publish: on AWS the message would wait in its
/// queue for a retry, which the publisher never sees either. The bus is also the local
/// [`DeadLetters`]: it lists what it parked, and a redrive delivers the event again.
pub struct LocalEventBus {
    rules: Vec<Rule>,
    consumers: RwLock<HashMap<String, Arc<dyn EventConsumer>>>,
    delivery: DeliverySettings,
    parking: Option<Parking>,
    /// Where published events go instead of to the consumers, if anywhere.
    remote: Option<Arc<dyn EventPublisher>>,
    published: Mutex<Vec<DomainEvent>>,
}

impl LocalEventBus {
    /// A bus routing by `rules` to `consumers`, keyed by rule target. Every target must
    /// have a consumer; a consumer no rule targets is never called.
    pub fn new(
        rules: Vec<Rule>,
        consumers: HashMap<String, Arc<dyn EventConsumer>>,
    ) -> Result<LocalEventBus, LocalBusError> {
        let bus = LocalEventBus::routing(rules);
        *bus.consumers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = consumers;
        bus.check_consumers()?;
        Ok(bus)
    }

    /// A bus routing by `rules` whose consumers are attached later with
    /// [`LocalEventBus::attach`] (consumers are often built from services that publish on
    /// this very bus). Until a target's consumer is attached, its messages are parked.
    pub fn routing(rules: Vec<Rule>) -> LocalEventBus {
        LocalEventBus {
            rules,
            consumers: RwLock::new(HashMap::new()),
            delivery: DeliverySettings::default(),
            parking: None,
            remote: None,
            published: Mutex::new(Vec::new()),
        }
    }

    /// This bus, parking messages that fail every attempt in `store`, each under an id
    /// from `ids` and stamped with the time of `clock`, and counting them into `metrics`
    /// ([`DEAD_LETTERS_PARKED`](crate::application::metrics::DEAD_LETTERS_PARKED)).
    /// Without a store they are logged and dropped.
    pub fn parking_in(
        mut self,
        store: Arc<dyn DeadLetters>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        metrics: Arc<dyn MetricsSink>,
    ) -> LocalEventBus {
        self.parking = Some(Parking {
            store,
            clock,
            ids,
            metrics,
        });
        self
    }

    /// This bus, handing what is published to `remote` (EventBridge) instead of
    /// delivering it: its consumers are then reached through their queues, each by way
    /// of [`LocalEventBus::attached`]. It remembers only what `remote` took.
    pub fn forwarding_to(mut self, remote: Arc<dyn EventPublisher>) -> LocalEventBus {
        self.remote = Some(remote);
        self
    }

    /// The consumer of `target`, looked up each time a message arrives, so that one
    /// attached later (or in place of another) gets the next message.
    pub fn attached(self: &Arc<Self>, target: &str) -> AttachedConsumer {
        AttachedConsumer {
            bus: Arc::clone(self),
            target: target.to_owned(),
        }
    }

    /// This bus, delivering with `settings` instead of SQS's defaults.
    pub fn with_delivery(mut self, settings: DeliverySettings) -> LocalEventBus {
        self.delivery = settings;
        self
    }

    /// Attaches (or replaces) the consumer of `target`, which some rule must name.
    pub fn attach(
        &self,
        target: &str,
        consumer: Arc<dyn EventConsumer>,
    ) -> Result<(), LocalBusError> {
        if !self.rules.iter().any(|rule| rule.target == target) {
            return Err(LocalBusError::UnknownTarget(target.to_owned()));
        }
        self.consumers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(target.to_owned(), consumer);
        Ok(())
    }

    /// Drops every consumer. Consumers often hold services that publish on this bus; a
    /// shop that stops detaches them so that neither keeps the other alive.
    pub fn detach_consumers(&self) {
        self.consumers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Checks that every rule's target has a consumer.
    pub fn check_consumers(&self) -> Result<(), LocalBusError> {
        let consumers = self
            .consumers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match self
            .rules
            .iter()
            .find(|rule| !consumers.contains_key(&rule.target))
        {
            Some(rule) => Err(LocalBusError::NoConsumer {
                rule: rule.name.clone(),
                target: rule.target.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Every event published so far, in order.
    pub fn published(&self) -> Vec<DomainEvent> {
        self.published
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn consumer(&self, target: &str) -> Option<Arc<dyn EventConsumer>> {
        self.consumers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(target)
            .cloned()
    }

    /// Delivers `messages` to `target`'s consumer until each is handled or parked.
    async fn deliver_to(&self, target: &str, messages: Vec<Message>) {
        ConsumerQueue {
            target,
            consumer: self.consumer(target),
            settings: self.delivery,
            parking: self.parking.as_ref(),
        }
        .drain(messages)
        .await;
    }

    /// Routes `events` and delivers them, one consumer after the other in the order of
    /// their first rule; each consumer gets its events in publishing order. An event two
    /// rules send to one target reaches it twice, as two EventBridge targets would.
    async fn deliver(&self, events: &[DomainEvent]) {
        let mut queues: Vec<(&str, Vec<Message>)> = Vec::new();
        for event in events {
            let envelope = event.to_envelope();
            for rule in self
                .rules
                .iter()
                .filter(|rule| rule.pattern.matches(&envelope))
            {
                let message = Message::new(event.clone());
                match queues.iter_mut().find(|(target, _)| *target == rule.target) {
                    Some((_, messages)) => messages.push(message),
                    None => queues.push((&rule.target, vec![message])),
                }
            }
        }
        for (target, messages) in queues {
            self.deliver_to(target, messages).await;
        }
    }
}

#[async_trait]
impl EventPublisher for LocalEventBus {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        if let Some(remote) = &self.remote {
            remote.publish(events.clone()).await?;
        }
        self.published
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(events.iter().cloned());
        if self.remote.is_none() {
            self.deliver(&events).await;
        }
        Ok(())
    }
}

/// Whatever consumer a bus has attached for one target when a message arrives.
pub struct AttachedConsumer {
    bus: Arc<LocalEventBus>,
    target: String,
}

impl AttachedConsumer {
    fn current(&self) -> Result<Arc<dyn EventConsumer>, ConsumeError> {
        self.bus
            .consumer(&self.target)
            .ok_or_else(|| ConsumeError(format!("no consumer is attached for {}", self.target)))
    }
}

#[async_trait]
impl EventConsumer for AttachedConsumer {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        self.current()?.consume(event).await
    }

    async fn finish_batch(&self) -> Result<(), ConsumeError> {
        self.current()?.finish_batch().await
    }
}

/// The bus's dead letters: those of its store, redriven through the bus itself.
#[async_trait]
impl DeadLetters for LocalEventBus {
    async fn park(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        match &self.parking {
            Some(parking) => parking.store.park(letter).await,
            None => Err(StoreError::Unavailable(
                "the local bus has no dead-letter store".into(),
            )),
        }
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<DeadLetter>, StoreError> {
        match &self.parking {
            Some(parking) => parking.store.list(page).await,
            None => Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            }),
        }
    }

    /// Takes the letter out of the store and delivers its event to its consumer again,
    /// with a fresh receive count, as an SQS redrive to the source queue would.
    async fn redrive(&self, id: &str) -> Result<Option<DeadLetter>, StoreError> {
        let Some(parking) = &self.parking else {
            return Ok(None);
        };
        let Some(letter) = parking.store.redrive(id).await? else {
            return Ok(None);
        };
        let event = match DomainEvent::from_envelope(&letter.event) {
            Ok(event) => event,
            Err(error) => {
                // Never lose it: put it back as it was.
                parking.store.park(&letter).await?;
                return Err(StoreError::Corrupt(format!(
                    "dead letter {id} does not hold a Mambogo event: {error}"
                )));
            }
        };
        tracing::info!(letter_id = %letter.id, consumer = %letter.consumer, "redriving a dead letter");
        self.deliver_to(&letter.consumer, vec![Message::new(event)])
            .await;
        Ok(Some(letter))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicBool, Ordering};

    use serde_json::json;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::adapters::access::test_support::NoMetrics;
    use crate::adapters::sqlite::{SqliteDb, SqliteDeadLetters};
    use crate::domain::clock::{ManualClock, SequentialIds};
    use crate::domain::events::EventType;
    use crate::domain::ids::OrderId;

    type Log = Arc<Mutex<Vec<(&'static str, EventType, u128)>>>;

    /// Remembers what it was given, as `(consumer, detail-type, serial)`, in a log it
    /// shares; fails on the serials in `fails_on` until `fixed`.
    struct Recorder {
        name: &'static str,
        fails_on: HashSet<u128>,
        fixed: AtomicBool,
        log: Log,
    }

    #[async_trait]
    impl EventConsumer for Recorder {
        async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
            let serial = event.event_id().unwrap().as_u128();
            self.log
                .lock()
                .unwrap()
                .push((self.name, event.event_type, serial));
            if self.fails_on.contains(&serial) && !self.fixed.load(Ordering::SeqCst) {
                Err(ConsumeError("the recorder was told to fail".into()))
            } else {
                Ok(())
            }
        }
    }

    fn rule(name: &str, target: &str, pattern: serde_json::Value) -> Rule {
        Rule {
            name: name.into(),
            description: String::new(),
            target: target.into(),
            pattern: EventPattern::parse(&pattern).unwrap(),
        }
    }

    fn event(event_type: EventType, serial: u128) -> DomainEvent {
        DomainEvent::new(
            event_type,
            Uuid::from_u128(serial),
            OrderId::from_uuid(Uuid::from_u128(0xfeed)),
            datetime!(2026-03-01 12:00:00 UTC),
            json!({}),
        )
        .unwrap()
    }

    fn rules() -> Vec<Rule> {
        vec![
            rule("orders", "orders", json!({"source": ["mambogo.orders"]})),
            rule(
                "all",
                "everything",
                json!({"source": [{"prefix": "mambogo."}]}),
            ),
            rule("pay", "payments", json!({"detail-type": ["PaymentFailed"]})),
        ]
    }

    fn recorders(failing: &'static str, fails_on: &[u128], log: &Log) -> Vec<Arc<Recorder>> {
        ["orders", "everything", "payments"]
            .into_iter()
            .map(|name| {
                Arc::new(Recorder {
                    name,
                    fails_on: if name == failing {
                        fails_on.iter().copied().collect()
                    } else {
                        HashSet::new()
                    },
                    fixed: AtomicBool::new(false),
                    log: Arc::clone(log),
                })
            })
            .collect()
    }

    fn bus(failing: &'static str, fails_on: &[u128]) -> (LocalEventBus, Log) {
        let log = Log::default();
        let consumers = recorders(failing, fails_on, &log)
            .into_iter()
            .map(|recorder| {
                let consumer: Arc<dyn EventConsumer> = recorder.clone();
                (recorder.name.to_owned(), consumer)
            })
            .collect();
        (LocalEventBus::new(rules(), consumers).unwrap(), log)
    }

    /// A bus parking in SQLite, whose `everything` consumer fails on `fails_on`.
    fn parking_bus(
        fails_on: &[u128],
        settings: DeliverySettings,
    ) -> (LocalEventBus, Log, Arc<Recorder>) {
        let log = Log::default();
        let store = Arc::new(SqliteDeadLetters::new(SqliteDb::in_memory().unwrap()));
        let clock = Arc::new(ManualClock::new(datetime!(2026-03-01 12:00:00 UTC)));
        let bus = LocalEventBus::routing(rules())
            .parking_in(
                store,
                clock,
                Arc::new(SequentialIds::default()),
                Arc::new(NoMetrics),
            )
            .with_delivery(settings);
        let mut everything = None;
        for recorder in recorders("everything", fails_on, &log) {
            if recorder.name == "everything" {
                everything = Some(Arc::clone(&recorder));
            }
            bus.attach(recorder.name, recorder).unwrap();
        }
        bus.check_consumers().unwrap();
        (bus, log, everything.unwrap())
    }

    fn calls_of(log: &Log, consumer: &str) -> Vec<u128> {
        log.lock()
            .unwrap()
            .iter()
            .filter(|(name, _, _)| *name == consumer)
            .map(|(_, _, serial)| *serial)
            .collect()
    }

    fn first_page() -> PageRequest {
        PageRequest {
            cursor: None,
            limit: 100,
        }
    }

    #[tokio::test]
    async fn events_reach_every_matching_consumer_in_order() {
        let (bus, log) = bus("none", &[]);
        let events = vec![
            event(EventType::OrderPlaced, 1),
            event(EventType::PaymentFailed, 2),
            event(EventType::InventoryReleased, 3),
        ];
        bus.publish(events.clone()).await.unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            [
                ("orders", EventType::OrderPlaced, 1),
                ("everything", EventType::OrderPlaced, 1),
                ("everything", EventType::PaymentFailed, 2),
                ("everything", EventType::InventoryReleased, 3),
                ("payments", EventType::PaymentFailed, 2),
            ]
        );
        assert_eq!(bus.published(), events);
    }

    #[tokio::test]
    async fn a_failing_consumer_does_not_stop_the_others_or_the_publish() {
        let (bus, log) = bus("orders", &[1]);
        bus.publish(vec![event(EventType::OrderConfirmed, 1)])
            .await
            .unwrap();
        assert_eq!(
            calls_of(&log, "orders"),
            [1; 5],
            "tried max_receive_count times"
        );
        assert_eq!(calls_of(&log, "everything"), [1]);
        assert_eq!(bus.published().len(), 1);
    }

    #[tokio::test]
    async fn only_the_failed_message_of_a_batch_is_retried_and_then_parked() {
        let settings = DeliverySettings {
            batch_size: 3,
            max_receive_count: 4,
        };
        let (bus, log, _) = parking_bus(&[2], settings);
        let events: Vec<_> = (1..=5)
            .map(|serial| event(EventType::OrderConfirmed, serial))
            .collect();
        bus.publish(events).await.unwrap();
        // Batches [1 2 3], [4 5 2], [2], [2]: only 2 comes back, after the rest.
        assert_eq!(calls_of(&log, "everything"), [1, 2, 3, 4, 5, 2, 2, 2]);
        assert_eq!(calls_of(&log, "orders"), [1, 2, 3, 4, 5]);

        let parked = bus.list(&first_page()).await.unwrap();
        assert_eq!(parked.items.len(), 1);
        let letter = &parked.items[0];
        assert_eq!(letter.consumer, "everything");
        assert_eq!(letter.attempts, 4);
        assert_eq!(
            letter.event,
            event(EventType::OrderConfirmed, 2).to_envelope()
        );
        assert!(
            letter.last_error.contains("told to fail"),
            "{}",
            letter.last_error
        );
        assert_eq!(letter.parked_at, datetime!(2026-03-01 12:00:00 UTC));
    }

    #[tokio::test]
    async fn a_redriven_letter_is_delivered_again_and_leaves_the_store_once_handled() {
        let (bus, log, everything) = parking_bus(&[7], DeliverySettings::default());
        bus.publish(vec![event(EventType::OrderConfirmed, 7)])
            .await
            .unwrap();
        let letter = bus.list(&first_page()).await.unwrap().items.remove(0);

        // Still broken: the redrive parks it again, under a new id.
        let redriven = bus.redrive(&letter.id).await.unwrap().unwrap();
        assert_eq!(redriven, letter);
        let again = bus.list(&first_page()).await.unwrap().items;
        assert_eq!(again.len(), 1);
        assert_ne!(again[0].id, letter.id);
        assert_eq!(calls_of(&log, "everything").len(), 10);

        everything.fixed.store(true, Ordering::SeqCst);
        assert!(bus.redrive(&again[0].id).await.unwrap().is_some());
        assert!(bus.list(&first_page()).await.unwrap().items.is_empty());
        assert_eq!(calls_of(&log, "everything").len(), 11);
        assert_eq!(
            calls_of(&log, "orders"),
            [7],
            "only its own consumer gets it again"
        );
        assert_eq!(bus.redrive(&letter.id).await.unwrap(), None);
        assert_eq!(bus.published().len(), 1, "a redrive is not a publish");
    }

    #[tokio::test]
    async fn messages_for_a_target_without_a_consumer_are_parked() {
        let store = Arc::new(SqliteDeadLetters::new(SqliteDb::in_memory().unwrap()));
        let bus = LocalEventBus::routing(rules()).parking_in(
            store,
            Arc::new(ManualClock::new(datetime!(2026-03-01 12:00:00 UTC))),
            Arc::new(SequentialIds::default()),
            Arc::new(NoMetrics),
        );
        bus.publish(vec![event(EventType::PaymentFailed, 1)])
            .await
            .unwrap();
        let parked = bus.list(&first_page()).await.unwrap().items;
        let consumers: HashSet<_> = parked
            .iter()
            .map(|letter| letter.consumer.as_str())
            .collect();
        assert_eq!(consumers, HashSet::from(["everything", "payments"]));
    }

    #[test]
    fn a_rule_without_a_consumer_is_refused() {
        let rules = vec![rule("r", "nobody", json!({"source": ["mambogo.orders"]}))];
        assert_eq!(
            LocalEventBus::new(rules, HashMap::new()).err(),
            Some(LocalBusError::NoConsumer {
                rule: "r".into(),
                target: "nobody".into()
            })
        );
    }

    #[test]
    fn a_consumer_no_rule_targets_is_refused() {
        let bus = LocalEventBus::routing(rules());
        let log = Log::default();
        let stray = recorders("none", &[], &log).remove(0);
        assert_eq!(
            bus.attach("stray", stray),
            Err(LocalBusError::UnknownTarget("stray".into()))
        );
    }
}
