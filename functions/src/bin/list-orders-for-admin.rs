//! GET /admin/orders (listOrdersForAdmin): the orders in one status, oldest first; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listOrdersForAdmin",
        mambogo_functions::endpoint!(mambogo::api::admin_orders::list_orders_for_admin),
    )
    .await
}
