//! GET /products/{productId}/reviews (listReviews): a product's shown reviews, newest or
//! best first, with its rating; public.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "listReviews",
        mambogo_functions::endpoint!(mambogo::api::review_routes::list_reviews),
    )
    .await
}
