//! Errors as the States Language names them, and the `Retry` rules that match them.

use std::time::Duration;

use serde_json::{json, Value};

/// Matches every error but `States.Runtime`.
pub(crate) const STATES_ALL: &str = "States.ALL";
/// Matches every error but `States.Runtime` and `States.Timeout`; also the error of a
/// task handler that stopped without answering.
pub(crate) const STATES_TASK_FAILED: &str = "States.TaskFailed";
/// A task ran longer than its `TimeoutSeconds`.
pub(crate) const STATES_TIMEOUT: &str = "States.Timeout";
/// The definition and the data do not fit (a path that does not resolve, …); never
/// retried nor caught.
pub(crate) const STATES_RUNTIME: &str = "States.Runtime";
/// A Choice state whose rules all failed and that has no `Default`.
pub(crate) const STATES_NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";

/// How a task failed: an error name that `Retry` and `Catch` match, and a cause for
/// people. A Lambda's `errorType` and `errorMessage` map to these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskFailure {
    /// The error name, such as `OutOfStock` or `States.Timeout`.
    pub error: String,
    /// What happened, for people.
    pub cause: String,
}

impl TaskFailure {
    /// A failure named `error` because of `cause`.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskFailure {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// A `States.Runtime` failure, which ends the execution.
    pub(crate) fn runtime(cause: impl Into<String>) -> Self {
        TaskFailure::new(STATES_RUNTIME, cause)
    }

    /// A `States.Timeout` failure.
    pub(crate) fn timeout() -> Self {
        TaskFailure::new(
            STATES_TIMEOUT,
            "the task did not finish within its TimeoutSeconds",
        )
    }

    /// The error output that a `Catch` puts at its `ResultPath`.
    pub(crate) fn to_output(&self) -> Value {
        json!({ "Error": self.error, "Cause": self.cause })
    }
}

/// Whether an `ErrorEquals` list matches the error named `error`.
pub(crate) fn matches(error_equals: &[String], error: &str) -> bool {
    error != STATES_RUNTIME
        && error_equals.iter().any(|name| {
            name == error
                || name == STATES_ALL
                || (name == STATES_TASK_FAILED && error != STATES_TIMEOUT)
        })
}

/// One `Retry` rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Retrier {
    /// The errors it retries.
    pub(crate) error_equals: Vec<String>,
    /// The wait before the first retry.
    pub(crate) interval_seconds: u64,
    /// How many retries at most; 0 means none.
    pub(crate) max_attempts: u32,
    /// What each wait is multiplied by for the next one.
    pub(crate) backoff_rate: f64,
    /// The longest wait.
    pub(crate) max_delay_seconds: Option<u64>,
}

impl Retrier {
    /// The wait before retry number `retries_so_far + 1`, in real time scaled by `scale`.
    fn delay(&self, retries_so_far: u32, scale: f64) -> Duration {
        let exponent = i32::try_from(retries_so_far).unwrap_or(i32::MAX);
        let mut seconds = self.interval_seconds as f64 * self.backoff_rate.powi(exponent);
        if let Some(max) = self.max_delay_seconds {
            seconds = seconds.min(max as f64);
        }
        Duration::try_from_secs_f64(seconds * scale).unwrap_or(Duration::ZERO)
    }
}

/// How many times each of a state's retriers has retried, for one entry into the state.
#[derive(Debug)]
pub(crate) struct RetryCounts(Vec<u32>);

impl RetryCounts {
    /// No retries yet, for a state with these retriers.
    pub(crate) fn new(retriers: &[Retrier]) -> Self {
        RetryCounts(vec![0; retriers.len()])
    }

    /// The wait before retrying after `failure`, or `None` if it is not to be retried:
    /// the first retrier that matches decides, and counts the retry.
    pub(crate) fn next_retry(
        &mut self,
        retriers: &[Retrier],
        failure: &TaskFailure,
        scale: f64,
    ) -> Option<Duration> {
        let (index, retrier) = retriers
            .iter()
            .enumerate()
            .find(|(_, retrier)| matches(&retrier.error_equals, &failure.error))?;
        let count = self.0.get_mut(index)?;
        if *count >= retrier.max_attempts {
            return None;
        }
        let delay = retrier.delay(*count, scale);
        *count += 1;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn wildcards_match_as_in_the_states_language() {
        assert!(matches(&names(&["OutOfStock"]), "OutOfStock"));
        assert!(!matches(&names(&["OutOfStock"]), "PaymentDeclined"));
        assert!(matches(&names(&[STATES_ALL]), STATES_TIMEOUT));
        assert!(matches(&names(&[STATES_TASK_FAILED]), "PaymentDeclined"));
        assert!(!matches(&names(&[STATES_TASK_FAILED]), STATES_TIMEOUT));
        assert!(!matches(&names(&[STATES_ALL]), STATES_RUNTIME));
        assert!(!matches(&names(&[STATES_RUNTIME]), STATES_RUNTIME));
    }

    #[test]
    fn retries_back_off_until_the_attempts_are_used() {
        let retriers = [Retrier {
            error_equals: names(&["Busy"]),
            interval_seconds: 2,
            max_attempts: 3,
            backoff_rate: 1.5,
            max_delay_seconds: Some(4),
        }];
        let busy = TaskFailure::new("Busy", "");
        let mut counts = RetryCounts::new(&retriers);

        let delays: Vec<_> = (0..4)
            .map(|_| counts.next_retry(&retriers, &busy, 1.0))
            .collect();

        assert_eq!(
            delays,
            [
                Some(Duration::from_secs(2)),
                Some(Duration::from_secs(3)),
                Some(Duration::from_secs(4)),
                None
            ]
        );
    }

    #[test]
    fn the_first_matching_retrier_decides() {
        let retriers = [
            Retrier {
                error_equals: names(&["Declined"]),
                interval_seconds: 1,
                max_attempts: 0,
                backoff_rate: 2.0,
                max_delay_seconds: None,
            },
            Retrier {
                error_equals: names(&[STATES_ALL]),
                interval_seconds: 1,
                max_attempts: 5,
                backoff_rate: 2.0,
                max_delay_seconds: None,
            },
        ];
        let mut counts = RetryCounts::new(&retriers);

        assert_eq!(
            counts.next_retry(&retriers, &TaskFailure::new("Declined", ""), 0.0),
            None
        );
        assert_eq!(
            counts.next_retry(&retriers, &TaskFailure::new("Busy", ""), 0.0),
            Some(Duration::ZERO)
        );
    }
}
