//! POST /admin/reviews/{reviewId}/hide (hideReview): an operator hides a review, which
//! leaves the rating; admins only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    mambogo_functions::run(
        "hideReview",
        mambogo_functions::endpoint!(mambogo::api::review_routes::hide_review),
    )
    .await
}
