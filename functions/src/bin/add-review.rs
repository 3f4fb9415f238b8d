//! POST /products/{productId}/reviews (addReview): a shopper reviews a product one of their
//! orders delivered.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "addReview",
        mambogo_functions::endpoint!(mambogo::api::review_routes::add_review),
    )
    .await
}
