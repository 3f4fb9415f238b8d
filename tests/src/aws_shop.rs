//! The local shop on AWS's adapters: every table of the shop created in the emulator for
//! one shop alone, the stores reached at an endpoint of the test's choosing (the
//! emulator, or [`crate::aws_faults::FaultyAws`] in front of it) behind the same caches
//! as in the functions, and events put on an EventBridge bus of its own there before the
//! local bus hands them to the shop's consumers.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use mambogo::adapters::access::Table;
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::cached_stock::CachedStockLevels;
use mambogo::adapters::dynamodb::{
    DynamoAddressBooks, DynamoCarts, DynamoCatalog, DynamoCoupons, DynamoFlashSales,
    DynamoIdempotency, DynamoInventory, DynamoOperations, DynamoOrders, DynamoPayments,
    DynamoReviews,
};
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::application::Services;
use mambogo::domain::events::{DomainEvent, EventPublisher, PublishError};
use mambogo_local::ServicesWrapper;
use time::Duration;

use crate::aws_faults::sdk_retries;
use crate::emulator::{create_table, dynamodb_client, eventbridge_client, unique_table_name};

/// How long the catalog and the stock levels are served from memory, as in the
/// functions by default.
const CACHE: Duration = Duration::seconds(10);

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

/// Creates every table of the shop's stores and an event bus in the emulator, and says
/// how to put the DynamoDB stores on them and EventBridge in front of the shop's bus,
/// reached at `endpoint`, in place of the shop's own.
pub async fn aws_adapters(endpoint: &str) -> ServicesWrapper {
    let bus = unique_table_name("mambogo");
    eventbridge_client()
        .await
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create the event bus {bus}: {error:?}"));
    let admin = dynamodb_client().await;
    let tables: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|table| *table != Table::MockLedger)
        .collect();
    let names: HashMap<Table, String> = tables
        .iter()
        .map(|table| (*table, unique_table_name(&format!("{table:?}"))))
        .collect();
    futures::future::join_all(
        names
            .iter()
            .map(|(table, name)| create_table(&admin, name, *table)),
    )
    .await;
    let client = dynamodb_client_at(endpoint);
    let eventbridge = EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
                .retry_config(sdk_retries())
                .build(),
        ),
        bus,
    );
    Arc::new(move |services: Services| {
        let name = |table: Table| names[&table].clone();
        let operations = Arc::new(DynamoOperations::new(
            client.clone(),
            name(Table::Operations),
        ));
        Services {
            catalog: Arc::new(CachedCatalog::new(
                Arc::new(DynamoCatalog::new(client.clone(), name(Table::Catalog))),
                Arc::clone(&services.clock),
                CACHE,
            )),
            carts: Arc::new(DynamoCarts::new(client.clone(), name(Table::Carts))),
            inventory: Arc::new(CachedStockLevels::new(
                Arc::new(DynamoInventory::new(client.clone(), name(Table::Inventory))),
                Arc::clone(&services.clock),
                CACHE,
            )),
            orders: Arc::new(DynamoOrders::new(client.clone(), name(Table::Orders))),
            payments: Arc::new(DynamoPayments::new(client.clone(), name(Table::Payments))),
            idempotency: Arc::new(DynamoIdempotency::new(
                client.clone(),
                name(Table::Idempotency),
            )),
            notifications: operations.clone(),
            operations,
            flash_sales: Arc::new(DynamoFlashSales::new(
                client.clone(),
                name(Table::FlashSales),
            )),
            address_books: Arc::new(DynamoAddressBooks::new(
                client.clone(),
                name(Table::AddressBooks),
            )),
            coupons: Arc::new(DynamoCoupons::new(client.clone(), name(Table::Coupons))),
            reviews: Arc::new(DynamoReviews::new(client.clone(), name(Table::Reviews))),
            events: Arc::new(EventBridgeFirst {
                eventbridge: eventbridge.clone(),
                local: Arc::clone(&services.events),
            }),
            ..services
        }
    })
}
