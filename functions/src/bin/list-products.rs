//! GET /products (listProducts): search the catalog.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run_searching(
        "listProducts",
        mambogo_functions::endpoint!(mambogo::api::catalog_routes::list_products),
    )
    .await
}
