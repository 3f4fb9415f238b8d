//! GET /categories (listCategories): the category tree.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listCategories",
        mambogo_functions::endpoint!(mambogo::api::catalog_routes::list_categories),
    )
    .await
}
