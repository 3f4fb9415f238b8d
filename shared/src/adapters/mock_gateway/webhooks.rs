//! Sending the mock gateway's webhooks: signed at sending time, like a real gateway's,
//! so a webhook sent late is not refused as stale.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::clock::Clock;
use crate::domain::payments::signature::signature_header;
use crate::domain::payments::GatewayEvent;

/// How often a webhook sent in the background is tried.
const BACKGROUND_ATTEMPTS: u32 = 5;
/// The pause after the first failed attempt; it doubles after each.
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Where the mock sends its webhooks.
#[async_trait]
pub trait WebhookDelivery: Send + Sync {
    /// Delivers one signed webhook; `Err` when the receiver did not accept it.
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String>;
}

/// Told of each webhook the receiver accepted: a ledger that keeps the webhooks it owes
/// crosses them off, so that only the undelivered are sent again after a restart.
#[async_trait]
pub trait DeliveryReceipts: Send + Sync {
    /// The webhook `event_id` was accepted.
    async fn delivered(&self, event_id: &str);
}

/// A webhook the receiver did not accept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("webhook {event_id} was not accepted: {reason}")]
pub struct WebhookRefused {
    /// The gateway's id of the event.
    pub event_id: String,
    /// What the delivery said.
    pub reason: String,
}

/// Signs webhooks with the gateway's secret and hands them to a [`WebhookDelivery`].
/// Remembers every webhook it signed, as a gateway's dashboard shows them.
pub struct WebhookSender {
    delivery: Arc<dyn WebhookDelivery>,
    secret: Vec<u8>,
    clock: Arc<dyn Clock>,
    sent: Mutex<Vec<(Vec<u8>, String)>>,
    receipts: Option<Arc<dyn DeliveryReceipts>>,
}

impl WebhookSender {
    /// A sender signing with `secret` at `clock`'s time.
    pub fn new(delivery: Arc<dyn WebhookDelivery>, secret: Vec<u8>, clock: Arc<dyn Clock>) -> Self {
        WebhookSender {
            delivery,
            secret,
            clock,
            sent: Mutex::new(Vec::new()),
            receipts: None,
        }
    }

    /// This sender, telling `receipts` of every webhook the receiver accepted.
    pub fn with_receipts(self, receipts: Arc<dyn DeliveryReceipts>) -> Self {
        WebhookSender {
            receipts: Some(receipts),
            ..self
        }
    }

    fn sent_log(&self) -> MutexGuard<'_, Vec<(Vec<u8>, String)>> {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The body and signature header of `event`, signed now, and noted as sent.
    fn sign(&self, event: &GatewayEvent) -> (Vec<u8>, String) {
        // A GatewayEvent holds only strings, numbers and enums: it always serializes.
        let body = serde_json::to_vec(event).unwrap_or_default();
        let signature = signature_header(&self.secret, self.clock.now().unix_timestamp(), &body);
        self.sent_log().push((body.clone(), signature.clone()));
        (body, signature)
    }

    /// Signs `event` and delivers it once; the caller decides whether to try again.
    pub async fn send(&self, event: &GatewayEvent) -> Result<(), WebhookRefused> {
        let (body, signature) = self.sign(event);
        self.delivery
            .deliver(body, signature)
            .await
            .map_err(|reason| WebhookRefused {
                event_id: event.id.clone(),
                reason,
            })?;
        if let Some(receipts) = &self.receipts {
            receipts.delivered(&event.id).await;
        }
        Ok(())
    }

    /// Signs `event` and delivers it from a background task, trying a few times with
    /// growing pauses as gateways do. Only for a process that keeps running once it has
    /// answered: a Lambda may be frozen before the task is done.
    pub fn send_in_background(&self, event: &GatewayEvent) {
        let (body, signature) = self.sign(event);
        let delivery = Arc::clone(&self.delivery);
        let receipts = self.receipts.clone();
        let event_id = event.id.clone();
        tokio::spawn(async move {
            let mut pause = FIRST_PAUSE;
            for attempt in 1..=BACKGROUND_ATTEMPTS {
                match delivery.deliver(body.clone(), signature.clone()).await {
                    Ok(()) => {
                        if let Some(receipts) = receipts {
                            receipts.delivered(&event_id).await;
                        }
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(attempt, %error, %event_id, "webhook not accepted")
                    }
                }
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        });
    }

    /// Every webhook signed so far, oldest first, as body and signature header.
    pub fn sent(&self) -> Vec<(Vec<u8>, String)> {
        self.sent_log().clone()
    }
}
