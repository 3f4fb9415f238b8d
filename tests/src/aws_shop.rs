//! The local shop on the DynamoDB stores: every table of the shop created in the
//! emulator for one shop alone, and the stores reached at an endpoint of the test's
//! choosing (the emulator, or [`crate::aws_faults::FaultyAws`] in front of it), behind
//! the same caches as in the functions.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use mambogo::adapters::access::Table;
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::cached_stock::CachedStockLevels;
use mambogo::adapters::dynamodb::{
    DynamoAddressBooks, DynamoCarts, DynamoCatalog, DynamoCoupons, DynamoFlashSales,
    DynamoIdempotency, DynamoInventory, DynamoOperations, DynamoOrders, DynamoPayments,
    DynamoReviews,
};
use mambogo::application::Services;
use mambogo_local::ServicesWrapper;
use time::Duration;

use crate::aws_faults::sdk_retries;
use crate::emulator::{create_table, dynamodb_client, unique_table_name};

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

/// Creates every table of the shop's stores in the emulator, and says how to put the
/// DynamoDB stores on them, reached at `endpoint`, in place of the shop's own.
pub async fn dynamodb_stores(endpoint: &str) -> ServicesWrapper {
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
            ..services
        }
    })
}
