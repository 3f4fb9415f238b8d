//! Orders' journals in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::error::written;
use super::item::{attributes, body, composite_key, number, read_body, text, BODY, EXPIRES_AT};
use super::query::Listing;
use super::transaction::Names;
use crate::domain::ids::OrderId;
use crate::domain::journal::{JournalEntry, OrderJournal, JOURNAL_RETENTION, MAX_JOURNAL_ENTRIES};
use crate::domain::store::StoreError;

/// [`OrderJournal`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoJournal {
    client: Client,
    table: String,
}

impl DynamoJournal {
    /// The journals kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoJournal {
            client,
            table: table.into(),
        }
    }
}

fn partition(order: &OrderId) -> String {
    format!("ORDER#{order}")
}

#[async_trait]
impl OrderJournal for DynamoJournal {
    async fn record(&self, entry: &JournalEntry) -> Result<bool, StoreError> {
        let mut item = composite_key(partition(&entry.order_id), &entry.key());
        item.insert(BODY.to_owned(), body(entry)?);
        item.insert(
            EXPIRES_AT.to_owned(),
            number((entry.at + JOURNAL_RETENTION).unix_timestamp()),
        );
        written(
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await,
        )
    }

    async fn entries(&self, order: &OrderId) -> Result<Vec<JournalEntry>, StoreError> {
        let items = Listing {
            table: &self.table,
            index: None,
            key_condition: "pk = :pk",
            names: Names::new(),
            values: attributes([(":pk", text(partition(order)))]),
            forward: true,
            start_key: None,
        }
        .read(&self.client, MAX_JOURNAL_ENTRIES)
        .await?;
        let mut entries = items
            .iter()
            .map(read_body)
            .collect::<Result<Vec<JournalEntry>, _>>()?;
        entries.sort_by_cached_key(|entry| (entry.at, entry.key()));
        Ok(entries)
    }
}
