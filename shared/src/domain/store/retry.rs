//! The one retry of optimistic writes. A read-modify-write reads a record, changes it and
//! writes it on condition that its version is still the one read; when another writer got
//! there first the store answers [`StoreError::Conflict`], and the whole attempt — read,
//! decide, write — runs again on the fresh record. Every such loop in the tree calls
//! [`retry_on_conflict`]; [`WRITE_ATTEMPTS`] is the one place that says how often.

use std::future::Future;
use std::time::Duration;

use super::StoreError;
use crate::domain::backoff::{retry_while, Backoff};

/// How many times a read-modify-write is attempted before the conflict is returned.
pub const WRITE_ATTEMPTS: usize = 5;
/// The waits between the attempts of a read-modify-write: short, since the record is
/// usually free again at once.
const WRITE_BACKOFF: Backoff = Backoff {
    attempts: WRITE_ATTEMPTS,
    first_wait: Duration::from_millis(2),
    longest_wait: Duration::from_millis(25),
};

/// Whether an error says that an optimistic write lost a race: the record changed
/// since it was read, so reading again and retrying may succeed.
pub trait LostRace {
    /// `true` for a write refused because the record changed since it was read.
    fn lost_race(&self) -> bool;
}

impl LostRace for StoreError {
    fn lost_race(&self) -> bool {
        matches!(self, StoreError::Conflict)
    }
}

/// Runs `attempt` until it returns anything but a lost race, at most [`WRITE_ATTEMPTS`]
/// times, waiting a short random while between attempts. Returns what the last attempt
/// returned: its success, its other error, or the conflict of the last lost race.
pub async fn retry_on_conflict<T, E, F, Fut>(attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: LostRace,
{
    retry_while(WRITE_BACKOFF, attempt, E::lost_race).await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    async fn conflicting(times: usize, calls: &AtomicUsize) -> Result<usize, StoreError> {
        retry_on_conflict(|| async {
            let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if call <= times {
                Err(StoreError::Conflict)
            } else {
                Ok(call)
            }
        })
        .await
    }

    #[tokio::test]
    async fn lost_races_are_retried_up_to_the_bound() {
        let calls = AtomicUsize::new(0);
        assert_eq!(
            conflicting(WRITE_ATTEMPTS - 1, &calls).await,
            Ok(WRITE_ATTEMPTS)
        );
        let calls = AtomicUsize::new(0);
        assert_eq!(
            conflicting(WRITE_ATTEMPTS, &calls).await,
            Err(StoreError::Conflict)
        );
        assert_eq!(calls.load(Ordering::SeqCst), WRITE_ATTEMPTS);
    }

    #[tokio::test]
    async fn other_errors_end_at_once() {
        let calls = AtomicUsize::new(0);
        let outcome: Result<(), StoreError> = retry_on_conflict(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::Unavailable("down".into()))
        })
        .await;
        assert_eq!(outcome, Err(StoreError::Unavailable("down".into())));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
