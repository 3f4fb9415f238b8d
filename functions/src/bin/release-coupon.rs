//! The `release-coupon` consumer: gives an order's use of its coupon back when the order
//! fails or is cancelled (rule `events/rules/release-coupon-of-ended-order.json`,
//! fed by its SQS queue).

use std::sync::Arc;

use mambogo::application::consumers::{ReleaseCouponOfEndedOrder, RELEASE_COUPON};

#[tokio::main]
async fn main() -> Result<(), lambda_http::lambda_runtime::Error> {
    mambogo_functions::consumer::run_consumer(RELEASE_COUPON, |services| {
        Ok(Arc::new(ReleaseCouponOfEndedOrder {
            services: services.clone(),
        }))
    })
    .await
}
