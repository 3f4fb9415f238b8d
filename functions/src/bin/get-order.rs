//! GET /orders/{orderId} (getOrder): one of the caller's orders; signing in is required.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getOrder",
        mambogo_functions::endpoint!(mambogo::api::order_routes::get_order),
    )
    .await
}
