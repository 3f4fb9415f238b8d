//! GET /products/{productId} (getProduct): one product; signing in is optional.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "getProduct",
        mambogo_functions::endpoint!(mambogo::api::catalog_routes::get_product),
    )
    .await
}
