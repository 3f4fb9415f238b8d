//! The local shop on DynamoDB: the shop's stores on tables named `<prefix><table>` (the
//! names Terraform gives a stack whose prefix is `<prefix>` without its last dash), at
//! an endpoint of the operator's choosing (an emulator, or AWS itself). Missing tables
//! can be created first, laid out as [`layout`] says. The rest of the shop (the saga's
//! runner, the event bus, the mock gateway) stays local.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use mambogo::adapters::access::Table;
use mambogo::adapters::cached_catalog::CachedCatalog;
use mambogo::adapters::cached_stock::CachedStockLevels;
use mambogo::adapters::dynamodb::layout;
use mambogo::adapters::dynamodb::{
    DynamoAddressBooks, DynamoCarts, DynamoCatalog, DynamoCoupons, DynamoFlashSales,
    DynamoIdempotency, DynamoInventory, DynamoOperations, DynamoOrders, DynamoPayments,
    DynamoReviews,
};
use mambogo::application::Services;
use mambogo::domain::store::StoreError;

use crate::caches::{CATALOG_CACHE, STOCK_CACHE};

/// The tables the shop's stores keep; the mock gateway keeps its own ledger locally.
const STORE_TABLES: [Table; 11] = [
    Table::Catalog,
    Table::Carts,
    Table::Inventory,
    Table::Orders,
    Table::Payments,
    Table::Idempotency,
    Table::Operations,
    Table::FlashSales,
    Table::AddressBooks,
    Table::Coupons,
    Table::Reviews,
];

/// Where the shop's DynamoDB tables are.
#[derive(Clone, Debug)]
pub struct AwsTables {
    /// A client for the endpoint the tables are at.
    pub client: Client,
    /// Put before each table's name (`mambogo-dev-` makes `mambogo-dev-orders`).
    pub prefix: String,
    /// Create the tables that are missing before the shop starts.
    pub create_missing: bool,
}

impl AwsTables {
    /// The name of `table`.
    pub fn name(&self, table: Table) -> String {
        format!("{}{}", self.prefix, table.as_str())
    }

    /// Creates the tables of the shop's stores that do not exist yet; how many.
    pub(crate) async fn create_missing(&self) -> Result<usize, StoreError> {
        let mut created = 0;
        for table in STORE_TABLES {
            let name = self.name(table);
            if layout::create_if_missing(&self.client, &name, table).await? {
                tracing::info!(table = %name, "table created");
                created += 1;
            }
        }
        Ok(created)
    }

    /// `services` with the DynamoDB stores in place of the shop's own, behind the same
    /// caches.
    pub(crate) fn stores_of(&self, services: Services) -> Services {
        let client = &self.client;
        let operations = Arc::new(DynamoOperations::new(
            client.clone(),
            self.name(Table::Operations),
        ));
        Services {
            catalog: Arc::new(CachedCatalog::new(
                Arc::new(DynamoCatalog::new(
                    client.clone(),
                    self.name(Table::Catalog),
                )),
                Arc::clone(&services.clock),
                CATALOG_CACHE,
            )),
            carts: Arc::new(DynamoCarts::new(client.clone(), self.name(Table::Carts))),
            inventory: Arc::new(CachedStockLevels::new(
                Arc::new(DynamoInventory::new(
                    client.clone(),
                    self.name(Table::Inventory),
                )),
                Arc::clone(&services.clock),
                STOCK_CACHE,
            )),
            orders: Arc::new(DynamoOrders::new(client.clone(), self.name(Table::Orders))),
            payments: Arc::new(DynamoPayments::new(
                client.clone(),
                self.name(Table::Payments),
            )),
            idempotency: Arc::new(DynamoIdempotency::new(
                client.clone(),
                self.name(Table::Idempotency),
            )),
            notifications: operations.clone(),
            operations,
            flash_sales: Arc::new(DynamoFlashSales::new(
                client.clone(),
                self.name(Table::FlashSales),
            )),
            address_books: Arc::new(DynamoAddressBooks::new(
                client.clone(),
                self.name(Table::AddressBooks),
            )),
            coupons: Arc::new(DynamoCoupons::new(
                client.clone(),
                self.name(Table::Coupons),
            )),
            reviews: Arc::new(DynamoReviews::new(
                client.clone(),
                self.name(Table::Reviews),
            )),
            ..services
        }
    }
}
