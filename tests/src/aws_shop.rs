//! The local shop on AWS's services ([`mambogo_local::aws`]): tables, an event bus, rules,
//! queues and a webhook secret of its own in the emulator, reached at an endpoint of the
//! test's choosing (the emulator, or [`crate::aws_faults::FaultyAws`] in front of it).

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use mambogo_local::aws::AwsStack;

use crate::aws_faults::sdk_retries;
use crate::emulator::unique_table_name;

/// A stack no other shop uses, at `endpoint`, created as the shop starts; its calls
/// retry as [`sdk_retries`] says.
pub async fn aws_stack(endpoint: &str) -> AwsStack {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .retry_config(sdk_retries())
        .load()
        .await;
    AwsStack {
        sdk,
        prefix: format!("{}-", unique_table_name("shop")),
        create_missing: true,
    }
}
