//! The ledger table's DynamoDB stream, as Lambda hands a batch of it to the webhook
//! function, and the partial batch failures it answers. Only the fields used are read.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use mambogo::adapters::dynamodb::DynamoMockLedger;
use mambogo::adapters::mock_gateway::WebhookSender;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The stream event name of a new item.
const INSERT: &str = "INSERT";

/// A batch of stream records.
#[derive(Debug, Deserialize)]
pub struct StreamEvent {
    /// The records, oldest first.
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

/// One change to the ledger table.
#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// The change itself.
    pub dynamodb: StreamChange,
}

/// The item a record is about.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamChange {
    /// The record's position in its shard; what a partial failure names.
    pub sequence_number: String,
    /// The item after the change, in DynamoDB's JSON (`{"pk": {"S": "…"}}`).
    #[serde(default)]
    pub new_image: HashMap<String, Value>,
}

/// The answer Lambda reads with `ReportBatchItemFailures`: the records to retry.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    /// One entry per record whose webhook was not accepted.
    pub batch_item_failures: Vec<ItemFailure>,
}

/// A record to retry.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFailure {
    /// The record's sequence number.
    pub item_identifier: String,
}

/// The string attributes of `image` (the only kind the ledger's webhook items hold).
fn string_attributes(image: &HashMap<String, Value>) -> HashMap<String, AttributeValue> {
    image
        .iter()
        .filter_map(|(name, value)| {
            let text = value.get("S")?.as_str()?;
            Some((name.clone(), AttributeValue::S(text.to_owned())))
        })
        .collect()
}

/// Sends the webhook of every new webhook item in `event` with `sender`, once each, and
/// names the records whose webhook the shop did not accept, for Lambda to retry.
/// Other records are skipped; so is an unreadable webhook item, logged, since no retry
/// would make it readable and retrying it would hold up the shard.
pub async fn send_new_webhooks(sender: &WebhookSender, event: StreamEvent) -> BatchResponse {
    let mut response = BatchResponse::default();
    for record in event.records {
        if record.event_name != INSERT {
            continue;
        }
        let sequence_number = record.dynamodb.sequence_number;
        let item = string_attributes(&record.dynamodb.new_image);
        let webhook = match DynamoMockLedger::webhook_in(&item) {
            Ok(Some(webhook)) => webhook,
            Ok(None) => continue,
            Err(error) => {
                tracing::error!(%sequence_number, %error, "unreadable webhook item; skipped");
                continue;
            }
        };
        match sender.send(&webhook).await {
            Ok(()) => tracing::info!(
                event_id = %webhook.id,
                order_id = %webhook.order_id,
                "webhook delivered"
            ),
            Err(error) => {
                tracing::warn!(%error, order_id = %webhook.order_id, "webhook not accepted; Lambda retries it");
                response.batch_item_failures.push(ItemFailure {
                    item_identifier: sequence_number,
                });
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use async_trait::async_trait;
    use mambogo::adapters::mock_gateway::WebhookDelivery;
    use mambogo::domain::clock::SystemClock;
    use mambogo::domain::payments::signature::verify;
    use mambogo::domain::payments::GatewayEvent;
    use serde_json::json;
    use time::OffsetDateTime;

    use super::*;

    /// Accepts every webhook except those for the order it refuses, and keeps what it got.
    #[derive(Default)]
    struct Shop {
        received: Mutex<Vec<(Vec<u8>, String)>>,
    }

    const REFUSED_ORDER: &str = "5a0d7f5e-0e9e-4c53-8c8d-1b0f3f3f2a10";

    #[async_trait]
    impl WebhookDelivery for Shop {
        async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String> {
            let refused = String::from_utf8_lossy(&body).contains(REFUSED_ORDER);
            self.received.lock().unwrap().push((body, signature));
            if refused {
                Err("503 Service Unavailable".into())
            } else {
                Ok(())
            }
        }
    }

    fn webhook_body(event_id: &str, order_id: &str) -> String {
        json!({
            "id": event_id,
            "type": "payment.authorized",
            "orderId": order_id,
            "reference": "pay_1",
            "amount": {"amount": 1000, "currency": "USD"},
        })
        .to_string()
    }

    fn record(event_name: &str, sequence_number: &str, image: Value) -> Value {
        json!({
            "eventID": format!("id-{sequence_number}"),
            "eventName": event_name,
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "Keys": {"pk": image["pk"].clone()},
                "NewImage": image,
                "SequenceNumber": sequence_number,
                "SizeBytes": 120,
                "StreamViewType": "NEW_IMAGE",
            },
        })
    }

    #[tokio::test]
    async fn new_webhook_items_are_signed_and_sent_and_failures_named() {
        let accepted_order = "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55";
        let event = json!({"Records": [
            record("INSERT", "100", json!({
                "pk": {"S": "WEBHOOK#evt_1"},
                "reference": {"S": "pay_1"},
                "body": {"S": webhook_body("evt_1", accepted_order)},
            })),
            record("INSERT", "101", json!({
                "pk": {"S": "PAYMENT#pay_1"},
                "amount": {"N": "1000"},
                "stage": {"S": "AUTHORIZED"},
            })),
            record("MODIFY", "102", json!({
                "pk": {"S": "WEBHOOK#evt_1"},
                "body": {"S": webhook_body("evt_1", accepted_order)},
            })),
            record("INSERT", "103", json!({
                "pk": {"S": "WEBHOOK#evt_2"},
                "body": {"S": webhook_body("evt_2", REFUSED_ORDER)},
            })),
            record("INSERT", "104", json!({
                "pk": {"S": "WEBHOOK#evt_3"},
                "body": {"S": "not json"},
            })),
            record("REMOVE", "105", json!({})),
        ]});
        let event: StreamEvent = serde_json::from_value(event).unwrap();
        let shop = Arc::new(Shop::default());
        let sender = WebhookSender::new(shop.clone(), b"whsec_1".to_vec(), Arc::new(SystemClock));

        let response = send_new_webhooks(&sender, event).await;

        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"batchItemFailures": [{"itemIdentifier": "103"}]})
        );
        let received = shop.received.lock().unwrap().clone();
        let ids: Vec<String> = received
            .iter()
            .map(|(body, signature)| {
                verify(
                    Some(signature),
                    body,
                    &[b"whsec_1".to_vec()],
                    OffsetDateTime::now_utc(),
                )
                .unwrap();
                serde_json::from_slice::<GatewayEvent>(body).unwrap().id
            })
            .collect();
        assert_eq!(ids, ["evt_1", "evt_2"]);
    }
}
