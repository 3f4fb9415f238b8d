//! The `clear-cart` consumer: empties a shopper's cart once their order is confirmed
//! (rule `events/rules/clear-cart-on-order-confirmed.json`, fed by its SQS queue).

use std::sync::Arc;

use mambogo::application::consumers::{ClearCartOnConfirmation, CLEAR_CART};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_consumer(CLEAR_CART, |services| {
        Ok(Arc::new(ClearCartOnConfirmation {
            carts: Arc::clone(&services.carts),
            idempotency: Arc::clone(&services.idempotency),
            clock: Arc::clone(&services.clock),
        }))
    })
    .await
}
