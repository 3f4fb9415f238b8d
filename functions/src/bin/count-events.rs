//! The `count-events` consumer: writes the business metrics of the events its rule
//! delivers (`events/rules/count-business-events.json`, fed by its SQS queue) as
//! CloudWatch EMF lines. It touches no table but the journal, where its outcomes are kept
//! as every consumer's are.

use std::sync::Arc;

use mambogo::application::consumers::{CountEvents, COUNT_EVENTS};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_consumer(COUNT_EVENTS, |services| {
        Ok(Arc::new(CountEvents {
            sink: Arc::clone(&services.metrics),
        }))
    })
    .await
}
