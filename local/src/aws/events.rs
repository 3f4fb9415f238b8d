//! The shop's events on AWS: put on the stack's EventBridge bus, whose rules (one per
//! rule file) send each event to the queue of the consumer the rule names; each queue
//! parks what its consumer failed on `maxReceiveCount` times in its dead-letter queue.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eventbridge::types::{DeadLetterConfig, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use mambogo::adapters::access::Manifest;
use mambogo::adapters::eventbridge::EventBridgePublisher;
use mambogo::adapters::local_bus::{DeliverySettings, Rule};
use mambogo::adapters::sqs_dead_letters::ConsumerQueues;
use serde_json::json;

use super::{start_error, AwsStack};
use crate::error::StartError;

/// How long a consumer function may run when its manifest entry does not say (Terraform's
/// default for `queue` functions).
const CONSUMER_TIMEOUT_SECONDS: u32 = 30;
/// How long SQS keeps a consumer's messages, and a dead letter (Terraform's values).
const RETENTION_SECONDS: u32 = 4 * 24 * 3600;
const DEAD_LETTER_RETENTION_SECONDS: u32 = 14 * 24 * 3600;

/// The stack's bus and each consumer's queues, ready.
pub(crate) struct AwsEvents {
    /// Puts events on the stack's bus.
    pub publisher: EventBridgePublisher,
    /// Each consumer's queue and dead-letter queue.
    pub queues: BTreeMap<String, ConsumerQueues>,
    pub sqs: aws_sdk_sqs::Client,
}

impl AwsStack {
    /// The name of `consumer`'s queue; its dead-letter queue's ends in `-dlq`.
    pub fn queue_name(&self, consumer: &str) -> String {
        format!("{}{consumer}", self.prefix)
    }

    /// Finds (or creates, when the shop creates what is missing) the bus and the queues
    /// of the consumers `rules` name, and (re)puts the rules.
    pub(crate) async fn events(
        &self,
        rules: &[Rule],
        manifest: &Manifest,
    ) -> Result<AwsEvents, StartError> {
        let eventbridge = aws_sdk_eventbridge::Client::new(&self.sdk);
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        if self.create_missing {
            self.create_bus(&eventbridge).await?;
        }
        let consumers: BTreeSet<&str> = rules.iter().map(|rule| rule.target.as_str()).collect();
        let mut queues = BTreeMap::new();
        for consumer in consumers {
            let timeout = manifest
                .function(consumer)
                .and_then(|function| function.timeout)
                .unwrap_or(CONSUMER_TIMEOUT_SECONDS);
            queues.insert(
                consumer.to_owned(),
                self.consumer_queues(&sqs, consumer, timeout).await?,
            );
        }
        if self.create_missing {
            for (consumer, queue) in &queues {
                let targeting: Vec<&Rule> = rules
                    .iter()
                    .filter(|rule| rule.target == *consumer)
                    .collect();
                self.put_rules(&eventbridge, &sqs, &targeting, consumer, queue)
                    .await?;
            }
        }
        Ok(AwsEvents {
            publisher: EventBridgePublisher::new(eventbridge, self.stack()),
            queues,
            sqs,
        })
    }

