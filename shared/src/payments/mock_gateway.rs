//! The mock payment gateway that ships with Mambogo: the local shop's gateway and a
//! stand-in for a cloud demo. Test tokens decide the outcome of an authorization:
//!
//! | token           | the gateway…                                        |
//! |-----------------|-----------------------------------------------------|
//! | `tok_approve`   | authorizes, and says so in a `payment.authorized` webhook |
//! | `tok_decline`   | declines, in a `payment.declined` webhook           |
//! | `tok_no_answer` | never answers                                       |
//!
//! Webhooks are sent after the authorize call returns, signed like a real gateway's.
//! Its ledger lives in memory: a restarted mock has forgotten earlier payments.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::gateway::{AuthorizeRequest, GatewayError, PaymentGateway};
use super::signature::signature_header;
use super::webhook::{GatewayEvent, GatewayEventKind};
use crate::clock::{Clock, IdSource};
use crate::ids::OrderId;
use crate::money::Money;

/// Approves the authorization.
pub const APPROVE: &str = "tok_approve";
/// Declines the authorization.
pub const DECLINE: &str = "tok_decline";
/// Never answers the authorization.
pub const NO_ANSWER: &str = "tok_no_answer";

/// Where the mock sends its webhooks.
#[async_trait]
pub trait WebhookDelivery: Send + Sync {
    /// Delivers one signed webhook; `Err` when the receiver did not accept it.
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Pending,
    Authorized,
    Declined,
    Captured,
    Voided,
    Refunded,
}

struct Ledger {
    by_key: HashMap<String, String>,
    payments: HashMap<String, MockPayment>,
    /// Idempotency keys of capture/void/refund calls already performed.
    performed: HashMap<String, Result<(), GatewayError>>,
    /// Every webhook sent: body and signature header.
    sent: Vec<(Vec<u8>, String)>,
}

struct MockPayment {
    amount: Money,
    stage: Stage,
}

