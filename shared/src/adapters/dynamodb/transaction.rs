//! Conditional writes in one TransactWriteItems call, and what a cancellation means.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;

use super::error::{invalid_request, unavailable};
use super::item::Item;
use crate::ports::StoreError;

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

/// DynamoDB refuses an empty map of expression values, so none is sent as none.
fn expression_values(values: Item) -> Option<Item> {
    (!values.is_empty()).then_some(values)
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
        return Err(unavailable(error));
    };
    let reasons = cancelled.cancellation_reasons();
    if let Some(position) = reasons
        .iter()
        .position(|reason| reason.code() == Some(CONDITION_FAILED))
    {
        return Err(refusal(position));
    }
    if reasons
        .iter()
        .any(|reason| reason.code() == Some(TRANSACTION_CONFLICT))
    {
        return Err(StoreError::Conflict);
    }
    Err(unavailable(error))
}
