//! Idempotency keys and handled events in DynamoDB; the table design is in the
//! [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::error::{unavailable, written};
use super::item::{
    get, number, partition_key, read_number, read_text, text, Item, BODY, EXPIRES_AT,
};
use super::write_token::{written_once, WriteToken};
use crate::domain::idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
use crate::domain::store::{retry_on_conflict, StoreError};

/// The hash of the request body that claimed a key.
const FINGERPRINT: &str = "fingerprint";
/// The HTTP status of a completed request; absent while the request is in progress.
const STATUS: &str = "status";

/// [`IdempotencyStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoIdempotency {
    client: Client,
    table: String,
}

fn request_key(key: &str) -> Item {
    partition_key(format!("KEY#{key}"))
}

fn handled_key(consumer: &str, event_id: &str) -> Item {
    partition_key(format!("HANDLED#{consumer}#{event_id}"))
}

/// What a live key claimed by someone else means for a request with `fingerprint`.
fn existing_claim(item: &Item, fingerprint: &str) -> Result<IdempotencyClaim, StoreError> {
    if read_text(item, FINGERPRINT)? != fingerprint {
        return Ok(IdempotencyClaim::Mismatch);
    }
    if !(item.contains_key(STATUS) && item.contains_key(BODY)) {
        return Ok(IdempotencyClaim::InProgress);
    }
    Ok(IdempotencyClaim::Replay(StoredResponse {
        status: read_number(item, STATUS)?,
        body: read_text(item, BODY)?.to_owned(),
    }))
}

impl DynamoIdempotency {
    /// The idempotency keys and handled events kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoIdempotency {
            client,
            table: table.into(),
        }
    }

    /// Writes a fresh claim of `key` unless a live one is there; whether it was written.
    async fn try_claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut item = request_key(key);
        item.insert(FINGERPRINT.to_owned(), text(fingerprint));
        item.insert(EXPIRES_AT.to_owned(), number(expires_at.unix_timestamp()));
        let token = WriteToken::new();
        token.put_on(&mut item);
        let claimed = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", number(now.unix_timestamp()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        written_once(claimed, &token)
    }
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotency {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError> {
        retry_on_conflict(|| async {
            if self.try_claim(key, fingerprint, now, expires_at).await? {
                return Ok(IdempotencyClaim::Claimed);
            }
            // A release or an expiry between the refused write and this read leaves the
            // key free again: claim it anew rather than report a request that is gone.
            let Some(item) = get(&self.client, &self.table, request_key(key)).await? else {
                return Err(StoreError::Conflict);
            };
            if read_number::<i64>(&item, EXPIRES_AT)? <= now.unix_timestamp() {
                return Err(StoreError::Conflict);
            }
            existing_claim(&item, fingerprint)
        })
        .await
    }

    async fn complete(
        &self,
        key: &str,
        response: &StoredResponse,
        keep_until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // Without the condition, completing a key that is gone would create an item
        // with no fingerprint; like the SQLite adapter, such a completion does nothing.
        let completed = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(request_key(key)))
            .update_expression("SET #status = :status, #body = :body, expires_at = :keep")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", STATUS)
            .expression_attribute_names("#body", BODY)
            .expression_attribute_values(":status", number(response.status))
            .expression_attribute_values(":body", text(response.body.as_str()))
            .expression_attribute_values(":keep", number(keep_until.unix_timestamp()))
            .send()
            .await;
        written(completed).map(drop)
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        // A completed request keeps its response for replays; releasing it does nothing.
        let released = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(request_key(key)))
            .condition_expression("attribute_not_exists(#status)")
            .expression_attribute_names("#status", STATUS)
            .send()
            .await;
        written(released).map(drop)
    }

    async fn handled(&self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        let key = handled_key(consumer, event_id);
        Ok(get(&self.client, &self.table, key).await?.is_some())
    }

    async fn record_handled(
        &self,
        consumer: &str,
        event_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut item = handled_key(consumer, event_id);
        item.insert(EXPIRES_AT.to_owned(), number(expires_at.unix_timestamp()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
