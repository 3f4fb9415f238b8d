//! The `stock-alerts` consumer: publishes StockLow for the SKUs a reservation or a sale
//! leaves below their threshold (rule `events/rules/check-stock-on-reservation-or-sale.json`,
//! fed by its SQS queue).

use std::sync::Arc;

use mambogo::application::consumers::{StockAlerts, STOCK_ALERTS};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_consumer(STOCK_ALERTS, |services| {
        Ok(Arc::new(StockAlerts {
            inventory: Arc::clone(&services.inventory),
            idempotency: Arc::clone(&services.idempotency),
            events: Arc::clone(&services.events),
            clock: Arc::clone(&services.clock),
        }))
    })
    .await
}
