//! POST /admin/products (createProduct): add a product (admins).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "createProduct",
        mambogo_functions::endpoint!(mambogo::api::admin_catalog::create_product),
    )
    .await
}
