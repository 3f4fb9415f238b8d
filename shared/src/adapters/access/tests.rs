//! The manifest matches the code it grants (every route, saga step and consumer has its
//! function), and restricted services apply each grant to its port.

use std::sync::Arc;

use time::OffsetDateTime;

use super::test_support::{full_services, spec, CountingBackend};
use super::{Manifest, Trigger};
use crate::api::{ApiError, OPERATIONS};
use crate::application::checkout::{TaskError, TASK_FUNCTIONS};
use crate::application::consumers::CLEAR_CART;
use crate::domain::events::PublishError;
use crate::domain::ids::{CartId, OrderId, SaleId};
use crate::domain::mail::{EmailAddress, Mail, MailError};
use crate::domain::store::StoreError;
use crate::domain::workflow::WorkflowError;

#[test]
fn every_operation_has_an_api_function_and_every_api_function_an_operation() {
    let manifest = Manifest::embedded().unwrap();
    for (operation_id, _) in OPERATIONS {
        let spec = manifest
            .by_operation(operation_id)
            .unwrap_or_else(|| panic!("no function in the manifest serves {operation_id}"));
        assert_eq!(spec.trigger, Trigger::Api, "{}", spec.name);
    }
    for spec in manifest.functions.values() {
        if let Some(operation_id) = &spec.operation_id {
            assert!(
                OPERATIONS.iter().any(|(id, _)| id == operation_id),
                "{} serves {operation_id}, which has no handler",
                spec.name
            );
        }
    }
}

#[test]
fn every_saga_step_has_a_saga_function_and_back() {
    let manifest = Manifest::embedded().unwrap();
    for (_, function) in TASK_FUNCTIONS {
        let spec = manifest
            .function(function)
            .unwrap_or_else(|| panic!("the saga step {function} is not in the manifest"));
        assert_eq!(spec.trigger, Trigger::Saga, "{function}");
    }
    for spec in manifest.functions.values() {
        if spec.trigger == Trigger::Saga {
            assert!(
                TASK_FUNCTIONS.iter().any(|(_, step)| *step == spec.name),
                "{} is a saga function but no step of the saga",
                spec.name
            );
        }
    }
}

#[test]
fn the_clear_cart_consumer_is_a_queue_function() {
    let spec = Manifest::embedded()
        .unwrap()
        .function(CLEAR_CART)
        .expect("clear-cart is in the manifest");
    assert_eq!(spec.trigger, Trigger::Queue);
}

#[tokio::test]
async fn restricted_services_apply_each_grant() {
    let bus = Arc::new(CountingBackend::default());
    let engine = Arc::new(CountingBackend::default());
    let mailer = Arc::new(CountingBackend::default());
    let full = full_services(bus.clone(), engine.clone(), mailer.clone());
    let restricted = full.restricted_to(&spec(
        "look-around",
        r#"{"trigger": "saga", "tables": {"carts": "read", "orders": "write"}}"#,
    ));
    let now = OffsetDateTime::now_utc();
    let cart_id = CartId::from_uuid(uuid::Uuid::new_v4());
    let order_id = OrderId::from_uuid(uuid::Uuid::new_v4());

    assert_eq!(restricted.carts.cart(&cart_id, now).await, Ok(None));
    assert_eq!(restricted.orders.order(&order_id).await, Ok(None));
    let refused = restricted
        .payments
        .payment(&order_id)
        .await
        .expect_err("payments are not granted");
    assert_eq!(
        refused.to_string(),
        "look-around may not read the payments table (functions/manifest.json)"
    );
    assert!(matches!(
        restricted.catalog.categories().await,
        Err(StoreError::NotGranted(_))
    ));
    assert!(matches!(
        restricted.inventory.all_stock_levels().await,
        Err(StoreError::NotGranted(_))
    ));
    assert!(matches!(
        restricted
            .idempotency
            .handled("clear-cart", "event-1")
            .await,
        Err(StoreError::NotGranted(_))
    ));
    assert!(matches!(
        restricted
            .flash_sales
            .sale(&SaleId::from_uuid(uuid::Uuid::new_v4()))
            .await,
        Err(StoreError::NotGranted(_))
    ));
    assert!(matches!(
        restricted.events.publish(vec![]).await,
        Err(PublishError::NotGranted(_))
    ));
    assert!(matches!(
        restricted.workflow.describe("order").await,
        Err(WorkflowError::NotGranted(_))
    ));
    let mail = Mail {
        reference: "e.OrderShipped".into(),
        to: EmailAddress::parse("alice@example.com").unwrap(),
        subject: "s".into(),
        body: "b".into(),
        at: now,
    };
    assert!(matches!(
        restricted.mailer.send(&mail).await,
        Err(MailError::NotGranted(_))
    ));
    assert_eq!((bus.calls(), engine.calls(), mailer.calls()), (0, 0, 0));
    let mailing = full.restricted_to(&spec(
        "mailing",
        r#"{"trigger": "queue", "sendsMail": true}"#,
    ));
    assert_eq!(
        mailing.mailer.send(&mail).await,
        Ok("e.OrderShipped".into())
    );
    assert_eq!(mailer.calls(), 1);

    // The unrestricted services behind them are untouched.
    assert_eq!(full.payments.payment(&order_id).await, Ok(None));
}

#[test]
fn a_refusal_is_a_server_fault_and_a_step_failure_no_retry_fixes() {
    let refusal = || StoreError::NotGranted("get-cart may not write the carts table".into());
    assert_eq!(ApiError::from(refusal()).status().as_u16(), 500);
    let publish = || PublishError::NotGranted("fail-order may not publish events".into());
    assert_eq!(ApiError::from(publish()).status().as_u16(), 500);

    for failed in [
        TaskError::from(refusal()),
        TaskError::from(publish()),
        TaskError::from(WorkflowError::NotGranted("no callback".into())),
    ] {
        assert_eq!(failed.error_name(), "NotGranted");
    }
}

#[test]
fn a_secrets_name_is_its_name_in_the_manifest() {
    for secret in [
        super::Secret::WebhookSecrets,
        super::Secret::PaymentGatewayApiKey,
        super::Secret::PurchaseTokenKey,
    ] {
        let named: super::Secret =
            serde_json::from_value(serde_json::json!(secret.name())).unwrap();
        assert_eq!(named, secret);
    }
}
