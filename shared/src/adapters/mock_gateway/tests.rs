//! The mock gateway's rules, on the in-memory ledger and on ledgers that misbehave.

use std::sync::Mutex;

use super::*;
use crate::domain::clock::{SequentialIds, SystemClock};
use crate::domain::ids::OrderId;
use crate::domain::money::Currency;
use crate::domain::payments::signature::verify;
use crate::domain::payments::PaymentMethod;
use crate::domain::store::WRITE_ATTEMPTS;
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
        method: PaymentMethod::Card,
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
    let refunded = webhooks.recv().await.unwrap();
    assert_eq!(
        (refunded.kind, refunded.refund_id.as_deref()),
        (GatewayEventKind::RefundSucceeded, Some("r1"))
    );
    assert!(matches!(
        gateway.void(&reference, "v1").await,
        Err(GatewayError::InvalidState(_))
    ));
    assert_eq!(
        gateway.sent_webhooks().len(),
        2,
        "one webhook per authorization and one per refund"
    );
}

fn usd(amount: i64) -> Money {
    Money::new(amount, Currency::USD)
}

/// A captured payment of 1,000 on `gateway`: its reference.
async fn captured(gateway: &MockGateway) -> String {
    let reference = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    gateway.capture(&reference, usd(1_000), "c1").await.unwrap();
    reference
}

#[tokio::test]
async fn partial_refunds_add_up_to_the_capture_and_no_further() {
    let (gateway, mut webhooks) = gateway();
    let reference = captured(&gateway).await;
    assert_eq!(
        webhooks.recv().await.unwrap().kind,
        GatewayEventKind::Authorized
    );

    assert_eq!(
        gateway
            .refund(&reference, usd(300), "o:refund:return-1")
            .await,
        Ok(())
    );
    assert_eq!(
        gateway
            .refund(&reference, usd(300), "o:refund:return-1")
            .await,
        Ok(()),
        "a replayed key is answered as before"
    );
    assert!(matches!(
        gateway.refund(&reference, usd(701), "o:refund:too-much").await,
        Err(GatewayError::InvalidState(reason)) if reason.contains("700 left")
    ));
    assert!(matches!(
        gateway
            .refund(
                &reference,
                Money::new(100, "EUR".parse().unwrap()),
                "o:refund:euros"
            )
            .await,
        Err(GatewayError::InvalidState(_))
    ));
    assert_eq!(
        gateway
            .refund(&reference, usd(700), "o:refund:return-2")
            .await,
        Ok(())
    );
    assert!(matches!(
        gateway.refund(&reference, usd(1), "o:refund:more").await,
        Err(GatewayError::InvalidState(_))
    ));

    let first = webhooks.recv().await.unwrap();
    let second = webhooks.recv().await.unwrap();
    assert!([&first, &second]
        .iter()
        .all(|event| event.kind == GatewayEventKind::RefundSucceeded));
    let mut refunds = vec![
        (first.refund_id.clone(), first.amount.amount),
        (second.refund_id.clone(), second.amount.amount),
    ];
    refunds.sort();
    assert_eq!(
        refunds,
        [
            (Some("return-1".into()), 300),
            (Some("return-2".into()), 700)
        ]
    );
    assert_ne!(first.id, second.id);
    assert_eq!(first.reference, reference);
    assert_eq!(
        gateway.sent_webhooks().len(),
        3,
        "one authorization and two refunds, the replay sent nothing"
    );
    let payment = gateway.ledger.payment(&reference).await.unwrap().unwrap();
    assert_eq!(
        (payment.stage, payment.captured, payment.refunded),
        (Stage::Refunded, 1_000, 1_000)
    );
}

#[tokio::test]
async fn concurrent_partial_refunds_never_pass_the_capture() {
    let (gateway, _webhooks) = gateway();
    let gateway = Arc::new(gateway);
    let reference = captured(&gateway).await;
    let calls = (0..25).map(|call| {
        let (gateway, reference) = (Arc::clone(&gateway), reference.clone());
        tokio::spawn(async move {
            gateway
                .refund(&reference, usd(100), &format!("o:refund:r{call}"))
                .await
        })
    });
    let outcomes: Vec<_> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.unwrap())
        .collect();
    let refunded = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(refunded, 10, "{outcomes:?}");
    let payment = gateway.ledger.payment(&reference).await.unwrap().unwrap();
    assert_eq!(payment.refunded, 1_000);
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

#[tokio::test]
async fn capture_beyond_the_authorization_is_refused_and_answered_the_same_again() {
    let (gateway, _webhooks) = gateway();
    let reference = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    let too_much = Money::new(1_001, Currency::USD);
    let refused = gateway.capture(&reference, too_much, "c1").await;
    assert!(matches!(refused, Err(GatewayError::InvalidState(_))));
    assert_eq!(gateway.capture(&reference, too_much, "c1").await, refused);
    assert_eq!(
        gateway
            .capture(&reference, Money::new(1_000, Currency::USD), "c1")
            .await,
        refused,
        "a key is answered as it was first, whatever the second call asks"
    );
    gateway
        .capture(&reference, Money::new(1_000, Currency::USD), "c2")
        .await
        .unwrap();
    assert_eq!(
        gateway.void("pay_unknown", "v1").await,
        Err(GatewayError::UnknownReference("pay_unknown".into()))
    );
}

