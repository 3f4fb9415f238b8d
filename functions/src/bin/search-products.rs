//! GET /search (searchProducts): full-text search of the catalog, typo-tolerant, ranked.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run_searching(
        "searchProducts",
        mambogo_functions::endpoint!(mambogo::api::search_routes::search_products),
    )
    .await
}
