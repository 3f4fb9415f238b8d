//! The mock payment gateway that ships with Mambogo: the local shop's gateway and a
//! stand-in for a cloud demo. Test tokens decide the outcome of an authorization:
//!
//! | token           | the gateway…                                        |
//! |-----------------|-----------------------------------------------------|
//! | `tok_approve`   | authorizes, and says so in a `payment.authorized` webhook |
//! | `tok_decline`   | declines, in a `payment.declined` webhook           |
//! | `tok_no_answer` | never answers                                       |
//!
//! It takes every [`PaymentMethod`](crate::domain::payments::PaymentMethod) (`CARD`,
//! `PAYPAL`, `UPI`), and the same three tokens decide the outcome for each.
//!
//! A captured payment may be refunded in several parts, each call under its own
//! idempotency key, together never more than was captured; each refund is answered by a
//! `refund.succeeded` webhook naming the refund by the id its key carries
//! ([`refund_id_of`](crate::domain::payments::refund_id_of)).
//!
//! Webhooks are sent after the call returns, signed like a real gateway's.
//! How they leave is the gateway's [`Answering`]: in the background from the same process
//! (the local shop), or from the ledger's own delivery trigger (a Lambda, which may be
//! frozen as soon as it has answered; see `mambogo_functions::mock_gateway`).
//!
//! The ledger is a port, [`MockLedger`]: in the local shop's SQLite
//! ([`SqliteMockLedger`](crate::adapters::sqlite::SqliteMockLedger), so a restarted shop
//! knows the payments its gateway made and sends the webhooks it still owes), in memory
//! for tests, in DynamoDB
//! ([`DynamoMockLedger`](crate::adapters::dynamodb::DynamoMockLedger)) for the cloud.

mod http_webhooks;
mod in_memory;
mod ledger;
pub mod service;
mod webhooks;

pub use http_webhooks::{post_signed, HttpWebhooks};
pub use in_memory::InMemoryLedger;
pub use ledger::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Stage, Step, StepOutcome,
    StepRecorded,
};
pub use webhooks::{DeliveryReceipts, WebhookDelivery, WebhookRefused, WebhookSender};

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::clock::{Clock, IdSource};
use crate::domain::money::Money;
use crate::domain::payments::{
    refund_id_of, AuthorizeRequest, GatewayError, GatewayEvent, GatewayEventKind, PaymentGateway,
};
use crate::domain::store::{retry_on_conflict, StoreError};

/// Approves the authorization.
pub const APPROVE: &str = "tok_approve";
/// Declines the authorization.
pub const DECLINE: &str = "tok_decline";
/// Never answers the authorization.
pub const NO_ANSWER: &str = "tok_no_answer";

/// How the gateway's webhooks leave it.
pub enum Answering {
    /// Sent by this process right after the authorize or refund call, retried a few times.
    InBackground(Arc<WebhookSender>),
    /// Left to the ledger, which keeps each webhook with its authorization or refund for
    /// a delivery trigger of its own to send with [`WebhookSender::send`].
    ByLedger,
}

/// What a performed step is answered with later.
enum Answer {
    /// Nothing: captures and voids are answered by the call alone.
    Nothing,
    /// A `refund.succeeded` webhook for the refund of `amount`.
    RefundSucceeded { refund_id: String, amount: Money },
}

/// [`PaymentGateway`] that decides by test token, keeps its payments in a [`MockLedger`]
/// and answers authorizations by webhook.
pub struct MockGateway<L = InMemoryLedger> {
    ledger: L,
    answering: Answering,
    ids: Arc<dyn IdSource>,
}

impl MockGateway<InMemoryLedger> {
    /// A gateway with its ledger in memory, signing its webhooks with `secret` and sending
    /// them through `delivery` in the background.
    pub fn new(
        delivery: Arc<dyn WebhookDelivery>,
        secret: Vec<u8>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self {
        let sender = WebhookSender::new(delivery, secret, clock);
        MockGateway::with_ledger(
            InMemoryLedger::default(),
            Answering::InBackground(Arc::new(sender)),
            ids,
        )
    }
}

impl<L: MockLedger> MockGateway<L> {
    /// A gateway keeping its payments in `ledger`.
    pub fn with_ledger(ledger: L, answering: Answering, ids: Arc<dyn IdSource>) -> Self {
        MockGateway {
            ledger,
            answering,
            ids,
        }
    }

    /// Every webhook this process has sent, oldest first, as body and signature header; a
    /// gateway's dashboard shows them so they can be delivered again. Empty when the
    /// ledger sends them.
    pub fn sent_webhooks(&self) -> Vec<(Vec<u8>, String)> {
        match &self.answering {
            Answering::InBackground(sender) => sender.sent(),
            Answering::ByLedger => Vec::new(),
        }
    }

