//! Reading a listing a page at a time: a Query of a table or an index, continued
//! across DynamoDB's own 1 MB pages until enough items are read.

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
        let mut items = Vec::with_capacity(wanted);
        let mut start_key = self.start_key;
        let names = (!self.names.is_empty()).then_some(self.names);
        while items.len() < wanted {
            let left = i32::try_from(wanted - items.len()).unwrap_or(i32::MAX);
            let page = client
                .query()
                .table_name(self.table)
                .set_index_name(self.index.map(str::to_owned))
                .consistent_read(self.index.is_none())
                .key_condition_expression(self.key_condition)
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(expression_values(self.values.clone()))
                .scan_index_forward(self.forward)
                .limit(left)
                .set_exclusive_start_key(start_key)
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
}
