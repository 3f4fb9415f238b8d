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

/// Decides, before a saga step runs, whether it should fail instead (or hang, like a
/// process that died mid-step); for tests that inject faults.
pub type FaultInjector = Arc<dyn Fn(&str) -> BoxFuture<'static, Option<TaskFailure>> + Send + Sync>;

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
        if let Some(faults) = &self.faults {
            if let Some(failure) = faults(function_name).await {
                return Err(failure);
            }
        }
        let step = self.by_function.get(function_name).ok_or_else(|| {
            let unknown = TaskError::InvalidInput(format!("no saga step {function_name}"));
            TaskFailure::new(unknown.error_name(), unknown.cause())
        })?;
        step.run(function_name, payload)
            .await
            .map_err(|error| TaskFailure::new(error.error_name(), error.cause()))
    }
}

/// PutEvents entries published on the shop's event bus.
pub struct BusEventSink {
    pub publisher: Arc<dyn EventPublisher>,
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
        self.publisher
            .publish(events)
            .await
            .map_err(|error| TaskFailure::new("EventBridge.Unavailable", error.to_string()))
    }
}
