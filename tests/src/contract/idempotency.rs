//! What every [`IdempotencyStore`] must do.

use std::sync::Arc;

use mambogo::domain::idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::NOW;

const KEY_TTL: Duration = Duration::hours(24);
const CONCURRENT_CLAIMS: usize = 20;

/// A key no other check uses, even on a shared store.
fn new_key() -> String {
    Uuid::new_v4().to_string()
}

fn created() -> StoredResponse {
    StoredResponse {
        status: 201,
        body: r#"{"orderId":"0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55"}"#.to_owned(),
    }
}

async fn claim(
    store: &dyn IdempotencyStore,
    key: &str,
    fingerprint: &str,
    now: OffsetDateTime,
) -> IdempotencyClaim {
    store
        .claim(key, fingerprint, now, now + KEY_TTL)
        .await
        .unwrap_or_else(|error| panic!("claiming {key} at {now}: {error}"))
}

async fn complete(store: &dyn IdempotencyStore, key: &str, response: &StoredResponse) {
    store
        .complete(key, response, NOW + KEY_TTL)
        .await
        .unwrap_or_else(|error| panic!("completing {key}: {error}"));
}

async fn release(store: &dyn IdempotencyStore, key: &str) {
    store
        .release(key)
        .await
        .unwrap_or_else(|error| panic!("releasing {key}: {error}"));
}

async fn handled(store: &dyn IdempotencyStore, consumer: &str, event_id: &str) -> bool {
    store
        .handled(consumer, event_id)
        .await
        .unwrap_or_else(|error| panic!("asking whether {consumer} handled {event_id}: {error}"))
}

async fn record_handled(
    store: &dyn IdempotencyStore,
    consumer: &str,
    event_id: &str,
    expires_at: OffsetDateTime,
) {
    store
        .record_handled(consumer, event_id, expires_at)
        .await
        .unwrap_or_else(|error| panic!("recording that {consumer} handled {event_id}: {error}"));
}

/// A new key is claimed; claimed again before it completes, it is in progress for the
/// same request and a mismatch for another.
pub async fn check_new_key_is_claimed_once(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    let later = NOW + Duration::seconds(1);
    assert_eq!(
        claim(&*store, &key, "fp-a", later).await,
        IdempotencyClaim::InProgress
    );
    assert_eq!(
        claim(&*store, &key, "fp-b", later).await,
        IdempotencyClaim::Mismatch
    );
}

/// A completed key replays its response to the same request and refuses another.
pub async fn check_completed_key_replays(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    complete(&*store, &key, &created()).await;
    let later = NOW + Duration::minutes(5);
    assert_eq!(
        claim(&*store, &key, "fp-a", later).await,
        IdempotencyClaim::Replay(created())
    );
    assert_eq!(
        claim(&*store, &key, "fp-b", later).await,
        IdempotencyClaim::Mismatch
    );
}

/// A claim whose request never completed nor released it (a crash, a store that failed
/// as the answer was kept) is in progress until its lease passes, then the key can be
/// claimed again; a completed key is kept past the lease, until its own expiry.
pub async fn check_lease_of_an_unanswered_claim_passes(store: Arc<dyn IdempotencyStore>) {
    const LEASE: Duration = Duration::minutes(1);
    let (died, answered) = (new_key(), new_key());
    for key in [&died, &answered] {
        let claimed = store.claim(key, "fp-a", NOW, NOW + LEASE).await.unwrap();
        assert_eq!(claimed, IdempotencyClaim::Claimed);
    }
    complete(&*store, &answered, &created()).await;
    let within = NOW + LEASE - Duration::seconds(1);
    assert_eq!(
        claim(&*store, &died, "fp-a", within).await,
        IdempotencyClaim::InProgress
    );
    let after = NOW + LEASE + Duration::seconds(1);
    assert_eq!(
        claim(&*store, &died, "fp-a", after).await,
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        claim(&*store, &answered, "fp-a", after).await,
        IdempotencyClaim::Replay(created())
    );
}

/// A key counts as new from the moment it expires, whatever request claimed it.
pub async fn check_expired_key_counts_as_new(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    complete(&*store, &key, &created()).await;
    let expiry = NOW + KEY_TTL;
    assert_eq!(
        claim(&*store, &key, "fp-a", expiry - Duration::seconds(1)).await,
        IdempotencyClaim::Replay(created())
    );
    assert_eq!(
        claim(&*store, &key, "fp-b", expiry).await,
        IdempotencyClaim::Claimed
    );
    let later = expiry + Duration::seconds(1);
    assert_eq!(
        claim(&*store, &key, "fp-b", later).await,
        IdempotencyClaim::InProgress
    );
    assert_eq!(
        claim(&*store, &key, "fp-a", later).await,
        IdempotencyClaim::Mismatch
    );
}

/// A released claim leaves the key free for a retry; releasing an unknown key does
/// nothing.
pub async fn check_released_key_can_be_claimed_again(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    release(&*store, &key).await;
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    release(&*store, &new_key()).await;
}

/// Releasing a completed key keeps its response for replays.
pub async fn check_release_after_complete_keeps_the_response(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Claimed
    );
    complete(&*store, &key, &created()).await;
    release(&*store, &key).await;
    assert_eq!(
        claim(&*store, &key, "fp-a", NOW).await,
        IdempotencyClaim::Replay(created())
    );
}

/// A handled event is known to its consumer only, and only once recorded.
pub async fn check_handled_events_are_per_consumer(store: Arc<dyn IdempotencyStore>) {
    let event_id = new_key();
    let until = NOW + Duration::days(7);
    assert!(!handled(&*store, "confirm-order", &event_id).await);
    record_handled(&*store, "confirm-order", &event_id, until).await;
    assert!(handled(&*store, "confirm-order", &event_id).await);
    assert!(!handled(&*store, "notify-user", &event_id).await);
    assert!(!handled(&*store, "confirm-order", &new_key()).await);

    record_handled(&*store, "confirm-order", &event_id, until).await;
    assert!(handled(&*store, "confirm-order", &event_id).await);
}

/// Of many requests claiming one key at once, exactly one gets it; the others see it
/// in progress.
pub async fn check_concurrent_claims_admit_one(store: Arc<dyn IdempotencyStore>) {
    let key = new_key();
    let claims = (0..CONCURRENT_CLAIMS).map(|_| {
        let store = Arc::clone(&store);
        let key = key.clone();
        tokio::spawn(async move { store.claim(&key, "fp-a", NOW, NOW + KEY_TTL).await })
    });
    let outcomes: Vec<IdempotencyClaim> = futures::future::join_all(claims)
        .await
        .into_iter()
        .map(|joined| {
            joined
                .expect("a claiming task finished")
                .unwrap_or_else(|error| panic!("claiming {key}: {error}"))
        })
        .collect();
    let claimed = outcomes
        .iter()
        .filter(|outcome| **outcome == IdempotencyClaim::Claimed)
        .count();
    assert_eq!(claimed, 1, "outcomes: {outcomes:?}");
    assert!(outcomes.iter().all(|outcome| matches!(
        outcome,
        IdempotencyClaim::Claimed | IdempotencyClaim::InProgress
    )));
}