#[tokio::test]
async fn concurrent_authorizes_with_one_key_share_one_reference() {
    let (gateway, mut webhooks) = gateway();
    let gateway = Arc::new(gateway);
    let calls = (0..20).map(|_| {
        let gateway = Arc::clone(&gateway);
        tokio::spawn(async move { gateway.authorize(&request(APPROVE, "k1")).await })
    });
    let mut references = Vec::new();
    for call in futures::future::join_all(calls).await {
        references.push(call.unwrap().unwrap());
    }
    references.dedup();
    assert_eq!(references.len(), 1, "{references:?}");
    assert_eq!(webhooks.recv().await.unwrap().reference, references[0]);
    assert_eq!(gateway.sent_webhooks().len(), 1);
}

#[tokio::test]
async fn sent_webhooks_are_signed_with_the_secret() {
    let (gateway, mut webhooks) = gateway();
    gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    webhooks.recv().await.unwrap();
    let sent = gateway.sent_webhooks();
    let (body, signature) = &sent[0];
    assert_eq!(
        verify(
            Some(signature),
            body,
            &[b"secret".to_vec()],
            SystemClock.now()
        )
        .map(drop),
        Ok(())
    );
}

/// An in-memory ledger that also keeps the webhooks it is handed, as a ledger with
/// a delivery trigger does.
#[derive(Default)]
struct Outbox {
    ledger: InMemoryLedger,
    webhooks: Mutex<Vec<GatewayEvent>>,
}

#[async_trait]
impl MockLedger for Outbox {
    async fn reference(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.ledger.reference(key).await
    }

    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError> {
        let outcome = self.ledger.authorize(authorization).await?;
        if outcome == AuthorizeOutcome::Recorded {
            self.webhooks
                .lock()
                .unwrap()
                .extend(authorization.webhook.clone());
        }
        Ok(outcome)
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        self.ledger.payment(reference).await
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let recorded = self.ledger.record_step(step).await?;
        if recorded == StepRecorded::Recorded {
            self.webhooks.lock().unwrap().extend(step.webhook.clone());
        }
        Ok(recorded)
    }
}

#[tokio::test]
async fn answering_by_ledger_leaves_the_webhooks_to_the_ledger() {
    let gateway = MockGateway::with_ledger(
        Outbox::default(),
        Answering::ByLedger,
        Arc::new(SequentialIds::default()),
    );
    let approved = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    let declined = gateway.authorize(&request(DECLINE, "k2")).await.unwrap();
    gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    gateway.authorize(&request(NO_ANSWER, "k3")).await.unwrap();
    let kept: Vec<_> = gateway
        .ledger
        .webhooks
        .lock()
        .unwrap()
        .iter()
        .map(|event| (event.kind, event.reference.clone()))
        .collect();
    assert_eq!(
        kept,
        [
            (GatewayEventKind::Authorized, approved.clone()),
            (GatewayEventKind::Declined, declined)
        ]
    );
    assert!(gateway.sent_webhooks().is_empty());

    let amount = Money::new(1_000, Currency::USD);
    gateway.capture(&approved, amount, "c1").await.unwrap();
    gateway
        .refund(&approved, amount, "o:refund:cancel")
        .await
        .unwrap();
    gateway
        .refund(&approved, amount, "o:refund:cancel")
        .await
        .unwrap();
    let refunds: Vec<_> = gateway
        .ledger
        .webhooks
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event.kind == GatewayEventKind::RefundSucceeded)
        .map(|event| (event.refund_id.clone(), event.reference.clone()))
        .collect();
    assert_eq!(refunds, [(Some("cancel".to_owned()), approved)]);
    assert!(gateway.sent_webhooks().is_empty());
}

/// A ledger whose first step records find the payment changed, as a concurrent call
/// would leave it.
struct Contended {
    ledger: InMemoryLedger,
    stale_answers: Mutex<usize>,
}

#[async_trait]
impl MockLedger for Contended {
    async fn reference(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.ledger.reference(key).await
    }

    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError> {
        self.ledger.authorize(authorization).await
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        self.ledger.payment(reference).await
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let stale = {
            let mut stale_answers = self.stale_answers.lock().unwrap();
            let stale = *stale_answers > 0;
            *stale_answers = stale_answers.saturating_sub(1);
            stale
        };
        if stale {
            return Ok(StepRecorded::Stale);
        }
        self.ledger.record_step(step).await
    }
}

#[tokio::test]
async fn a_stale_step_is_decided_again_and_given_up_when_it_stays_stale() {
    let contended = |stale_answers| {
        MockGateway::with_ledger(
            Contended {
                ledger: InMemoryLedger::default(),
                stale_answers: Mutex::new(stale_answers),
            },
            Answering::ByLedger,
            Arc::new(SequentialIds::default()),
        )
    };
    let amount = Money::new(1_000, Currency::USD);
    let gateway = contended(WRITE_ATTEMPTS - 1);
    let reference = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    assert_eq!(gateway.capture(&reference, amount, "c1").await, Ok(()));

    let gateway = contended(WRITE_ATTEMPTS);
    let reference = gateway.authorize(&request(APPROVE, "k1")).await.unwrap();
    assert!(matches!(
        gateway.capture(&reference, amount, "c1").await,
        Err(GatewayError::Unavailable(_))
    ));
}
