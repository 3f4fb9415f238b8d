//! POST /admin/orders/{orderId}/deliver (deliverOrder): SHIPPED → DELIVERED; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "deliverOrder",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::deliver_order),
    )
    .await
}
