//! What the local runner calls for the checkout saga's resources: its Lambda tasks run
//! the shared saga steps (each with only its function's grants), and its PutEvents
//! tasks publish on the local bus.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use mambogo::adapters::access::Manifest;
use mambogo::application::checkout::{SagaTasks, TaskError, TASK_FUNCTIONS};
use mambogo::application::Services;
use mambogo::domain::events::{DomainEvent, EventPublisher};
use serde_json::{json, Value};

use crate::error::StartError;
use crate::workflow::{EventSink, TaskFailure, TaskHandler};

/// Decides, as a saga step is called, what goes wrong with this call, if anything; for
/// tests that inject faults. Lambda steps are named by their function
/// (`reserve-inventory`), PutEvents steps by `events:` and the detail type of their first
/// entry (`events:OrderConfirmed`). The future may also wait, to hold a step back.
pub type FaultInjector = Arc<dyn Fn(&str) -> BoxFuture<'static, Option<Fault>> + Send + Sync>;

/// One thing that can go wrong with a call of a saga step.
#[derive(Clone, Debug)]
pub enum Fault {
    /// The step does not run; the call fails.
    Fail(TaskFailure),
    /// The step runs and does its writes, but its answer is lost: the call fails (a
    /// timeout, a reply that never arrived).
    FailAfterRunning(TaskFailure),
    /// The step runs twice, as a duplicate delivery does; the second answer counts.
    RunTwice,
    /// The step runs, then the call never answers: the process died between the step's
    /// writes and its reply. The notice is told once the step has run.
    HangAfterRunning(Arc<tokio::sync::Notify>),
    /// The call never answers and the step never runs.
    Hang,
}

/// Runs `call` on `input` as `fault` says; `input` is cloned only for a second run.
async fn with_fault<T, R, F, Fut>(fault: Option<Fault>, input: T, call: F) -> Result<R, TaskFailure>
where
    T: Clone,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<R, TaskFailure>>,
{
    match fault {
        None => call(input).await,
        Some(Fault::Fail(failure)) => Err(failure),
        Some(Fault::FailAfterRunning(failure)) => {
            let _ = call(input).await;
            Err(failure)
        }
        Some(Fault::RunTwice) => {
            let _ = call(input.clone()).await;
            call(input).await
        }
        Some(Fault::HangAfterRunning(ran)) => {
            let _ = call(input).await;
            ran.notify_one();
            std::future::pending().await
        }
        Some(Fault::Hang) => std::future::pending().await,
    }
}

/// The fault a test injects into the step `step` names, if faults are injected at all
/// (the name is only made then).
async fn fault_for(faults: Option<&FaultInjector>, step: impl FnOnce() -> String) -> Option<Fault> {
    match faults {
        Some(faults) => faults(&step()).await,
        None => None,
    }
}

/// Runs saga steps, each function's with [`SagaTasks`] on the shop's services restricted
/// to that function's grants in `functions/manifest.json`, as its Lambda would run.
pub struct SagaSteps {
    by_function: HashMap<String, SagaTasks>,
    faults: Option<FaultInjector>,
}

impl SagaSteps {
    /// The steps of [`TASK_FUNCTIONS`] on `services`; a step without a function in
    /// `manifest` is an error.
    pub fn new(
        services: &Services,
        manifest: &Manifest,
        faults: Option<FaultInjector>,
    ) -> Result<Self, StartError> {
        let mut by_function = HashMap::new();
        for (_, function) in TASK_FUNCTIONS {
            let spec = manifest
                .function(function)
                .ok_or_else(|| StartError::NotInManifest(format!("saga step {function}")))?;
            by_function.insert(
                function.to_owned(),
                SagaTasks::new(Arc::new(services.restricted_to(spec))),
            );
        }
        Ok(SagaSteps {
            by_function,
            faults,
        })
    }
}

#[async_trait]
impl TaskHandler for SagaSteps {
    async fn invoke(&self, function_name: &str, payload: Value) -> Result<Value, TaskFailure> {
        let step = self.by_function.get(function_name).ok_or_else(|| {
            let unknown = TaskError::InvalidInput(format!("no saga step {function_name}"));
            TaskFailure::new(unknown.error_name(), unknown.cause())
        })?;
        let fault = fault_for(self.faults.as_ref(), || function_name.to_owned()).await;
        with_fault(fault, payload, |payload| async {
            step.run(function_name, payload)
                .await
                .map_err(|error| TaskFailure::new(error.error_name(), error.cause()))
        })
        .await
    }
}

/// PutEvents entries published on the shop's event bus.
pub struct BusEventSink {
    pub publisher: Arc<dyn EventPublisher>,
    /// Faults a test injects into the publishing steps.
    pub faults: Option<FaultInjector>,
}

#[async_trait]
impl EventSink for BusEventSink {
    async fn put_events(&self, entries: Vec<Value>) -> Result<(), TaskFailure> {
        let mut events = Vec::with_capacity(entries.len());
        for entry in entries {
            let detail: Value = entry["Detail"]
                .as_str()
                .and_then(|detail| serde_json::from_str(detail).ok())
                .ok_or_else(|| {
                    TaskFailure::new("EventBridge.InvalidEntry", "Detail must be a JSON string")
                })?;
            let envelope = json!({
                "source": entry["Source"],
                "detail-type": entry["DetailType"],
                "detail": detail,
            });
            let event = DomainEvent::from_envelope(&envelope)
                .map_err(|error| TaskFailure::new("EventBridge.InvalidEntry", error.to_string()))?;
            events.push(event);
        }
        let fault = fault_for(self.faults.as_ref(), || {
            let detail_type = events
                .first()
                .map_or("", |event| event.event_type.detail_type());
            format!("events:{detail_type}")
        })
        .await;
        with_fault(fault, events, |events| async {
            self.publisher
                .publish(events)
                .await
                .map_err(|error| TaskFailure::new("EventBridge.Unavailable", error.to_string()))
        })
        .await
    }
}
