//! The local shop on AWS's adapters: its stores on DynamoDB tables of its own in the
//! emulator ([`mambogo_local::aws`]), and its events put on an EventBridge bus of its
//! own there before the local bus hands them to the shop's consumers, each reached at an
//! endpoint of the test's choosing (the emulator, or [`crate::aws_faults::FaultyAws`] in
//! front of it).

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::application::Services;
use mambogo::domain::events::{DomainEvent, EventPublisher, PublishError};
use mambogo_local::aws::AwsTables;
use mambogo_local::ServicesWrapper;

use crate::aws_faults::sdk_retries;
use crate::emulator::{eventbridge_client, unique_table_name};

/// A DynamoDB client for `endpoint`, retrying as [`sdk_retries`] says.
pub fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .retry_config(sdk_retries())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Tables no other shop uses, at `endpoint`, created as the shop starts.
pub fn dynamodb_tables(endpoint: &str) -> AwsTables {
    AwsTables {
        client: dynamodb_client_at(endpoint),
        prefix: format!("{}-", unique_table_name("shop")),
        create_missing: true,
    }
}

/// Publishes on EventBridge, then, once EventBridge took the events, on the shop's own
/// bus, whose consumers stand in for the queues' functions: a publish EventBridge
/// refuses reaches no consumer, as on AWS.
struct EventBridgeFirst {
    eventbridge: EventBridgePublisher,
    local: Arc<dyn EventPublisher>,
}

#[async_trait]
impl EventPublisher for EventBridgeFirst {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        self.eventbridge.publish(events.clone()).await?;
        self.local.publish(events).await
    }
}

/// Creates an event bus in the emulator, and says how to put it, reached at `endpoint`,
/// in front of the shop's own bus.
pub async fn eventbridge_first(endpoint: &str) -> ServicesWrapper {
    let bus = unique_table_name("mambogo");
    let direct = eventbridge_client().await;
    direct
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create the event bus {bus}: {error:?}"));
    let through = direct
        .config()
        .to_builder()
        .endpoint_url(endpoint)
        .retry_config(sdk_retries())
        .build();
    let eventbridge =
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::from_conf(through), bus);
    Arc::new(move |services: Services| Services {
        events: Arc::new(EventBridgeFirst {
            eventbridge: eventbridge.clone(),
            local: Arc::clone(&services.events),
        }),
        ..services
    })
}
