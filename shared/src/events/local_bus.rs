//! The in-process event bus of the local shop and the tests: EventBridge's routing,
//! driven by the same rule files, delivering to consumers in order as events are
//! published.

mod pattern;
mod rule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

pub use pattern::{EventPattern, PatternError};
pub use rule::{Rule, RuleFileError, RULE_FILES};

use super::{DomainEvent, EventConsumer, EventPublisher, PublishError};

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
}

struct Route {
    rule: Rule,
    consumer: Arc<dyn EventConsumer>,
}

/// Publishes by handing each event, in turn, to the consumer of every rule that matches
/// it, in rule order, and waiting for each; remembers everything published.
///
/// A consumer's failure is logged and does not fail the publish: on AWS the event would
/// wait in its queue for a retry, which the caller never sees either.
pub struct LocalEventBus {
    routes: Vec<Route>,
    published: Mutex<Vec<DomainEvent>>,
}

impl LocalEventBus {
    /// A bus routing by `rules` to `consumers`, keyed by rule target. Every target must
    /// have a consumer; a consumer no rule targets is never called.
    pub fn new(
        rules: Vec<Rule>,
        consumers: HashMap<String, Arc<dyn EventConsumer>>,
    ) -> Result<LocalEventBus, LocalBusError> {
        let routes = rules
            .into_iter()
            .map(|rule| match consumers.get(&rule.target) {
                Some(consumer) => Ok(Route {
                    consumer: Arc::clone(consumer),
                    rule,
                }),
                None => Err(LocalBusError::NoConsumer {
                    target: rule.target,
                    rule: rule.name,
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(LocalEventBus {
            routes,
            published: Mutex::new(Vec::new()),
        })
    }

    /// Every event published so far, in order.
    pub fn published(&self) -> Vec<DomainEvent> {
        self.published
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    async fn deliver(&self, event: &DomainEvent) {
        let envelope = event.to_envelope();
        for route in &self.routes {
            if !route.rule.pattern.matches(&envelope) {
                continue;
            }
            if let Err(error) = route.consumer.consume(event).await {
                tracing::warn!(
                    rule = %route.rule.name,
                    target = %route.rule.target,
                    detail_type = %event.event_type,
                    event_id = ?event.event_id(),
                    order_id = ?event.order_id(),
                    %error,
                    "a consumer failed to handle an event"
                );
            }
        }
    }
}

#[async_trait]
impl EventPublisher for LocalEventBus {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        for event in events {
            self.published
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(event.clone());
            self.deliver(&event).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::events::{ConsumeError, EventType};
    use crate::ids::OrderId;

    /// Remembers what it was given, as `(consumer, detail-type)`, in a log it shares.
    struct Recorder {
        name: &'static str,
        fails: bool,
        log: Arc<Mutex<Vec<(&'static str, EventType)>>>,
    }

    #[async_trait]
    impl EventConsumer for Recorder {
        async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
            self.log.lock().unwrap().push((self.name, event.event_type));
            if self.fails {
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

    type Log = Arc<Mutex<Vec<(&'static str, EventType)>>>;

    fn bus(failing: &'static str) -> (LocalEventBus, Log) {
        let log = Log::default();
        let consumers = ["orders", "everything", "payments"]
            .into_iter()
            .map(|name| {
                let consumer: Arc<dyn EventConsumer> = Arc::new(Recorder {
                    name,
                    fails: name == failing,
                    log: Arc::clone(&log),
                });
                (name.to_owned(), consumer)
            })
            .collect();
        let rules = vec![
            rule("orders", "orders", json!({"source": ["mambogo.orders"]})),
            rule(
                "all",
                "everything",
                json!({"source": [{"prefix": "mambogo."}]}),
            ),
            rule("pay", "payments", json!({"detail-type": ["PaymentFailed"]})),
        ];
        (LocalEventBus::new(rules, consumers).unwrap(), log)
    }

    #[tokio::test]
    async fn events_reach_every_matching_consumer_in_order() {
        let (bus, log) = bus("none");
        let events = vec![
            event(EventType::OrderPlaced, 1),
            event(EventType::PaymentFailed, 2),
            event(EventType::InventoryReleased, 3),
        ];
        bus.publish(events.clone()).await.unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            [
                ("orders", EventType::OrderPlaced),
                ("everything", EventType::OrderPlaced),
                ("everything", EventType::PaymentFailed),
                ("payments", EventType::PaymentFailed),
                ("everything", EventType::InventoryReleased),
            ]
        );
        assert_eq!(bus.published(), events);
    }

    #[tokio::test]
    async fn a_failing_consumer_does_not_stop_the_others_or_the_publish() {
        let (bus, log) = bus("orders");
        bus.publish(vec![event(EventType::OrderConfirmed, 1)])
            .await
            .unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            [
                ("orders", EventType::OrderConfirmed),
                ("everything", EventType::OrderConfirmed),
            ]
        );
        assert_eq!(bus.published().len(), 1);
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
}
