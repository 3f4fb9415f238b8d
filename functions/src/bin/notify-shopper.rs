//! The `notify-shopper` consumer: writes a notification for the shopper on their order's
//! news, and for the operators on low stock, and mails it through SES (rule
//! `events/rules/notify-on-order-updates-and-low-stock.json`, fed by its SQS queue).

use std::sync::Arc;

use mambogo::application::consumers::{NotifyShopper, NOTIFY_SHOPPER};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_consumer(NOTIFY_SHOPPER, |services| {
        Ok(Arc::new(NotifyShopper {
            services: services.clone(),
        }))
    })
    .await
}
