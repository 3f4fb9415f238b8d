//! The local shop on DynamoDB: the shop's stores on tables named `<prefix><table>` (the
//! names Terraform gives a stack whose prefix is `<prefix>` without its last dash), at
//! an endpoint of the operator's choosing (an emulator, or AWS itself). Missing tables
//! can be created first, laid out as [`layout`] says. The rest of the shop (the saga's
//! runner, the event bus, the mock gateway) stays local.

use aws_sdk_dynamodb::Client;
use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::layout;
use mambogo::adapters::dynamodb::{Caches, DynamoStores};
use mambogo::application::Services;
use mambogo::domain::store::StoreError;

use crate::caches::{CATALOG_CACHE, STOCK_CACHE};

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
    pub async fn create_missing(&self) -> Result<usize, StoreError> {
        let mut created = 0;
        // The mock gateway keeps its own ledger locally.
        for table in Table::ALL.into_iter().filter(|t| *t != Table::MockLedger) {
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
        let caches = Caches {
            catalog: CATALOG_CACHE,
            stock: STOCK_CACHE,
        };
        DynamoStores::new(
            &self.client,
            |table| self.name(table),
            &services.clock,
            caches,
        )
        .in_place_of(services)
    }
}
