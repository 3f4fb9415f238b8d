//! The `journal-order-events` consumer: keeps every event about an order in the order's
//! journal, for its timeline (rule `events/rules/journal-order-events.json`, fed by its
//! SQS queue).

use std::sync::Arc;

use mambogo::application::consumers::{JournalOrderEvents, JOURNAL_ORDER_EVENTS};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_journal_consumer(JOURNAL_ORDER_EVENTS, |services| {
        Ok(Arc::new(JournalOrderEvents {
            journal: Arc::clone(&services.journal),
        }))
    })
    .await
}
