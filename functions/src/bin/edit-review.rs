//! PUT /products/{productId}/reviews (editReview): a shopper rewrites their review of a
//! product.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "editReview",
        mambogo_functions::endpoint!(mambogo::api::review_routes::edit_review),
    )
    .await
}