/// [`PaymentGateway`] that decides by test token and answers through [`WebhookDelivery`].
pub struct MockGateway {
    ledger: Mutex<Ledger>,
    delivery: Arc<dyn WebhookDelivery>,
    secret: Vec<u8>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

impl MockGateway {
    /// A gateway signing its webhooks with `secret`.
    pub fn new(
        delivery: Arc<dyn WebhookDelivery>,
        secret: Vec<u8>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self {
        MockGateway {
            ledger: Mutex::new(Ledger {
                by_key: HashMap::new(),
                payments: HashMap::new(),
                performed: HashMap::new(),
                sent: Vec::new(),
            }),
            delivery,
            secret,
            clock,
            ids,
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends the webhook in the background, retrying a few times as gateways do.
    fn notify(
        &self,
        kind: GatewayEventKind,
        order_id: OrderId,
        reference: String,
        amount: Money,
        reason: Option<String>,
    ) {
        let event = GatewayEvent {
            id: format!("evt_{}", self.ids.next_uuid().simple()),
            kind,
            order_id,
            reference,
            amount,
            reason,
        };
        let body = serde_json::to_vec(&event).unwrap_or_default();
        let signature = signature_header(&self.secret, self.clock.now().unix_timestamp(), &body);
        self.ledger().sent.push((body.clone(), signature.clone()));
        let delivery = Arc::clone(&self.delivery);
        tokio::spawn(async move {
            let mut pause = std::time::Duration::from_millis(100);
            for attempt in 1..=5 {
                match delivery.deliver(body.clone(), signature.clone()).await {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(attempt, %error, event_id = %event.id, "webhook not accepted")
                    }
                }
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        });
    }

    /// Every webhook the gateway has sent, oldest first, as body and signature header; a
    /// gateway's dashboard shows them so they can be delivered again.
    pub fn sent_webhooks(&self) -> Vec<(Vec<u8>, String)> {
        self.ledger().sent.clone()
    }

    /// Runs a capture/void/refund once per idempotency key.
    fn perform(
        &self,
        reference: &str,
        key: &str,
        step: impl FnOnce(&mut MockPayment) -> Result<(), GatewayError>,
    ) -> Result<(), GatewayError> {
        let mut ledger = self.ledger();
        if let Some(outcome) = ledger.performed.get(key) {
            return outcome.clone();
        }
        let payment = ledger
            .payments
            .get_mut(reference)
            .ok_or_else(|| GatewayError::UnknownReference(reference.to_owned()))?;
        let outcome = step(payment);
        ledger.performed.insert(key.to_owned(), outcome.clone());
        outcome
    }
}

#[async_trait]
impl PaymentGateway for MockGateway {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError> {
        let stage = match request.payment_token.as_str() {
            APPROVE => Stage::Authorized,
            DECLINE => Stage::Declined,
            NO_ANSWER => Stage::Pending,
            other => {
                return Err(GatewayError::Declined(format!(
                    "unknown test token {other}"
                )))
            }
        };
        let reference = {
            let mut ledger = self.ledger();
            if let Some(reference) = ledger.by_key.get(&request.idempotency_key) {
                return Ok(reference.clone());
            }
            let reference = format!("pay_{}", self.ids.next_uuid().simple());
            ledger
                .by_key
                .insert(request.idempotency_key.clone(), reference.clone());
            ledger.payments.insert(
                reference.clone(),
                MockPayment {
                    amount: request.amount,
                    stage,
                },
            );
            reference
        };
        match stage {
            Stage::Authorized => self.notify(
                GatewayEventKind::Authorized,
                request.order_id,
                reference.clone(),
                request.amount,
                None,
            ),
            Stage::Declined => self.notify(
                GatewayEventKind::Declined,
                request.order_id,
                reference.clone(),
                request.amount,
                Some("the card was declined".to_owned()),
            ),
            _ => {}
        }
        Ok(reference)
    }

    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Authorized if amount.amount <= payment.amount.amount => {
                payment.stage = Stage::Captured;
                Ok(())
            }
            Stage::Authorized => Err(GatewayError::InvalidState(
                "capture exceeds the authorization".into(),
            )),
            other => Err(GatewayError::InvalidState(format!(
                "cannot capture a payment that is {other:?}"
            ))),
        })
    }

    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Pending | Stage::Authorized | Stage::Declined | Stage::Voided => {
                payment.stage = Stage::Voided;
                Ok(())
            }
            other => Err(GatewayError::InvalidState(format!(
                "cannot void a payment that is {other:?}"
            ))),
        })
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Captured if amount.amount <= payment.amount.amount => {
                payment.stage = Stage::Refunded;
                Ok(())
            }
            other => Err(GatewayError::InvalidState(format!(
                "cannot refund a payment that is {other:?}"
            ))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{SequentialIds, SystemClock};
    use crate::money::Currency;
    use tokio::sync::mpsc;

    struct Channel(mpsc::UnboundedSender<GatewayEvent>);

    #[async_trait]
    impl WebhookDelivery for Channel {
        async fn deliver(&self, body: Vec<u8>, _signature: String) -> Result<(), String> {
            let event = serde_json::from_slice(&body).map_err(|error| error.to_string())?;
            self.0.send(event).map_err(|error| error.to_string())
        }
    }

    fn gateway() -> (MockGateway, mpsc::UnboundedReceiver<GatewayEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let gateway = MockGateway::new(
            Arc::new(Channel(sender)),
            b"secret".to_vec(),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::default()),
        );
        (gateway, receiver)
    }

    fn request(token: &str, key: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            order_id: OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap(),
            amount: Money::new(1_000, Currency::USD),
            payment_token: token.to_owned(),
            idempotency_key: key.to_owned(),
        }
    }

    #[tokio::test]
    async fn approve_answers_by_webhook_once_per_key() {
        let (gateway, mut webhooks) = gateway();
        let reference = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
        assert_eq!(
            gateway.authorize(&request(APPROVE, "k1")).await.unwrap(),
            reference
        );
        let event = webhooks.recv().await.unwrap();
        assert_eq!(
            (event.kind, event.reference.as_str()),
            (GatewayEventKind::Authorized, reference.as_str())
        );
        gateway
            .capture(&reference, Money::new(1_000, Currency::USD), "c1")
            .await
            .unwrap();
        gateway
            .capture(&reference, Money::new(1_000, Currency::USD), "c1")
            .await
            .unwrap();
        gateway
            .refund(&reference, Money::new(1_000, Currency::USD), "r1")
            .await
            .unwrap();
        assert!(matches!(
            gateway.void(&reference, "v1").await,
            Err(GatewayError::InvalidState(_))
        ));
        assert!(
            webhooks.try_recv().is_err(),
            "one webhook per authorization"
        );
    }

    #[tokio::test]
    async fn decline_answers_declined_and_unknown_tokens_are_refused() {
        let (gateway, mut webhooks) = gateway();
        let reference = gateway.authorize(&request(DECLINE, "k1")).await.unwrap();
        let event = webhooks.recv().await.unwrap();
        assert_eq!(event.kind, GatewayEventKind::Declined);
        assert!(matches!(
            gateway
                .capture(&reference, Money::new(1, Currency::USD), "c")
                .await,
            Err(GatewayError::InvalidState(_))
        ));
        assert!(matches!(
            gateway.authorize(&request("tok_other", "k2")).await,
            Err(GatewayError::Declined(_))
        ));
    }

    #[tokio::test]
    async fn no_answer_stays_silent_and_can_be_voided() {
        let (gateway, webhooks) = gateway();
        let reference = gateway.authorize(&request(NO_ANSWER, "k1")).await.unwrap();
        gateway.void(&reference, "v1").await.unwrap();
        drop(gateway);
        let mut webhooks = webhooks;
        assert!(webhooks.recv().await.is_none(), "no webhook was ever sent");
    }
}
