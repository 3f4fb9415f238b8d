//! The Task resources the runner knows, and the callbacks that do their work in-process.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::errors::TaskFailure;

/// Runs what a `lambda:invoke` task names: the local stand-in for Lambda.
#[async_trait]
pub trait TaskHandler: Send + Sync {
    /// Runs the function `function_name` with `payload` and returns its result, or how
    /// it failed (as a Lambda's `errorType` and `errorMessage`).
    async fn invoke(&self, function_name: &str, payload: Value) -> Result<Value, TaskFailure>;
}

/// Publishes what an `events:putEvents` task sends: the local stand-in for EventBridge.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Publishes `entries` (PutEvents request entries), all or none.
    async fn put_events(&self, entries: Vec<Value>) -> Result<(), TaskFailure>;
}

/// The service a Task calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    LambdaInvoke,
    PutEvents,
}

/// A Task's `Resource`: a service integration, optionally waiting for a task token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resource {
    service: Service,
    /// `.waitForTaskToken`: the task's result is what its token is completed with.
    pub(crate) waits_for_task_token: bool,
}

const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
const PUT_EVENTS: &str = "arn:aws:states:::events:putEvents";
const WAIT_FOR_TASK_TOKEN: &str = ".waitForTaskToken";

impl Resource {
    /// The resource an ARN names, if the runner supports it.
    pub(crate) fn parse(arn: &str) -> Option<Resource> {
        let (base, waits_for_task_token) = match arn.strip_suffix(WAIT_FOR_TASK_TOKEN) {
            Some(base) => (base, true),
            None => (arn, false),
        };
        let service = match base {
            LAMBDA_INVOKE => Service::LambdaInvoke,
            PUT_EVENTS => Service::PutEvents,
            _ => return None,
        };
        Some(Resource {
            service,
            waits_for_task_token,
        })
    }

    /// The ARN, as written in definitions.
    pub(crate) fn arn(&self) -> String {
        let base = match self.service {
            Service::LambdaInvoke => LAMBDA_INVOKE,
            Service::PutEvents => PUT_EVENTS,
        };
        let suffix = if self.waits_for_task_token {
            WAIT_FOR_TASK_TOKEN
        } else {
            ""
        };
        format!("{base}{suffix}")
    }

    /// The `Parameters` field the resource cannot do without.
    pub(crate) fn required_parameter(&self) -> &'static str {
        match self.service {
            Service::LambdaInvoke => "FunctionName",
            Service::PutEvents => "Entries",
        }
    }

    /// Calls the service with the task's effective `parameters`; the answer is shaped as
    /// the AWS integration shapes it.
    pub(crate) async fn call(
        self,
        parameters: Value,
        handler: Arc<dyn TaskHandler>,
        events: Arc<dyn EventSink>,
    ) -> Result<Value, TaskFailure> {
        let Value::Object(mut parameters) = parameters else {
            return Err(TaskFailure::runtime(format!(
                "{} needs object Parameters",
                self.arn()
            )));
        };
        match self.service {
            Service::LambdaInvoke => {
                let Some(Value::String(function_name)) = parameters.remove("FunctionName") else {
                    return Err(TaskFailure::runtime("FunctionName must be a string"));
                };
                let payload = parameters.remove("Payload").unwrap_or_else(|| json!({}));
                let result = handler.invoke(&function_name, payload).await?;
                Ok(json!({ "Payload": result, "StatusCode": 200 }))
            }
            Service::PutEvents => {
                let Some(Value::Array(entries)) = parameters.remove("Entries") else {
                    return Err(TaskFailure::runtime("Entries must be an array"));
                };
                let published: Vec<Value> = entries
                    .iter()
                    .map(|_| json!({ "EventId": uuid::Uuid::new_v4().to_string() }))
                    .collect();
                events.put_events(entries).await?;
                Ok(json!({ "FailedEntryCount": 0, "Entries": published }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    struct Echo;

    #[async_trait]
    impl TaskHandler for Echo {
        async fn invoke(&self, function_name: &str, payload: Value) -> Result<Value, TaskFailure> {
            Ok(json!({ "function": function_name, "payload": payload }))
        }
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Value>>);

    #[async_trait]
    impl EventSink for Recorder {
        async fn put_events(&self, entries: Vec<Value>) -> Result<(), TaskFailure> {
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .extend(entries);
            Ok(())
        }
    }

    fn resource(arn: &str) -> Resource {
        Resource::parse(arn).unwrap_or_else(|| panic!("{arn} is supported"))
    }

    #[test]
    fn only_the_known_integrations_are_supported() {
        assert!(!resource("arn:aws:states:::lambda:invoke").waits_for_task_token);
        assert!(resource("arn:aws:states:::lambda:invoke.waitForTaskToken").waits_for_task_token);
        assert_eq!(
            resource("arn:aws:states:::events:putEvents.waitForTaskToken").arn(),
            "arn:aws:states:::events:putEvents.waitForTaskToken"
        );
        assert_eq!(Resource::parse("arn:aws:states:::sqs:sendMessage"), None);
        assert_eq!(
            Resource::parse("arn:aws:lambda:us-east-1:123456789012:function:reserve"),
            None
        );
    }

    #[tokio::test]
    async fn lambda_results_are_wrapped_as_aws_wraps_them() {
        let answer = resource("arn:aws:states:::lambda:invoke")
            .call(
                json!({ "FunctionName": "reserve", "Payload": { "orderId": "o-1" } }),
                Arc::new(Echo),
                Arc::new(Recorder::default()),
            )
            .await;

        assert_eq!(
            answer,
            Ok(json!({
                "Payload": { "function": "reserve", "payload": { "orderId": "o-1" } },
                "StatusCode": 200
            }))
        );
    }

    #[tokio::test]
    async fn events_are_published_and_counted() {
        let sink = Arc::new(Recorder::default());
        let entry = json!({ "Source": "mambogo.orders", "DetailType": "OrderConfirmed" });

        let answer = resource("arn:aws:states:::events:putEvents")
            .call(
                json!({ "Entries": [entry.clone()] }),
                Arc::new(Echo),
                sink.clone(),
            )
            .await
            .unwrap_or_else(|failure| panic!("{failure}"));

        assert_eq!(answer["FailedEntryCount"], json!(0));
        assert_eq!(answer["Entries"].as_array().map(Vec::len), Some(1));
        let published = sink.0.lock().map(|entries| entries.clone()).ok();
        assert_eq!(published, Some(vec![entry]));
    }

    #[tokio::test]
    async fn malformed_parameters_are_runtime_errors() {
        let answer = resource("arn:aws:states:::lambda:invoke")
            .call(
                json!({ "FunctionName": 7 }),
                Arc::new(Echo),
                Arc::new(Recorder::default()),
            )
            .await;

        assert!(matches!(answer, Err(failure) if failure.error == "States.Runtime"));
    }
}
