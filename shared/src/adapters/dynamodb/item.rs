//! Building and reading item attributes (keys, numbers, expression values and the JSON
//! `body`), and reading one item by its key.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::unavailable;
use crate::domain::store::StoreError;

/// An item, a key or a set of expression values.
pub(super) type Item = HashMap<String, AttributeValue>;

/// The partition key attribute of every table.
pub(super) const PK: &str = "pk";
/// The sort key attribute of the catalog and inventory tables.
pub(super) const SK: &str = "sk";
/// The attribute holding the record as JSON.
pub(super) const BODY: &str = "body";
/// When an item expires, in epoch seconds: the TTL attribute of the tables that have
/// one, and a reservation's deadline.
pub(super) const EXPIRES_AT: &str = "expires_at";
/// The attribute holding a record's version.
pub(super) const VERSION: &str = "version";

/// The key of an item in a table keyed by [`PK`] alone.
pub(super) fn partition_key(pk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), text(pk))])
}

/// The key of an item in a table keyed by [`PK`] and [`SK`].
pub(super) fn composite_key(pk: impl Into<String>, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), text(pk)), (SK.to_owned(), text(sk))])
}

/// Attributes, or expression values, from `(name, value)` pairs.
pub(super) fn attributes<const N: usize>(pairs: [(&str, AttributeValue); N]) -> Item {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// The value of `:previous` for writing a record at `version`: the version it replaces,
/// as a condition such as `version = :previous` expects it.
pub(super) fn previous_version(version: u64) -> Item {
    attributes([(":previous", number(version.saturating_sub(1)))])
}

/// The item at `key` in `table`, read consistently; `None` if there is none.
pub(super) async fn get(
    client: &Client,
    table: &str,
    key: Item,
) -> Result<Option<Item>, StoreError> {
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(unavailable)?;
    Ok(output.item)
}

/// A string attribute.
pub(super) fn text(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub(super) fn number(value: impl Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// `value` as the JSON string stored in `body`.
pub(super) fn body(value: &impl Serialize) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// The string attribute `name` of `item`.
pub(super) fn read_text<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(malformed(item, name, "a string")),
    }
}

/// The number attribute `name` of `item`.
pub(super) fn read_number<T: FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| malformed(item, name, "a whole number")),
        _ => Err(malformed(item, name, "a number")),
    }
}

/// The record kept in `body` of `item`.
pub(super) fn read_body<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_str(read_text(item, BODY)?).map_err(|error| {
        StoreError::Corrupt(format!("item {}: {BODY}: {error}", describe_key(item)))
    })
}

fn malformed(item: &Item, name: &str, expected: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "item {}: {name} is not {expected}",
        describe_key(item)
    ))
}

fn describe_key(item: &Item) -> &str {
    match item.get(PK) {
        Some(AttributeValue::S(pk)) => pk,
        _ => "without a key",
    }
}
