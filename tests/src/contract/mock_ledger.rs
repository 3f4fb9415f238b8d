//! The mock gateway's ledger ([`MockLedger`]): an authorization recorded once per
//! idempotency key, steps recorded once per key and replayed with their outcome, and a
//! step decided on a payment that has moved refused as stale.

use std::sync::Arc;

use mambogo::adapters::mock_gateway::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Stage, Step, StepOutcome,
    StepRecorded,
};
use mambogo::domain::ids::OrderId;
use mambogo::domain::money::{Currency, Money};

fn payment(stage: Stage) -> MockPayment {
    MockPayment::new(
        OrderId::parse("7f0c1b8e-2d4a-4c3b-9e1f-0a2b3c4d5e6f").expect("a valid order id"),
        Money::new(2_500, Currency::USD),
        stage,
    )
}

fn authorization(key: &str, reference: &str) -> NewAuthorization {
    NewAuthorization {
        idempotency_key: key.to_owned(),
        reference: reference.to_owned(),
        payment: payment(Stage::Authorized),
        webhook: None,
    }
}

/// A second authorize with the same key records nothing and names the first reference.
pub async fn check_an_authorization_is_recorded_once(ledger: Arc<dyn MockLedger>) {
    assert_eq!(ledger.reference("k1").await.unwrap(), None);
    assert_eq!(
        ledger
            .authorize(&authorization("k1", "pay_1"))
            .await
            .unwrap(),
        AuthorizeOutcome::Recorded
    );
    assert_eq!(
        ledger
            .authorize(&authorization("k1", "pay_2"))
            .await
            .unwrap(),
        AuthorizeOutcome::Known("pay_1".to_owned())
    );
    assert_eq!(
        ledger.reference("k1").await.unwrap().as_deref(),
        Some("pay_1")
    );
    assert_eq!(
        ledger.payment("pay_1").await.unwrap(),
        Some(payment(Stage::Authorized))
    );
    assert_eq!(ledger.payment("pay_2").await.unwrap(), None);
}

/// A step moves the payment once; its key replays the outcome, a refusal's too.
pub async fn check_a_step_is_recorded_once_and_replayed(ledger: Arc<dyn MockLedger>) {
    ledger
        .authorize(&authorization("k1", "pay_1"))
        .await
        .unwrap();
    let authorized = payment(Stage::Authorized);
    let captured = MockPayment {
        captured: 2_500,
        ..payment(Stage::Captured)
    };
    let capture = Step::decided("capture-1", "pay_1", &authorized, Ok(captured.clone()));
    assert_eq!(
        ledger.record_step(&capture).await.unwrap(),
        StepRecorded::Recorded
    );
    assert_eq!(
        ledger.payment("pay_1").await.unwrap(),
        Some(captured.clone())
    );
    assert_eq!(
        ledger.record_step(&capture).await.unwrap(),
        StepRecorded::Earlier(StepOutcome::Performed)
    );
    let refused = Step::decided("void-1", "pay_1", &captured, Err("captured".to_owned()));
    assert_eq!(
        ledger.record_step(&refused).await.unwrap(),
        StepRecorded::Recorded
    );
    assert_eq!(
        ledger.record_step(&refused).await.unwrap(),
        StepRecorded::Earlier(StepOutcome::Refused("captured".to_owned()))
    );
    assert_eq!(ledger.payment("pay_1").await.unwrap(), Some(captured));
}

/// A step decided on a payment as it no longer is, or on no payment, changes nothing.
pub async fn check_a_stale_step_changes_nothing(ledger: Arc<dyn MockLedger>) {
    ledger
        .authorize(&authorization("k1", "pay_1"))
        .await
        .unwrap();
    let voided = payment(Stage::Voided);
    let stale = Step::decided(
        "void-1",
        "pay_1",
        &payment(Stage::Pending),
        Ok(voided.clone()),
    );
    assert_eq!(
        ledger.record_step(&stale).await.unwrap(),
        StepRecorded::Stale
    );
    assert_eq!(
        ledger.payment("pay_1").await.unwrap(),
        Some(payment(Stage::Authorized))
    );
    let nowhere = Step::decided("void-2", "pay_9", &payment(Stage::Authorized), Ok(voided));
    assert_eq!(
        ledger.record_step(&nowhere).await.unwrap(),
        StepRecorded::Stale
    );
    let retried = Step::decided(
        "void-1",
        "pay_1",
        &payment(Stage::Authorized),
        Ok(payment(Stage::Voided)),
    );
    assert_eq!(
        ledger.record_step(&retried).await.unwrap(),
        StepRecorded::Recorded,
        "a stale attempt does not use up its key"
    );
}
