//! Dead letters: a consumer that keeps failing on one event of a batch has only that
//! event retried, then parked; operators list it and, once the consumer is fixed,
//! redrive it, on the local bus and on AWS's queues. The same port on SQS (moto): park, list, redrive to the source queue,
//! also while SQS throttles, fails or loses answers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;
use mambogo::adapters::sqs_dead_letters::{ConsumerQueues, SqsDeadLetters};
use mambogo::application::consumers::NOTIFY_SHOPPER;
use mambogo::domain::events::payloads::OrderDelivered;
use mambogo::domain::events::{
    ConsumeError, DeadLetter, DeadLetters, DomainEvent, EventConsumer, EventPublisher, EventType,
};
use mambogo::domain::ids::{OrderId, UserId};
use mambogo::domain::store::{PageRequest, StoreError};
use mambogo_tests::aws_faults::{sdk_retries, AwsFault, FaultRule, FaultyAws, SDK_ATTEMPTS};
use mambogo_tests::emulator::{sqs_client, unique_table_name};
use mambogo_tests::metrics::samples;
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use reqwest::Method;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use uuid::Uuid;

/// Fails on the events whose ids it was given, until fixed; remembers every delivery.
#[derive(Default)]
struct Flaky {
    fails_on: Mutex<Vec<Uuid>>,
    fixed: AtomicBool,
    deliveries: Mutex<Vec<Uuid>>,
}

impl Flaky {
    fn deliveries_of(&self, id: Uuid) -> usize {
        self.deliveries
            .lock()
            .unwrap()
            .iter()
            .filter(|delivered| **delivered == id)
            .count()
    }
}

#[async_trait]
impl EventConsumer for Flaky {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        let id = event.event_id().unwrap();
        self.deliveries.lock().unwrap().push(id);
        if self.fails_on.lock().unwrap().contains(&id) && !self.fixed.load(Ordering::SeqCst) {
            return Err(ConsumeError("the mail relay is down".into()));
        }
        Ok(())
    }
}

fn delivered(serial: u128) -> DomainEvent {
    DomainEvent::new(
        EventType::OrderDelivered,
        Uuid::from_u128(serial),
        OrderId::from_uuid(Uuid::from_u128(0xfeed_0000 + serial)),
        datetime!(2030-01-01 12:00 UTC),
        OrderDelivered {
            user_id: UserId::parse("alice").unwrap(),
        },
    )
    .unwrap()
}

on_both_stores!(a_failing_event_is_retried_alone_parked_listed_and_redriven);

