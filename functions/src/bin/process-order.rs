//! POST /admin/orders/{orderId}/process (processOrder): CONFIRMED → PROCESSING; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "processOrder",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::process_order),
    )
    .await
}
