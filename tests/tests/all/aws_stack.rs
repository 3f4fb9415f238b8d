//! The local shop on AWS's services: what `--create-tables` creates (tables, bus, rules,
//! queues with their dead-letter queues, the webhook secret), a second shop finding it
//! all without creating anything, a shop refusing to start on a stack that is not
//! there, and a webhook secret being rotated.

use aws_sdk_sqs::types::QueueAttributeName;
use mambogo::adapters::access::{Secret, Table};
use mambogo::adapters::local_bus::Rule;
use mambogo::domain::payments::signature::signature_header;
use mambogo_local::{start_with, LocalConfig, StartError, TestHooks};
use mambogo_tests::aws_shop::aws_stack;
use mambogo_tests::checkout::deliver_webhook;
use mambogo_tests::emulator::moto_endpoint;
use mambogo_tests::shop::TestShop;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::OffsetDateTime;

fn without_demo() -> LocalConfig {
    LocalConfig {
        seed_demo: false,
        ..LocalConfig::ephemeral()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_tables_makes_the_stack_a_second_shop_finds() {
    let stack = aws_stack(moto_endpoint()).await;
    let first = TestShop::start_with(
        LocalConfig {
            aws: Some(stack.clone()),
            ..without_demo()
        },
        TestHooks::default(),
    )
    .await;
    first.stop().await;

    let dynamodb = aws_sdk_dynamodb::Client::new(&stack.sdk);
    let tables = dynamodb.list_tables().send().await.unwrap();
    let ours: Vec<&String> = tables
        .table_names()
        .iter()
        .filter(|name| name.starts_with(&stack.prefix))
        .collect();
    // Every table but the mock gateway's ledger, which stays local.
    assert_eq!(ours.len(), Table::ALL.len() - 1, "{ours:?}");

    let eventbridge = aws_sdk_eventbridge::Client::new(&stack.sdk);
    let rules = eventbridge
        .list_rules()
        .event_bus_name(stack.stack())
        .send()
        .await
        .unwrap();
    let embedded = Rule::embedded().unwrap();
    assert_eq!(rules.rules().len(), embedded.len());
    let sqs = aws_sdk_sqs::Client::new(&stack.sdk);
    for rule in &embedded {
        let name = format!("{}{}", stack.prefix, rule.name);
        let found = eventbridge
            .describe_rule()
            .name(&name)
            .event_bus_name(stack.stack())
            .send()
            .await
            .unwrap();
        let pattern: Value = serde_json::from_str(found.event_pattern().unwrap()).unwrap();
        assert_eq!(&pattern, rule.pattern.source(), "{name}");
        let targets = eventbridge
            .list_targets_by_rule()
            .rule(&name)
            .event_bus_name(stack.stack())
            .send()
            .await
            .unwrap();
        let queue = stack.queue_name(&rule.target);
        assert!(
            targets.targets()[0].arn().ends_with(&format!(":{queue}")),
            "{name} sends to {queue}: {targets:?}"
        );
        let url = sqs
            .get_queue_url()
            .queue_name(&queue)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .unwrap();
        let redrive: Value = serde_json::from_str(
            &attributes.attributes().unwrap()[&QueueAttributeName::RedrivePolicy],
        )
        .unwrap();
        assert_eq!(redrive["maxReceiveCount"].to_string(), "5", "{redrive}");
        assert!(redrive["deadLetterTargetArn"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{queue}-dlq")));
    }

    let second = TestShop::start_with(
        LocalConfig {
            aws: Some(mambogo_local::aws::AwsStack {
                create_missing: false,
                ..stack
            }),
            ..without_demo()
        },
        TestHooks::default(),
    )
    .await;
    assert!(second.inner().consumers_idle().await.unwrap());
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_without_create_tables_will_not_start_on_a_missing_stack() {
    let stack = mambogo_local::aws::AwsStack {
        create_missing: false,
        ..aws_stack(moto_endpoint()).await
    };
    let queue = stack.queue_name("clear-cart");
    let refused = start_with(
        LocalConfig {
            aws: Some(stack),
            ..without_demo()
        },
        TestHooks::default(),
    )
    .await
    .err()
    .expect("the shop does not start");
    match refused {
        StartError::Aws(message) => {
            assert!(message.contains(&queue), "{message}");
            assert!(message.contains("cannot find"), "{message}");
        }
        other => panic!("not an AWS error: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_signed_with_either_secret_of_a_rotation_is_accepted() {
    let stack = aws_stack(moto_endpoint()).await;
    aws_sdk_secretsmanager::Client::new(&stack.sdk)
        .create_secret()
        .name(stack.secret_name(Secret::WebhookSecrets))
        .secret_string("whsec_new, whsec_old")
        .send()
        .await
        .unwrap();
    let shop = TestShop::start_with(
        LocalConfig {
            aws: Some(stack),
            ..without_demo()
        },
        TestHooks::default(),
    )
    .await;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    // A well-signed event about an order the shop does not have is answered 404; a
    // badly signed one 401.
    let body = json!({
        "id": "evt_1",
        "type": "payment.authorized",
        "orderId": "00000000-0000-4000-8000-000000000000",
        "reference": "pay_1",
        "amount": {"amount": 100, "currency": "USD"},
    })
    .to_string();
    for (secret, expected) in [
        ("whsec_new", StatusCode::NOT_FOUND),
        ("whsec_old", StatusCode::NOT_FOUND),
        (mambogo_local::DEV_WEBHOOK_SECRET, StatusCode::UNAUTHORIZED),
    ] {
        let signature = signature_header(secret.as_bytes(), now, body.as_bytes());
        let reply = deliver_webhook(&shop, &body, &signature).await;
        assert_eq!(reply.status, expected, "{secret}: {:?}", reply.body);
    }
    shop.stop().await;
}
