//! A workflow engine that throttles starts on demand, as Step Functions does when a
//! flash sale starts more executions per second than it takes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use mambogo::domain::workflow::{ExecutionReport, StartOutcome, Workflow, WorkflowError};
use mambogo_local::WorkflowWrapper;
use serde_json::Value;

/// What a test holds of a throttling engine: how many starts it still refuses (set it
/// to 0 to stop throttling) and how many starts it has been asked for.
#[derive(Clone, Default)]
pub struct Throttle {
    pub refusals: Arc<AtomicUsize>,
    pub starts: Arc<AtomicUsize>,
}

impl Throttle {
    /// A throttle refusing the next `refusals` starts.
    pub fn refusing(refusals: usize) -> Throttle {
        let throttle = Throttle::default();
        throttle.refusals.store(refusals, Ordering::SeqCst);
        throttle
    }

    /// Starts asked for so far.
    pub fn starts(&self) -> usize {
        self.starts.load(Ordering::SeqCst)
    }

    /// Lets every later start through.
    pub fn lift(&self) {
        self.refusals.store(0, Ordering::SeqCst);
    }

    /// The wrapper that puts this throttle in front of the shop's engine
    /// (`TestHooks::workflow`).
    pub fn wrapper(&self) -> WorkflowWrapper {
        let throttle = self.clone();
        Arc::new(move |inner| {
            Arc::new(Throttling {
                inner,
                throttle: throttle.clone(),
            }) as Arc<dyn Workflow>
        })
    }
}

/// The shop's workflow, refusing starts as throttled while its [`Throttle`] says so.
struct Throttling {
    inner: Arc<dyn Workflow>,
    throttle: Throttle,
}

#[async_trait]
impl Workflow for Throttling {
    async fn start(&self, name: &str, input: Value) -> Result<StartOutcome, WorkflowError> {
        self.throttle.starts.fetch_add(1, Ordering::SeqCst);
        let refused = self
            .throttle
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if refused {
            return Err(WorkflowError::Throttled("Rate exceeded".to_owned()));
        }
        self.inner.start(name, input).await
    }

    async fn send_task_success(&self, token: &str, output: Value) -> Result<(), WorkflowError> {
        self.inner.send_task_success(token, output).await
    }

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.inner.send_task_failure(token, error, cause).await
    }

    async fn describe(&self, name: &str) -> Result<Option<ExecutionReport>, WorkflowError> {
        self.inner.describe(name).await
    }

    async fn failed_since(
        &self,
        since: time::OffsetDateTime,
    ) -> Result<Vec<String>, WorkflowError> {
        self.inner.failed_since(since).await
    }
}
