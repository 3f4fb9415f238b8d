//! The local shop on AWS's services, at an endpoint of the operator's choosing (an
//! emulator such as moto, or an AWS account): its stores on DynamoDB tables, its events
//! put on an EventBridge bus whose rules feed each consumer's SQS queue, which the shop
//! drains itself, and the payment webhooks' signing secret in Secrets Manager.
//!
//! Everything is named as Terraform names the resources of a stack whose prefix is
//! [`AwsStack::prefix`] without its last dash: given `mambogo-dev-`, the shop uses the
//! `mambogo-dev` stack's tables (`mambogo-dev-orders`, …), bus (`mambogo-dev`), queues
//! (`mambogo-dev-notify-shopper`, …) and secret (`mambogo-dev/webhook-secrets`). With
//! [`AwsStack::create_missing`] it first creates whichever of them are missing, from the
//! definitions Terraform's come from: the tables' layouts, the rule files and the
//! manifest's consumers.
//!
//! The checkout saga still runs on the local runner (moto cannot run its ASL) and the
//! payment gateway is the local mock.

mod events;
mod secrets;
mod tables;

use aws_config::SdkConfig;

use crate::error::StartError;

/// Where the shop's AWS resources are, and whether to create the missing ones.
#[derive(Clone, Debug)]
pub struct AwsStack {
    /// How to call AWS: the endpoint, region, credentials and retries.
    pub sdk: SdkConfig,
    /// Put before each resource's name (`mambogo-dev-` makes `mambogo-dev-orders`).
    pub prefix: String,
    /// Create the tables, bus, rules, queues and secret that are missing before the
    /// shop starts.
    pub create_missing: bool,
}

impl AwsStack {
    /// The stack's own name: the prefix without its last dash (the event bus's name).
    pub fn stack(&self) -> &str {
        self.prefix.strip_suffix('-').unwrap_or(&self.prefix)
    }
}

/// A failed call to `service` while the shop starts, told as `what` could not be done.
fn start_error<E, R>(
    what: &str,
    service: &str,
    error: &aws_sdk_sqs::error::SdkError<E, R>,
) -> StartError
where
    E: std::error::Error + aws_sdk_sqs::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    StartError::Aws(format!(
        "{what}: {}",
        mambogo::adapters::aws_error::described(service, error)
    ))
}
