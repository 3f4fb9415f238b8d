//! Reading a listing a page at a time: a Query of a table or an index, continued
//! across DynamoDB's own 1 MB pages until enough items are read or counted.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::Select;
use aws_sdk_dynamodb::Client;

use super::error::unavailable;
use super::item::Item;
use super::transaction::{expression_values, Names};
use crate::domain::store::StoreError;

/// A Query of one partition, in one direction, from an exclusive start key.
pub(super) struct Listing<'a> {
    pub table: &'a str,
    /// The index to read, or the table itself.
    pub index: Option<&'a str>,
    /// The key condition, on the partition key alone or with a sort key range.
    pub key_condition: &'a str,
    pub names: Names,
    pub values: Item,
    /// Ascending by sort key when true.
    pub forward: bool,
    /// Where the previous page ended: the key of its last item, as DynamoDB's own
    /// `LastEvaluatedKey` would be (for an index, with the index's key attributes).
    pub start_key: Option<Item>,
}

impl Listing<'_> {
    /// Up to `wanted` items from the start key on. An index is read eventually
    /// consistent (the only way DynamoDB reads one); a table consistently.
    pub async fn read(self, client: &Client, wanted: usize) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start_key = self.start_key.clone();
        while items.len() < wanted {
            let page = self
                .query(client, start_key, wanted - items.len())
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => break,
            }
        }
        Ok(items)
    }

    /// How many items there are from the start key on, counting at most `cap`: Queries
    /// that return only their count, read as [`Listing::read`] reads.
    pub async fn count(self, client: &Client, cap: usize) -> Result<usize, StoreError> {
        let mut counted = 0;
        let mut start_key = self.start_key.clone();
        while counted < cap {
            let page = self
                .query(client, start_key, cap - counted)
                .select(Select::Count)
                .send()
                .await
                .map_err(unavailable)?;
            counted += usize::try_from(page.count).unwrap_or_default();
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => break,
            }
        }
        Ok(counted.min(cap))
    }

    /// The Query of this listing from `start_key`, evaluating at most `limit` items.
    fn query(&self, client: &Client, start_key: Option<Item>, limit: usize) -> QueryFluentBuilder {
        client
            .query()
            .table_name(self.table)
            .set_index_name(self.index.map(str::to_owned))
            .consistent_read(self.index.is_none())
            .key_condition_expression(self.key_condition)
            .set_expression_attribute_names((!self.names.is_empty()).then(|| self.names.clone()))
            .set_expression_attribute_values(expression_values(self.values.clone()))
            .scan_index_forward(self.forward)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start_key)
    }
}
