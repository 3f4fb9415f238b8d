//! What connects the local runner to the shop: saga steps run by the shared handlers
//! (each with only its function's grants), PutEvents onto the local bus, and the mock
//! gateway's webhooks over loopback HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use futures::future::BoxFuture;

use async_trait::async_trait;
use mambogo::adapters::access::guarded::GuardedGateway;
use mambogo::adapters::access::{Manifest, Secret};
use mambogo::adapters::mock_gateway::{post_signed, WebhookDelivery};
use mambogo::application::checkout::{SagaTasks, TaskError, TASK_FUNCTIONS};
use mambogo::domain::events::{DomainEvent, EventPublisher};
use serde_json::{json, Value};

use crate::server::StartError;
use crate::workflow::{EventSink, TaskFailure, TaskHandler};

/// Decides, before a saga step runs, whether it should fail instead (or hang, like a
/// process that died mid-step); for tests that inject faults.
pub type FaultInjector = Arc<dyn Fn(&str) -> BoxFuture<'static, Option<TaskFailure>> + Send + Sync>;

/// Each saga step's function name, and the [`SagaTasks`] it runs with: the shop's
/// services restricted to the function's grants in `functions/manifest.json`.
type StepTasks = HashMap<String, SagaTasks>;

/// Runs saga steps with [`SagaTasks`], which are set once the services exist (the
/// services need the runner, and the runner needs this).
pub struct SagaStepHandler {
    tasks: Mutex<Option<Arc<StepTasks>>>,
    faults: Option<FaultInjector>,
}

impl SagaStepHandler {
    /// A handler whose steps are set later with [`SagaStepHandler::set_tasks`].
    pub fn new(faults: Option<FaultInjector>) -> Self {
        SagaStepHandler {
            tasks: Mutex::new(None),
            faults,
        }
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, Option<Arc<StepTasks>>> {
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives the handler its steps: `tasks` restricted, for each step, to the grants of
    /// its function in `manifest` (its gateway too, to functions holding the gateway's
    /// key). A step without a function there is an error.
    pub fn set_tasks(&self, tasks: &SagaTasks, manifest: &Manifest) -> Result<(), StartError> {
        let mut by_function = StepTasks::new();
        for (_, function) in TASK_FUNCTIONS {
            let spec = manifest
                .function(function)
                .ok_or_else(|| StartError::NotInManifest(format!("saga step {function}")))?;
            // The gateway is called with its API key: only a step holding that secret
            // may call it, as on AWS.
            let gateway = GuardedGateway::new(
                Arc::clone(&tasks.gateway),
                function,
                spec.secrets.contains(&Secret::PaymentGatewayApiKey),
            );
            by_function.insert(
                function.to_owned(),
                SagaTasks {
                    services: Arc::new(tasks.services.restricted_to(spec)),
                    gateway: Arc::new(gateway),
                },
            );
        }
        *self.tasks() = Some(Arc::new(by_function));
        Ok(())
    }

    /// Forgets the steps, which hold the services, which hold the runner that holds this
    /// handler: without this a stopped shop would never be freed.
    pub fn detach(&self) {
        *self.tasks() = None;
    }
}

#[async_trait]
impl TaskHandler for SagaStepHandler {
    async fn invoke(&self, function_name: &str, payload: Value) -> Result<Value, TaskFailure> {
        if let Some(faults) = &self.faults {
            if let Some(failure) = faults(function_name).await {
                return Err(failure);
            }
        }
        let steps = self
            .tasks()
            .clone()
            .ok_or_else(|| TaskFailure::new("Transient", "the shop is not running"))?;
        let step = steps.get(function_name).ok_or_else(|| {
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

/// POSTs the mock gateway's webhooks to the shop's own `/webhooks/payments`, once the
/// shop knows the port it listens on.
#[derive(Default)]
pub struct LoopbackWebhooks {
    client: reqwest::Client,
    url: OnceLock<reqwest::Url>,
}

impl LoopbackWebhooks {
    /// Sets the shop's base URL; only the first call counts.
    pub fn set_base_url(&self, base_url: &str) {
        if let Ok(url) = reqwest::Url::parse(&format!("{base_url}/webhooks/payments")) {
            let _ = self.url.set(url);
        }
    }
}

#[async_trait]
impl WebhookDelivery for LoopbackWebhooks {
    async fn deliver(&self, body: Vec<u8>, signature: String) -> Result<(), String> {
        let url = self.url.get().ok_or("the shop is not listening yet")?;
        post_signed(&self.client, url.clone(), body, signature).await
    }
}