    /// Runs a capture/void/refund once per idempotency key: `rule` decides, from the
    /// payment, what it becomes or why it cannot; a performed step is answered later
    /// as `answer` says.
    async fn perform(
        &self,
        reference: &str,
        key: &str,
        rule: impl Fn(&MockPayment) -> Result<MockPayment, String>,
        answer: Answer,
    ) -> Result<(), GatewayError> {
        // A stale step (its payment changed since it was read) is decided again.
        let performed = retry_on_conflict(|| async {
            let Some(payment) = self.ledger.payment(reference).await? else {
                return Ok(Err(GatewayError::UnknownReference(reference.to_owned())));
            };
            let mut step = Step::decided(key, reference, &payment, rule(&payment));
            if step.outcome == StepOutcome::Performed {
                step.webhook = self.answer(&answer, &payment, reference);
            }
            match self.ledger.record_step(&step).await? {
                StepRecorded::Recorded => {
                    if let (Answering::InBackground(sender), Some(webhook)) =
                        (&self.answering, &step.webhook)
                    {
                        sender.send_in_background(webhook);
                    }
                    Ok(step.outcome.into_result())
                }
                StepRecorded::Earlier(earlier) => Ok(earlier.into_result()),
                StepRecorded::Stale => Err(StoreError::Conflict),
            }
        })
        .await;
        match performed {
            Ok(outcome) => outcome,
            Err(StoreError::Conflict) => Err(GatewayError::Unavailable(format!(
                "payment {reference} keeps changing; try again"
            ))),
            Err(error) => Err(unavailable(error)),
        }
    }
}

impl<L: MockLedger> MockGateway<L> {
    /// The webhook that answers a step performed on `payment`, if `answer` asks for one.
    fn answer(
        &self,
        answer: &Answer,
        payment: &MockPayment,
        reference: &str,
    ) -> Option<GatewayEvent> {
        match answer {
            Answer::Nothing => None,
            Answer::RefundSucceeded { refund_id, amount } => Some(GatewayEvent {
                id: self.next_event_id(),
                kind: GatewayEventKind::RefundSucceeded,
                order_id: payment.order_id,
                reference: reference.to_owned(),
                amount: *amount,
                reason: None,
                refund_id: Some(refund_id.clone()),
            }),
        }
    }

    fn next_event_id(&self) -> String {
        format!("evt_{}", self.ids.next_uuid().simple())
    }
}

/// `payment` after a refund of `amount`: partly refunded, it stays captured.
fn refunded(payment: &MockPayment, amount: Money) -> Result<MockPayment, String> {
    if payment.stage != Stage::Captured {
        return Err(format!(
            "cannot refund a payment that is {:?}",
            payment.stage
        ));
    }
    if amount.currency != payment.amount.currency {
        return Err(format!(
            "the payment is in {}, not {}",
            payment.amount.currency, amount.currency
        ));
    }
    let left = payment.refundable();
    if amount.amount <= 0 || amount.amount > left {
        return Err(format!(
            "a refund of {} exceeds the {left} left to refund",
            amount.amount
        ));
    }
    let refunded = payment.refunded + amount.amount;
    Ok(MockPayment {
        stage: if refunded >= payment.captured {
            Stage::Refunded
        } else {
            Stage::Captured
        },
        refunded,
        ..payment.clone()
    })
}

fn unavailable(error: StoreError) -> GatewayError {
    GatewayError::Unavailable(format!("the ledger failed: {error}"))
}

#[async_trait]
impl<L: MockLedger> PaymentGateway for MockGateway<L> {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError> {
        let (stage, answer) = match request.payment_token.as_str() {
            APPROVE => (
                Stage::Authorized,
                Some((GatewayEventKind::Authorized, None)),
            ),
            DECLINE => (
                Stage::Declined,
                Some((
                    GatewayEventKind::Declined,
                    Some("the card was declined".to_owned()),
                )),
            ),
            NO_ANSWER => (Stage::Pending, None),
            other => {
                return Err(GatewayError::Declined(format!(
                    "unknown test token {other}"
                )))
            }
        };
        // Read first so that a retried call draws no ids; the write below decides races.
        let known = self
            .ledger
            .reference(&request.idempotency_key)
            .await
            .map_err(unavailable)?;
        if let Some(reference) = known {
            return Ok(reference);
        }
        let reference = format!("pay_{}", self.ids.next_uuid().simple());
        let webhook = answer.map(|(kind, reason)| GatewayEvent {
            id: self.next_event_id(),
            kind,
            order_id: request.order_id,
            reference: reference.clone(),
            amount: request.amount,
            reason,
            refund_id: None,
        });
        let authorization = NewAuthorization {
            idempotency_key: request.idempotency_key.clone(),
            reference: reference.clone(),
            payment: MockPayment::new(request.order_id, request.amount, stage),
            webhook,
        };
        match self
            .ledger
            .authorize(&authorization)
            .await
            .map_err(unavailable)?
        {
            AuthorizeOutcome::Known(first) => Ok(first),
            AuthorizeOutcome::Recorded => {
                if let (Answering::InBackground(sender), Some(webhook)) =
                    (&self.answering, &authorization.webhook)
                {
                    sender.send_in_background(webhook);
                }
                Ok(reference)
            }
        }
    }

    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let rule = |payment: &MockPayment| match payment.stage {
            Stage::Authorized
                if amount.currency == payment.amount.currency
                    && amount.amount <= payment.amount.amount =>
            {
                Ok(MockPayment {
                    stage: Stage::Captured,
                    captured: amount.amount,
                    ..payment.clone()
                })
            }
            Stage::Authorized => Err("capture exceeds the authorization".into()),
            other => Err(format!("cannot capture a payment that is {other:?}")),
        };
        self.perform(reference, idempotency_key, rule, Answer::Nothing)
            .await
    }

    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        let rule = |payment: &MockPayment| match payment.stage {
            Stage::Pending | Stage::Authorized | Stage::Declined | Stage::Voided => {
                Ok(MockPayment {
                    stage: Stage::Voided,
                    ..payment.clone()
                })
            }
            other => Err(format!("cannot void a payment that is {other:?}")),
        };
        self.perform(reference, idempotency_key, rule, Answer::Nothing)
            .await
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let answer = Answer::RefundSucceeded {
            refund_id: refund_id_of(idempotency_key).to_owned(),
            amount,
        };
        self.perform(
            reference,
            idempotency_key,
            |payment| refunded(payment, amount),
            answer,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