    async fn create_bus(
        &self,
        eventbridge: &aws_sdk_eventbridge::Client,
    ) -> Result<(), StartError> {
        let bus = self.stack();
        match eventbridge.describe_event_bus().name(bus).send().await {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|refusal| refusal.is_resource_not_found_exception()) =>
            {
                eventbridge
                    .create_event_bus()
                    .name(bus)
                    .send()
                    .await
                    .map_err(|error| {
                        start_error(
                            &format!("cannot create the bus {bus}"),
                            "EventBridge",
                            &error,
                        )
                    })?;
                tracing::info!(bus, "event bus created");
                Ok(())
            }
            Err(error) => Err(start_error(
                &format!("cannot find the bus {bus}"),
                "EventBridge",
                &error,
            )),
        }
    }

    /// `consumer`'s queue and dead-letter queue, found or created.
    async fn consumer_queues(
        &self,
        sqs: &aws_sdk_sqs::Client,
        consumer: &str,
        timeout: u32,
    ) -> Result<ConsumerQueues, StartError> {
        let name = self.queue_name(consumer);
        let dead_letters = format!("{name}-dlq");
        let dlq_url = self
            .queue(
                sqs,
                &dead_letters,
                vec![(
                    QueueAttributeName::MessageRetentionPeriod,
                    DEAD_LETTER_RETENTION_SECONDS.to_string(),
                )],
            )
            .await?;
        let dlq_arn = queue_arn(sqs, &dlq_url).await?;
        let redrive = json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": DeliverySettings::default().max_receive_count,
        });
        let queue_url = self
            .queue(
                sqs,
                &name,
                vec![
                    (
                        QueueAttributeName::MessageRetentionPeriod,
                        RETENTION_SECONDS.to_string(),
                    ),
                    // As Terraform: six times the consumer's timeout.
                    (
                        QueueAttributeName::VisibilityTimeout,
                        (6 * timeout).to_string(),
                    ),
                    (QueueAttributeName::RedrivePolicy, redrive.to_string()),
                ],
            )
            .await?;
        Ok(ConsumerQueues { queue_url, dlq_url })
    }

    /// The URL of the queue `name`, created with `attributes` if it is missing and the
    /// shop creates what is.
    async fn queue(
        &self,
        sqs: &aws_sdk_sqs::Client,
        name: &str,
        attributes: Vec<(QueueAttributeName, String)>,
    ) -> Result<String, StartError> {
        let found = match sqs.get_queue_url().queue_name(name).send().await {
            Ok(found) => found.queue_url,
            Err(error)
                if self.create_missing
                    && error
                        .as_service_error()
                        .is_some_and(|refusal| refusal.is_queue_does_not_exist()) =>
            {
                let created = sqs
                    .create_queue()
                    .queue_name(name)
                    .set_attributes(Some(attributes.into_iter().collect()))
                    .send()
                    .await
                    .map_err(|error| {
                        start_error(&format!("cannot create the queue {name}"), "SQS", &error)
                    })?;
                tracing::info!(queue = name, "queue created");
                created.queue_url
            }
            Err(error) => {
                return Err(start_error(
                    &format!("cannot find the queue {name}"),
                    "SQS",
                    &error,
                ))
            }
        };
        found.ok_or_else(|| StartError::Aws(format!("SQS gave no URL for the queue {name}")))
    }

    /// Puts `rules`, which all send to `consumer`'s queue (and what they cannot deliver
    /// to its dead-letter queue), and lets only them send there.
    async fn put_rules(
        &self,
        eventbridge: &aws_sdk_eventbridge::Client,
        sqs: &aws_sdk_sqs::Client,
        rules: &[&Rule],
        consumer: &str,
        queue: &ConsumerQueues,
    ) -> Result<(), StartError> {
        let (queue_arn, dlq_arn) = (
            queue_arn(sqs, &queue.queue_url).await?,
            queue_arn(sqs, &queue.dlq_url).await?,
        );
        let mut rule_arns = Vec::new();
        for rule in rules {
            let name = format!("{}{}", self.prefix, rule.name);
            let failed = format!("cannot put the rule {name}");
            let put = eventbridge
                .put_rule()
                .name(&name)
                .event_bus_name(self.stack())
                .description(&rule.description)
                .event_pattern(rule.pattern.source().to_string())
                .send()
                .await
                .map_err(|error| start_error(&failed, "EventBridge", &error))?;
            let target = Target::builder()
                .id(consumer)
                .arn(&queue_arn)
                .dead_letter_config(DeadLetterConfig::builder().arn(&dlq_arn).build())
                .build()
                .map_err(|error| StartError::Aws(error.to_string()))?;
            eventbridge
                .put_targets()
                .rule(&name)
                .event_bus_name(self.stack())
                .targets(target)
                .send()
                .await
                .map_err(|error| start_error(&failed, "EventBridge", &error))?;
            rule_arns.extend(put.rule_arn);
        }
        for (url, arn) in [(&queue.queue_url, queue_arn), (&queue.dlq_url, dlq_arn)] {
            let policy = json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "RulesSendEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}},
                }],
            });
            sqs.set_queue_attributes()
                .queue_url(url)
                .attributes(QueueAttributeName::Policy, policy.to_string())
                .send()
                .await
                .map_err(|error| {
                    start_error(
                        &format!("cannot let the rules send to {url}"),
                        "SQS",
                        &error,
                    )
                })?;
        }
        Ok(())
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, StartError> {
    let answer = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|error| start_error(&format!("cannot read the ARN of {url}"), "SQS", &error))?;
    answer
        .attributes()
        .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| StartError::Aws(format!("SQS gave no ARN for {url}")))
}
