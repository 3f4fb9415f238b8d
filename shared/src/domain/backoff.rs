//! The one way the shop waits and tries again: a bounded number of attempts with
//! randomized, doubling waits between them, while the error says trying again may
//! help. Optimistic writes ([`crate::domain::store::retry_on_conflict`]) and saga starts
//! that Step Functions throttled each name their own [`Backoff`].

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

/// How often to try, and how long to wait in between.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// Attempts in all, the first one included.
    pub attempts: usize,
    /// The wait before the second attempt, at most; each later wait may double it.
    /// Every wait is randomized (between none and its bound) so that callers that
    /// failed together do not try again together.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub longest_wait: Duration,
}

/// Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or has
/// been tried `backoff.attempts` times; returns what the last attempt returned.
pub async fn retry_while<T, E, F, Fut>(
    backoff: Backoff,
    attempt: F,
    retryable: impl FnMut(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let waits = ExponentialBuilder::new()
        .with_min_delay(backoff.first_wait)
        .with_max_delay(backoff.longest_wait)
        .with_jitter()
        .with_max_times(backoff.attempts.saturating_sub(1));
    attempt.retry(waits).when(retryable).await
}
