//! GET /admin/orders/{orderId}/timeline (getOrderTimeline): everything that happened to an order, oldest first; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getOrderTimeline",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::get_order_timeline),
    )
    .await
}
