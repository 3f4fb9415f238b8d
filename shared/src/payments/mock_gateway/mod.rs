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
//! How they leave is the gateway's [`Answering`]: in the background from the same process
//! (the local shop), or from the ledger's own delivery trigger (a Lambda, which may be
//! frozen as soon as it has answered; see `mambogo_functions::mock_gateway`).
//!
//! The ledger is a port, [`MockLedger`]: in memory for the local shop (a restarted mock
//! has forgotten earlier payments), in DynamoDB
//! ([`DynamoMockLedger`](crate::adapters::dynamodb::DynamoMockLedger)) for the cloud.

mod http_webhooks;
mod in_memory;
mod ledger;
mod webhooks;

pub use http_webhooks::{post_signed, HttpWebhooks};
pub use in_memory::InMemoryLedger;
pub use ledger::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Stage, Step, StepOutcome,
    StepRecorded,
};
pub use webhooks::{WebhookDelivery, WebhookRefused, WebhookSender};

use std::sync::Arc;

use async_trait::async_trait;

use super::gateway::{AuthorizeRequest, GatewayError, PaymentGateway};
use super::webhook::{GatewayEvent, GatewayEventKind};
use crate::clock::{Clock, IdSource};
use crate::money::Money;
use crate::ports::StoreError;

/// Approves the authorization.
pub const APPROVE: &str = "tok_approve";
/// Declines the authorization.
pub const DECLINE: &str = "tok_decline";
/// Never answers the authorization.
pub const NO_ANSWER: &str = "tok_no_answer";

/// How often a step is decided again when concurrent calls keep changing its payment.
const STEP_ATTEMPTS: usize = 5;

/// How the gateway's webhooks leave it.
pub enum Answering {
    /// Sent by this process right after the authorize call, retried a few times.
    InBackground(Arc<WebhookSender>),
    /// Left to the ledger, which keeps each webhook with its authorization for a delivery
    /// trigger of its own to send with [`WebhookSender::send`].
    ByLedger,
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
    /// payment, the stage it moves to or why it cannot.
    async fn perform(
        &self,
        reference: &str,
        key: &str,
        rule: impl Fn(&MockPayment) -> Result<Stage, String>,
    ) -> Result<(), GatewayError> {
        for _ in 0..STEP_ATTEMPTS {
            let payment = self
                .ledger
                .payment(reference)
                .await
                .map_err(unavailable)?
                .ok_or_else(|| GatewayError::UnknownReference(reference.to_owned()))?;
            let (to, outcome) = match rule(&payment) {
                Ok(to) => (to, StepOutcome::Performed),
                Err(reason) => (payment.stage, StepOutcome::Refused(reason)),
            };
            let step = Step {
                key: key.to_owned(),
                reference: reference.to_owned(),
                from: payment.stage,
                to,
                outcome: outcome.clone(),
            };
            match self.ledger.record_step(&step).await.map_err(unavailable)? {
                StepRecorded::Recorded => return outcome.into_result(),
                StepRecorded::Earlier(earlier) => return earlier.into_result(),
                StepRecorded::Stale => continue,
            }
        }
        Err(GatewayError::Unavailable(format!(
            "payment {reference} keeps changing; try again"
        )))
    }
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
            id: format!("evt_{}", self.ids.next_uuid().simple()),
            kind,
            order_id: request.order_id,
            reference: reference.clone(),
            amount: request.amount,
            reason,
        });
        let authorization = NewAuthorization {
            idempotency_key: request.idempotency_key.clone(),
            reference: reference.clone(),
            payment: MockPayment {
                order_id: request.order_id,
                amount: request.amount,
                stage,
            },
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
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Authorized if amount.amount <= payment.amount.amount => Ok(Stage::Captured),
            Stage::Authorized => Err("capture exceeds the authorization".into()),
            other => Err(format!("cannot capture a payment that is {other:?}")),
        })
        .await
    }

    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Pending | Stage::Authorized | Stage::Declined | Stage::Voided => {
                Ok(Stage::Voided)
            }
            other => Err(format!("cannot void a payment that is {other:?}")),
        })
        .await
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        self.perform(reference, idempotency_key, |payment| match payment.stage {
            Stage::Captured if amount.amount <= payment.amount.amount => Ok(Stage::Refunded),
            other => Err(format!("cannot refund a payment that is {other:?}")),
        })
        .await
    }
}

#[cfg(test)]
mod tests;
