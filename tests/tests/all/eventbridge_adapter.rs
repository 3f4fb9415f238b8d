//! The EventBridge publisher against moto: batches are accepted, EventBridge rules built
//! from `events/rules/` route exactly what the local bus's patterns route, and refused
//! entries, throttled calls and lost answers lose no event.

use aws_sdk_eventbridge::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::adapters::local_bus::{Rule, RULE_FILES};
use mambogo::domain::events::{DomainEvent, EventPublisher, EventType, PublishError};
use mambogo_tests::aws_faults::{sdk_retries, AwsFault, FaultRule, FaultyAws};
use mambogo_tests::emulator::{eventbridge_client, sqs_client};
use mambogo_tests::events::example;
use serde_json::{json, Value};
use uuid::Uuid;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::new_v4().simple())
}

/// `count` events cycling through every type, each from its example with a new id.
fn events(count: usize) -> Vec<DomainEvent> {
    EventType::ALL
        .iter()
        .cycle()
        .take(count)
        .map(|&event_type| {
            let mut event = DomainEvent::from_envelope(&example(event_type)).unwrap();
            event.detail["eventId"] = json!(Uuid::new_v4());
            event
        })
        .collect()
}

/// A queue, and its ARN to name it as a rule target.
async fn queue(sqs: &aws_sdk_sqs::Client) -> (String, String) {
    let created = sqs
        .create_queue()
        .queue_name(unique("events"))
        .send()
        .await
        .unwrap();
    let url = created.queue_url().unwrap().to_owned();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let arn = attributes.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    (url, arn)
}

/// A rule on `bus` with `pattern`, delivering to the queue `queue_arn`.
async fn route(
    events: &aws_sdk_eventbridge::Client,
    bus: &str,
    name: &str,
    pattern: &Value,
    queue_arn: &str,
) {
    events
        .put_rule()
        .name(name)
        .event_bus_name(bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .unwrap();
    let target = Target::builder()
        .id("queue")
        .arn(queue_arn)
        .build()
        .unwrap();
    events
        .put_targets()
        .rule(name)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .unwrap();
}

/// Everything in the queue; EventBridge (moto) has delivered it by the time `PutEvents`
/// returns, so an empty receive means the queue is drained.
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<DomainEvent> {
    let mut received = Vec::new();
    loop {
        let batch = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        if batch.messages().is_empty() {
            break;
        }
        for message in batch.messages() {
            let body: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            received.push(DomainEvent::from_envelope(&body).unwrap());
        }
    }
    received.sort_by_key(|event| event.event_id());
    received
}

fn sorted(mut events: Vec<DomainEvent>) -> Vec<DomainEvent> {
    events.sort_by_key(|event| event.event_id());
    events
}

#[tokio::test]
async fn batches_are_accepted_and_routed_like_the_local_bus_routes_them() {
    let client = eventbridge_client().await;
    let sqs = sqs_client().await;
    let bus = unique("mambogo");
    client.create_event_bus().name(&bus).send().await.unwrap();

    let (everything_url, everything_arn) = queue(&sqs).await;
    let everything = json!({"source": [{"prefix": "mambogo."}]});
    route(&client, &bus, "everything", &everything, &everything_arn).await;
    // As Terraform does: the rule file's eventPattern, encoded as it stands.
    let mut rule_queues = Vec::new();
    for (file, contents) in RULE_FILES {
        let raw: Value = serde_json::from_str(contents).unwrap();
        let rule = Rule::parse(file, contents).unwrap();
        let (url, arn) = queue(&sqs).await;
        route(&client, &bus, &rule.name, &raw["eventPattern"], &arn).await;
        rule_queues.push((rule, url));
    }

    let published = events(23);
    EventBridgePublisher::new(client, &bus)
        .publish(published.clone())
        .await
        .unwrap();

    assert_eq!(
        drain(&sqs, &everything_url).await,
        sorted(published.clone())
    );
    for (rule, url) in rule_queues {
        let expected: Vec<DomainEvent> = published
            .iter()
            .filter(|event| rule.pattern.matches(&event.to_envelope()))
            .cloned()
            .collect();
        assert!(
            !expected.is_empty(),
            "no event exercises rule {}",
            rule.name
        );
        assert_eq!(
            drain(&sqs, &url).await,
            sorted(expected),
            "rule {}",
            rule.name
        );
    }
}

#[tokio::test]
async fn a_missing_bus_makes_the_publisher_unavailable() {
    let publisher = EventBridgePublisher::new(eventbridge_client().await, unique("no-such-bus"));
    let outcome = publisher.publish(events(3)).await;
    assert!(
        matches!(outcome, Err(PublishError::Unavailable(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn refused_entries_throttled_calls_and_lost_answers_lose_no_event() {
    let proxy = FaultyAws::start().await;
    let config = aws_sdk_eventbridge::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(proxy.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .retry_config(sdk_retries())
        .build();
    let client = aws_sdk_eventbridge::Client::from_conf(config);
    let sqs = sqs_client().await;
    let bus = unique("mambogo");
    client.create_event_bus().name(&bus).send().await.unwrap();
    let (url, arn) = queue(&sqs).await;
    let everything = json!({"source": [{"prefix": "mambogo."}]});
    route(&client, &bus, "everything", &everything, &arn).await;

    // The first batch's first entry is refused, and refused again when sent alone; its
    // third sending is throttled, and the SDK's retry of that is applied but its answer
    // lost, so the SDK sends it once more.
    let first = FaultRule::next("PutEvents", AwsFault::FirstEntryRefused, 2);
    proxy.arm(first);
    proxy.arm(FaultRule::next("PutEvents", AwsFault::Throttling, 1).after(2));
    proxy.arm(FaultRule::next("PutEvents", AwsFault::AppliedThenDropped, 1).after(3));
    let published = events(13);
    EventBridgePublisher::new(client, &bus)
        .publish(published.clone())
        .await
        .unwrap();
    assert_eq!(proxy.disarm(), [2, 1, 1], "every fault hit");

    let mut received = drain(&sqs, &url).await;
    assert_eq!(
        received.len(),
        13 + 1,
        "the entry whose answer was lost arrives twice"
    );
    received.dedup_by_key(|event| event.event_id());
    assert_eq!(received, sorted(published));
}
