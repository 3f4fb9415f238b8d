//! POST /cart/merge (mergeCart): fold a guest cart into the user's.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "mergeCart",
        mambogo_functions::endpoint!(mambogo::api::cart_routes::merge_cart),
    )
    .await
}
