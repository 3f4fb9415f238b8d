//! GET /search/suggest (suggestProducts): completions of brands, categories and products.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run_searching(
        "suggestProducts",
        mambogo_functions::endpoint!(mambogo::api::search_routes::suggest_products),
    )
    .await
}
