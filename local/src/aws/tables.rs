//! The shop's stores on DynamoDB tables named `<prefix><table>`, laid out as [`layout`]
//! says when the shop creates them.

use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::layout;
use mambogo::adapters::dynamodb::{Caches, DynamoStores};
use mambogo::application::Services;
use mambogo::domain::store::StoreError;

use super::AwsStack;
use crate::caches::{CATALOG_CACHE, STOCK_CACHE};

impl AwsStack {
    /// The name of `table`.
    pub fn table_name(&self, table: Table) -> String {
        format!("{}{}", self.prefix, table.as_str())
    }

    /// Creates the tables of the shop's stores that do not exist yet; how many.
    pub async fn create_missing_tables(&self) -> Result<usize, StoreError> {
        let client = aws_sdk_dynamodb::Client::new(&self.sdk);
        let mut created = 0;
        // The mock gateway keeps its own ledger locally.
        for table in Table::ALL.into_iter().filter(|t| *t != Table::MockLedger) {
            let name = self.table_name(table);
            if layout::create_if_missing(&client, &name, table).await? {
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
            &aws_sdk_dynamodb::Client::new(&self.sdk),
            |table| self.table_name(table),
            &services.clock,
            caches,
            &services.metrics,
        )
        .in_place_of(services)
    }
}
