//! Building and reading item attributes: keys, numbers and the JSON `body`.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::ports::StoreError;

/// An item, a key or a set of expression values.
pub(super) type Item = HashMap<String, AttributeValue>;

/// The partition key attribute of both tables.
pub(super) const PK: &str = "pk";
/// The sort key attribute of the catalog table.
pub(super) const SK: &str = "sk";
/// The attribute holding the record as JSON.
pub(super) const BODY: &str = "body";
/// The attribute holding a record's version.
pub(super) const VERSION: &str = "version";

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
