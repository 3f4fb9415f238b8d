//! POST /orders/{orderId}/return (requestReturn): ask to send lines of a delivered order back.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "requestReturn",
        mambogo_functions::endpoint!(mambogo::api::order_routes::request_return),
    )
    .await
}
