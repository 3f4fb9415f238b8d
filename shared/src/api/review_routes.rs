//! `/products/{productId}/reviews` and `/admin/reviews/{reviewId}/hide`: translation
//! only; who may review and what a review counts for are in
//! [`crate::application::reviews`] and [`crate::domain::reviews`].

use http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;

use super::admin_catalog::require_admin;
use super::order_routes::page_query;
use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::{reviews, Services};
use crate::domain::ids::{ProductId, ReviewId};
use crate::domain::reviews::{Rating, Review, ReviewDraft, ReviewSort};
use crate::domain::validation::FieldError;

/// A review as the API shows it; its author is not named.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewView<'a> {
    review_id: ReviewId,
    product_id: &'a ProductId,
    rating: u8,
    title: &'a str,
    body: &'a str,
    /// Every review is by a shopper who received the product.
    verified_purchase: bool,
    hidden: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl<'a> From<&'a Review> for ReviewView<'a> {
    fn from(review: &'a Review) -> Self {
        ReviewView {
            review_id: review.id,
            product_id: &review.product_id,
            rating: review.stars,
            title: &review.title,
            body: &review.body,
            verified_purchase: true,
            hidden: review.hidden,
            created_at: review.created_at,
            updated_at: review.updated_at,
        }
    }
}

/// One page of a product's reviews, with the product's rating.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewPage<'a> {
    items: Vec<ReviewView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
    rating: Rating,
}

fn product_of(request: &ApiRequest) -> Result<ProductId, ApiError> {
    request.path_id("productId", ProductId::parse)
}

/// `GET /products/{productId}/reviews`: the product's shown reviews, newest or best
/// first, a page at a time.
pub async fn list_reviews(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let product = product_of(&request)?;
    let (page, params) = page_query(&request, &["sort"])?;
    let mut sort = ReviewSort::default();
    for (_, value) in params {
        sort = ReviewSort::parse(&value).ok_or_else(|| {
            ApiError::Malformed(vec![FieldError::new("sort", "must be newest or rating")])
        })?;
    }
    let (reviews, rating) = reviews::reviews(services, &product, sort, &page).await?;
    Ok(ApiResponse::ok(&ReviewPage {
        items: reviews.items.iter().map(ReviewView::from).collect(),
        next_cursor: reviews.next_cursor.as_deref(),
        rating,
    }))
}

/// `POST /products/{productId}/reviews`: the caller reviews a product they received.
pub async fn add_review(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = request.signed_in("review a product")?.id.clone();
    let product = product_of(&request)?;
    let draft: ReviewDraft = request.json_body()?;
    let review = reviews::write_review(services, &user, &product, draft).await?;
    Ok(ApiResponse::json(
        StatusCode::CREATED,
        &ReviewView::from(&review),
    ))
}

/// `PUT /products/{productId}/reviews`: the caller rewrites their review of a product.
pub async fn edit_review(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let user = request.signed_in("review a product")?.id.clone();
    let product = product_of(&request)?;
    let draft: ReviewDraft = request.json_body()?;
    let review = reviews::edit_review(services, &user, &product, draft).await?;
    Ok(ApiResponse::ok(&ReviewView::from(&review)))
}

/// `POST /admin/reviews/{reviewId}/hide`: an operator hides a review.
pub async fn hide_review(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    require_admin(&request)?;
    let id = request.path_id("reviewId", ReviewId::parse)?;
    let review = reviews::hide_review(services, &id).await?;
    Ok(ApiResponse::ok(&ReviewView::from(&review)))
}
