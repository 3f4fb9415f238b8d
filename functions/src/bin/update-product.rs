//! PUT /admin/products/{productId} (updateProduct): replace a product (admins).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "updateProduct",
        mambogo_functions::endpoint!(mambogo::api::admin_catalog::update_product),
    )
    .await
}
