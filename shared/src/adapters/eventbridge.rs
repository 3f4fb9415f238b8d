//! Publishing events on Amazon EventBridge with `PutEvents`.
//!
//! `PutEvents` takes at most ten entries and can accept some of them while refusing
//! others (`FailedEntryCount`, and an `ErrorCode` on each refused entry) with a
//! successful response. The refused entries alone are sent again, up to three attempts
//! in all; the SDK itself already retries throttled and failed requests with backoff.
//! Mambogo's details are a few kilobytes at most, far below the 256 KiB request limit.

use std::future::Future;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use aws_sdk_eventbridge::Client;

use crate::adapters::aws_error::described;
use crate::domain::events::{DomainEvent, EventPublisher, PublishError};

/// The most entries one `PutEvents` request may carry.
const MAX_ENTRIES_PER_REQUEST: usize = 10;

/// How many times an entry is sent before its refusal is final.
const MAX_ATTEMPTS: usize = 3;

/// Publishes on one EventBridge bus.
#[derive(Clone, Debug)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
}

impl EventBridgePublisher {
    /// A publisher putting events on the bus named `bus_name` (a name or an ARN).
    pub fn new(client: Client, bus_name: impl Into<String>) -> Self {
        EventBridgePublisher {
            client,
            bus_name: bus_name.into(),
        }
    }

    fn entry(&self, event: &DomainEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .source(event.event_type.source())
            .detail_type(event.event_type.detail_type())
            .detail(event.detail.to_string())
            .event_bus_name(&self.bus_name)
            .build()
    }

    async fn put(&self, entries: Vec<PutEventsRequestEntry>) -> Result<Vec<Verdict>, String> {
        let sent = entries.len();
        let output = self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|error| described("EventBridge", &error))?;
        Ok(verdicts(
            output.failed_entry_count(),
            output.entries(),
            sent,
        ))
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        let entries = events.iter().map(|event| self.entry(event)).collect();
        put_in_batches(entries, |batch| self.put(batch)).await
    }
}

/// What became of one entry: accepted, or refused for the reason given.
type Verdict = Result<(), String>;

/// One verdict per entry sent, in order. EventBridge answers each entry in request order;
/// an entry it did not answer counts as accepted only if it reported no failures.
fn verdicts(
    failed_entry_count: i32,
    results: &[PutEventsResultEntry],
    sent: usize,
) -> Vec<Verdict> {
    let unanswered: Verdict = if failed_entry_count == 0 {
        Ok(())
    } else {
        Err("EventBridge gave no result for this entry".to_owned())
    };
    let mut verdicts: Vec<Verdict> = results
        .iter()
        .take(sent)
        .map(|result| match result.error_code() {
            None => Ok(()),
            Some(code) => Err(format!(
                "{code}: {}",
                result.error_message().unwrap_or("no message")
            )),
        })
        .collect();
    verdicts.resize(sent, unanswered);
    verdicts
}

/// Sends `entries` through `put` in requests of at most [`MAX_ENTRIES_PER_REQUEST`],
/// sending each request's refused entries again until they are accepted or have been
/// tried [`MAX_ATTEMPTS`] times. A failed request ends the publish at once.
async fn put_in_batches<E, Put, Sent>(entries: Vec<E>, mut put: Put) -> Result<(), PublishError>
where
    E: Clone,
    Put: FnMut(Vec<E>) -> Sent,
    Sent: Future<Output = Result<Vec<Verdict>, String>>,
{
    let mut final_refusals = Vec::new();
    for batch in entries.chunks(MAX_ENTRIES_PER_REQUEST) {
        let mut pending = batch.to_vec();
        let mut reasons = Vec::new();
        for _ in 0..MAX_ATTEMPTS {
            let verdicts = put(pending.clone())
                .await
                .map_err(PublishError::Unavailable)?;
            (pending, reasons) = refused(pending, verdicts);
            if pending.is_empty() {
                break;
            }
        }
        final_refusals.extend(reasons);
    }
    match final_refusals.first() {
        None => Ok(()),
        Some(first_error) => Err(PublishError::Rejected {
            failed: final_refusals.len(),
            first_error: first_error.clone(),
        }),
    }
}