/// On the local bus, a batch's failing event is retried alone and parked after five
/// attempts, with the consumer's error; on AWS, SQS does the same with the consumer's
/// queue, and a letter keeps what SQS keeps (its receive count, no error).
async fn a_failing_event_is_retried_alone_parked_listed_and_redriven(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let flaky = Arc::new(Flaky::default());
    let bad = Uuid::from_u128(2);
    flaky.fails_on.lock().unwrap().push(bad);
    shop.inner()
        .bus
        .attach(NOTIFY_SHOPPER, flaky.clone())
        .unwrap();

    let batch: Vec<_> = (1..=3).map(delivered).collect();
    shop.inner().bus.publish(batch).await.unwrap();
    shop.consumers_done().await;
    assert_eq!(flaky.deliveries_of(Uuid::from_u128(1)), 1);
    assert_eq!(flaky.deliveries_of(Uuid::from_u128(3)), 1);
    assert_eq!(
        flaky.deliveries_of(bad),
        5,
        "retried alone, max_receive_count times"
    );

    let admin = token("ops", true);
    let alice = token("alice", false);
    assert_eq!(
        shop.get("/admin/dead-letters", As::user(&alice))
            .await
            .status
            .as_u16(),
        403
    );
    let listed = shop.get("/admin/dead-letters", As::user(&admin)).await;
    assert_eq!(listed.status.as_u16(), 200, "{:?}", listed.body);
    let letters = listed.body["items"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{:#}", listed.body);
    let letter = &letters[0];
    assert_eq!(letter["consumer"], NOTIFY_SHOPPER);
    assert_eq!(letter["event"]["detail"]["eventId"], bad.to_string());
    assert_eq!(letter["event"]["detail-type"], "OrderDelivered");
    let attempts = letter["attempts"].as_u64().unwrap();
    let last_error = letter["lastError"].as_str().unwrap_or_default();
    match stores {
        Stores::Sqlite => {
            assert_eq!(attempts, 5);
            assert!(last_error.contains("mail relay"), "{letter:#}");
            assert_eq!(parked(&shop).await, 1.0);
        }
        // The listing's own receive counts too; the error is in the consumer's log.
        Stores::DynamoDb => assert!(attempts >= 5, "{letter:#}"),
    }
    assert!(listed.body.get("nextCursor").is_none());
    let first_id = letter["id"].as_str().unwrap().to_owned();

    // Still broken: the redrive delivers it, it fails again and is parked anew.
    let redrive = |id: &str| format!("/admin/dead-letters/{id}/redrive");
    let again = shop
        .send(Method::POST, &redrive(&first_id), As::user(&admin), None)
        .await;
    assert_eq!(again.status.as_u16(), 200, "{:?}", again.body);
    assert_eq!(again.body["id"], first_id.as_str());
    shop.consumers_done().await;
    assert_eq!(flaky.deliveries_of(bad), 10);
    let listed = shop.get("/admin/dead-letters", As::user(&admin)).await;
    let letters = listed.body["items"].as_array().unwrap();
    assert_eq!(letters.len(), 1);
    let second_id = letters[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(second_id, first_id);
    if stores == Stores::Sqlite {
        assert_eq!(parked(&shop).await, 2.0, "parked anew, counted anew");
    }

    // Fixed: the redrive delivers it once and the letter is gone.
    flaky.fixed.store(true, Ordering::SeqCst);
    let fixed = shop
        .send(Method::POST, &redrive(&second_id), As::user(&admin), None)
        .await;
    assert_eq!(fixed.status.as_u16(), 200, "{:?}", fixed.body);
    shop.consumers_done().await;
    assert_eq!(flaky.deliveries_of(bad), 11);
    let listed = shop.get("/admin/dead-letters", As::user(&admin)).await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(
        flaky.deliveries_of(Uuid::from_u128(1)),
        1,
        "only the letter came back"
    );

    let gone = shop
        .send(Method::POST, &redrive(&second_id), As::user(&admin), None)
        .await;
    assert_eq!(gone.status.as_u16(), 404);
    let malformed = shop
        .send(
            Method::POST,
            &redrive("not%20an%20id"),
            As::user(&admin),
            None,
        )
        .await;
    assert_eq!(malformed.status.as_u16(), 400);
    let shopper = shop
        .send(Method::POST, &redrive(&second_id), As::user(&alice), None)
        .await;
    assert_eq!(shopper.status.as_u16(), 403);
    shop.stop().await;
}

/// The local bus's count of parked dead letters (SQS parks them itself on AWS).
async fn parked(shop: &TestShop) -> f64 {
    samples(shop).await["mambogo_dead_letters_parked_total"]
}

#[tokio::test]
async fn dead_letters_page_with_a_cursor() {
    let shop = TestShop::start().await;
    let flaky = Arc::new(Flaky::default());
    flaky
        .fails_on
        .lock()
        .unwrap()
        .extend((1..=5).map(Uuid::from_u128));
    shop.inner()
        .bus
        .attach(NOTIFY_SHOPPER, flaky.clone())
        .unwrap();
    shop.inner()
        .bus
        .publish((1..=5).map(delivered).collect())
        .await
        .unwrap();

    let admin = token("ops", true);
    let mut seen = Vec::new();
    let mut path = "/admin/dead-letters?limit=2".to_owned();
    loop {
        let page = shop.get(&path, As::user(&admin)).await;
        assert_eq!(page.status.as_u16(), 200, "{:?}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|letter| letter["id"].clone()));
        match page.body["nextCursor"].as_str() {
            Some(cursor) => path = format!("/admin/dead-letters?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let bad = shop
        .get("/admin/dead-letters?cursor=bm9wZQ", As::user(&admin))
        .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert_eq!(bad.problem_fields(), ["cursor"]);
    shop.stop().await;
}

/// A consumer queue with its dead-letter queue, as Terraform makes them.
async fn consumer_queues(sqs: &aws_sdk_sqs::Client) -> ConsumerQueues {
    let dlq_url = sqs
        .create_queue()
        .queue_name(unique_table_name("notify-dlq"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"});
    let queue_url = sqs
        .create_queue()
        .queue_name(unique_table_name("notify"))
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    ConsumerQueues { queue_url, dlq_url }
}

async fn bodies(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<Value> {
    let received = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap();
    received
        .messages()
        .iter()
        .map(|message| serde_json::from_str(message.body().unwrap()).unwrap())
        .collect()
}

async fn all_letters(store: &SqsDeadLetters) -> Vec<DeadLetter> {
    store.list(&PageRequest::first(100)).await.unwrap().items
}

#[tokio::test]
async fn sqs_dead_letters_park_list_and_redrive_to_the_source_queue() {
    let sqs = sqs_client().await;
    let queues = consumer_queues(&sqs).await;
    let store = SqsDeadLetters::new(
        sqs.clone(),
        BTreeMap::from([(NOTIFY_SHOPPER.to_owned(), queues.clone())]),
    )
    .waiting(0);
    assert!(all_letters(&store).await.is_empty());

    let parked_at = OffsetDateTime::parse(
        "2030-01-01T12:00:00Z",
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let event = delivered(1).to_envelope();
    store
        .park(&DeadLetter {
            id: "ignored".into(),
            consumer: NOTIFY_SHOPPER.into(),
            event: event.clone(),
            attempts: 5,
            last_error: "the mail relay is down".into(),
            parked_at,
        })
        .await
        .unwrap();

    let letters = all_letters(&store).await;
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert!(letter.id.starts_with("notify-shopper."), "{}", letter.id);
    assert_eq!(letter.consumer, NOTIFY_SHOPPER);
    assert_eq!(letter.event, event);
    assert_eq!(letter.attempts, 5);
    assert_eq!(letter.last_error, "the mail relay is down");
    assert_eq!(letter.parked_at, parked_at);
    assert_eq!(
        all_letters(&store).await,
        letters,
        "listing leaves the letters in place"
    );
    assert_eq!(
        store.list(&PageRequest::after("more", 10)).await.err(),
        Some(StoreError::BadCursor),
        "SQS hands out no cursors"
    );

    assert_eq!(
        store
            .redrive("notify-shopper.no-such-message")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.redrive("nobody.whatever").await.unwrap(), None);
    let redriven = store.redrive(&letter.id).await.unwrap();
    assert_eq!(redriven.as_ref(), Some(letter));
    assert!(all_letters(&store).await.is_empty());
    assert_eq!(bodies(&sqs, &queues.queue_url).await, [event]);
}

#[tokio::test]
async fn a_message_sqs_parked_itself_is_listed_from_what_sqs_keeps() {
    let sqs = sqs_client().await;
    let queues = consumer_queues(&sqs).await;
    let event = delivered(7).to_envelope();
    sqs.send_message()
        .queue_url(&queues.queue_url)
        .message_body(event.to_string())
        .send()
        .await
        .unwrap();
    // The consumer fails twice (receives without deleting); SQS moves it on the next.
    for _ in 0..3 {
        sqs.receive_message()
            .queue_url(&queues.queue_url)
            .visibility_timeout(0)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
    }
    let store = SqsDeadLetters::new(
        sqs.clone(),
        BTreeMap::from([(NOTIFY_SHOPPER.to_owned(), queues.clone())]),
    )
    .waiting(0);
    let letters = all_letters(&store).await;
    assert_eq!(letters.len(), 1, "{letters:#?}");
    assert_eq!(letters[0].event, event);
    assert!(letters[0].attempts >= 2, "{:?}", letters[0]);
    assert_eq!(letters[0].last_error, "");
    store.redrive(&letters[0].id).await.unwrap().unwrap();
    assert_eq!(bodies(&sqs, &queues.queue_url).await, [event]);
}

#[tokio::test]
async fn a_redrive_while_sqs_fails_neither_loses_nor_strands_the_letter() {
    let sqs = sqs_client().await;
    let queues = consumer_queues(&sqs).await;
    let proxy = FaultyAws::start().await;
    let proxied = aws_sdk_sqs::Client::from_conf(
        sqs.config()
            .to_builder()
            .endpoint_url(proxy.endpoint())
            .retry_config(sdk_retries())
            .build(),
    );
    let store = SqsDeadLetters::new(
        proxied,
        BTreeMap::from([(NOTIFY_SHOPPER.to_owned(), queues.clone())]),
    )
    .waiting(0);
    let event = delivered(3).to_envelope();
    let letter = DeadLetter {
        id: "ignored".into(),
        consumer: NOTIFY_SHOPPER.into(),
        event: event.clone(),
        attempts: 5,
        last_error: "the mail relay is down".into(),
        parked_at: OffsetDateTime::UNIX_EPOCH,
    };
    store.park(&letter).await.unwrap();
    let id = all_letters(&store).await[0].id.clone();

    // Past the SDK's retries, the redrive fails and the letter stays parked.
    let attempts = SDK_ATTEMPTS as usize;
    proxy.arm(FaultRule::next(
        "SendMessage",
        AwsFault::Throttling,
        attempts,
    ));
    let refused = store.redrive(&id).await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(
        all_letters(&store).await.len(),
        1,
        "the letter is still parked"
    );

    // Within them, it goes through: the receive fails once, the send is applied but its
    // answer lost (so the SDK sends it again), the delete is throttled once.
    proxy.arm(FaultRule::next(
        "ReceiveMessage",
        AwsFault::InternalError,
        1,
    ));
    proxy.arm(FaultRule::next(
        "SendMessage",
        AwsFault::AppliedThenDropped,
        1,
    ));
    proxy.arm(FaultRule::next("DeleteMessage", AwsFault::Throttling, 1));
    let redriven = store.redrive(&id).await.unwrap();
    assert_eq!(proxy.disarm(), [attempts, 1, 1, 1], "every fault hit");

    assert_eq!(redriven.map(|letter| letter.event), Some(event.clone()));
    assert!(all_letters(&store).await.is_empty());
    // At least once: the consumer drops the copy by its event id.
    assert_eq!(
        bodies(&sqs, &queues.queue_url).await,
        [event.clone(), event]
    );
}
