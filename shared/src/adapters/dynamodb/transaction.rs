//! Conditional writes in one TransactWriteItems call, and what a cancellation means.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use super::error::{invalid_request, unavailable};
use super::item::Item;
use crate::domain::store::{LostRace, StoreError};

/// DynamoDB's reason for an item whose condition expression was false.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
/// DynamoDB's reason for an item that another transaction was writing at the same time.
const TRANSACTION_CONFLICT: &str = "TransactionConflict";

/// A Put of `item` into `table` that only happens if `condition` holds.
pub(super) fn put(
    table: &str,
    item: Item,
    condition: &str,
    values: Item,
) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_values(expression_values(values))
        .build()
        .map_err(invalid_request)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A Delete of `key` from `table` that only happens if `condition` holds.
pub(super) fn delete(
    table: &str,
    key: Item,
    condition: &str,
    values: Item,
) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .condition_expression(condition)
        .set_expression_attribute_values(expression_values(values))
        .build()
        .map_err(invalid_request)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// Expression attribute names, `#alias` to attribute, for attributes whose names
/// DynamoDB reserves (such as `status`).
pub(super) type Names = HashMap<String, String>;

/// An Update of the item at `key` in `table` by `update` (`SET …`, `REMOVE …`) that
/// only happens if `condition` holds.
pub(super) fn update(
    table: &str,
    key: Item,
    update: &str,
    condition: &str,
    names: Names,
    values: Item,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .update_expression(update)
        .condition_expression(condition)
        .set_expression_attribute_names((!names.is_empty()).then_some(names))
        .set_expression_attribute_values(expression_values(values))
        .build()
        .map_err(invalid_request)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// DynamoDB refuses an empty map of expression values, so none is sent as none.
pub(super) fn expression_values(values: Item) -> Option<Item> {
    (!values.is_empty()).then_some(values)
}

/// Why a transaction wrote nothing.
#[derive(Debug)]
pub(super) enum Cancelled {
    /// The conditions of the writes at these positions (in request order; at least
    /// one) were false.
    Refused(Vec<usize>),
    /// Anything else; [`StoreError::Conflict`] if another transaction was writing one
    /// of the items at the same time.
    Failed(StoreError),
}

impl LostRace for Cancelled {
    /// Another transaction was writing one of the items: sending again may succeed.
    fn lost_race(&self) -> bool {
        matches!(self, Cancelled::Failed(StoreError::Conflict))
    }
}

/// Writes `writes` all or nothing. If conditions failed, `refusal` gets the position of
/// the first write (in request order) whose condition failed and names the error; order
/// the writes so that the most telling refusal comes first.
///
/// An item that a concurrent transaction was writing is a [`StoreError::Conflict`]: the
/// record is changing under the caller, who should read it again.
pub(super) async fn transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
    refusal: impl Fn(usize) -> StoreError,
) -> Result<(), StoreError> {
    try_transact(client, writes)
        .await
        .map_err(|cancelled| match cancelled {
            Cancelled::Refused(positions) => positions
                .first()
                .map_or(StoreError::Conflict, |&first| refusal(first)),
            Cancelled::Failed(error) => error,
        })
}

/// Writes `writes` all or nothing, saying which conditions refused them if any did: for
/// callers that need every refusal, not just the first.
pub(super) async fn try_transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
) -> Result<(), Cancelled> {
    let error = match client
        .transact_write_items()
        .set_transact_items(Some(writes))
        .send()
        .await
    {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        error.as_service_error()
    else {
        return Err(Cancelled::Failed(unavailable(error)));
    };
    let reasons = cancelled.cancellation_reasons();
    let refused: Vec<usize> = reasons
        .iter()
        .enumerate()
        .filter(|(_, reason)| reason.code() == Some(CONDITION_FAILED))
        .map(|(position, _)| position)
        .collect();
    if !refused.is_empty() {
        return Err(Cancelled::Refused(refused));
    }
    if reasons
        .iter()
        .any(|reason| reason.code() == Some(TRANSACTION_CONFLICT))
    {
        return Err(Cancelled::Failed(StoreError::Conflict));
    }
    Err(Cancelled::Failed(unavailable(error)))
}
