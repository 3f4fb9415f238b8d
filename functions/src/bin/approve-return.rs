//! POST /admin/orders/{orderId}/returns/approve (approveReturn): restock the returned lines and refund them; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "approveReturn",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::approve_return),
    )
    .await
}
