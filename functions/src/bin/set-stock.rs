//! PUT /admin/inventory/{sku} (setStock): set a SKU's units on hand; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "setStock",
        mambogo_functions::endpoint!(mambogo::api::admin_inventory::set_stock),
    )
    .await
}
