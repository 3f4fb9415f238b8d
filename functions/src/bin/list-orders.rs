//! GET /orders (listOrders): the caller's orders, newest first; signing in is required.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listOrders",
        mambogo_functions::endpoint!(mambogo::api::order_routes::list_orders),
    )
    .await
}