/// The entries of `sent` that their verdicts refused, with the reasons.
fn refused<E>(sent: Vec<E>, verdicts: Vec<Verdict>) -> (Vec<E>, Vec<String>) {
    sent.into_iter()
        .zip(verdicts)
        .filter_map(|(entry, verdict)| verdict.err().map(|reason| (entry, reason)))
        .unzip()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A stand-in for EventBridge that refuses each entry (a number) as many times as
    /// `refusals` says, and logs every request it gets.
    struct FakeBus {
        refusals: HashMap<u32, usize>,
        requests: Vec<Vec<u32>>,
    }

    impl FakeBus {
        fn refusing(refusals: &[(u32, usize)]) -> Self {
            FakeBus {
                refusals: refusals.iter().copied().collect(),
                requests: Vec::new(),
            }
        }

        fn put(&mut self, entries: Vec<u32>) -> std::future::Ready<Result<Vec<Verdict>, String>> {
            let verdicts = entries
                .iter()
                .map(|entry| match self.refusals.get_mut(entry) {
                    Some(left) if *left > 0 => {
                        *left -= 1;
                        Err(format!("InternalFailure: entry {entry}"))
                    }
                    _ => Ok(()),
                })
                .collect();
            self.requests.push(entries);
            std::future::ready(Ok(verdicts))
        }
    }

    fn entries(count: u32) -> Vec<u32> {
        (0..count).collect()
    }

    #[tokio::test]
    async fn entries_go_in_requests_of_at_most_ten() {
        let mut bus = FakeBus::refusing(&[]);
        put_in_batches(entries(23), |batch| bus.put(batch))
            .await
            .unwrap();
        let sizes: Vec<usize> = bus.requests.iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 3]);
        assert_eq!(bus.requests.concat(), entries(23));
    }

    #[tokio::test]
    async fn only_refused_entries_are_sent_again() {
        let mut bus = FakeBus::refusing(&[(3, 1), (7, 2), (12, 1)]);
        put_in_batches(entries(13), |batch| bus.put(batch))
            .await
            .unwrap();
        assert_eq!(
            bus.requests,
            [entries(10), vec![3, 7], vec![7], vec![10, 11, 12], vec![12]]
        );
    }

    #[tokio::test]
    async fn entries_still_refused_after_three_attempts_are_reported() {
        let mut bus = FakeBus::refusing(&[(1, 5), (4, 3), (11, 2)]);
        let outcome = put_in_batches(entries(12), |batch| bus.put(batch)).await;
        assert_eq!(
            outcome,
            Err(PublishError::Rejected {
                failed: 2,
                first_error: "InternalFailure: entry 1".into()
            })
        );
        assert_eq!(
            bus.requests,
            [
                entries(10),
                vec![1, 4],
                vec![1, 4],
                vec![10, 11],
                vec![11],
                vec![11]
            ]
        );
    }

    #[tokio::test]
    async fn a_failed_request_stops_the_publish() {
        let mut requests = 0;
        let outcome = put_in_batches(entries(25), |_| {
            requests += 1;
            std::future::ready(Err("connection refused".to_owned()))
        })
        .await;
        assert_eq!(
            outcome,
            Err(PublishError::Unavailable("connection refused".into()))
        );
        assert_eq!(requests, 1);
    }

    #[test]
    fn each_result_entry_gives_its_verdict() {
        let accepted = PutEventsResultEntry::builder().event_id("e-1").build();
        let refused = PutEventsResultEntry::builder()
            .error_code("MalformedDetail")
            .error_message("Detail is malformed.")
            .build();
        assert_eq!(
            verdicts(1, &[accepted.clone(), refused], 2),
            [Ok(()), Err("MalformedDetail: Detail is malformed.".into())]
        );
        assert_eq!(
            verdicts(0, std::slice::from_ref(&accepted), 3),
            [Ok(()), Ok(()), Ok(())]
        );
        assert_eq!(
            verdicts(1, &[accepted], 2),
            [
                Ok(()),
                Err("EventBridge gave no result for this entry".into())
            ]
        );
    }
}
