//! POST /admin/orders/{orderId}/ship (shipOrder): PROCESSING → SHIPPED with carrier and tracking number; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "shipOrder",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::ship_order),
    )
    .await
}
