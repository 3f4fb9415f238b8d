//! POST /orders/{orderId}/cancel (cancelOrder): cancel one of the caller's orders; its stock goes back on sale and its payment is voided or refunded.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "cancelOrder",
        mambogo_functions::endpoint!(mambogo::api::order_routes::cancel_order),
    )
    .await
}
