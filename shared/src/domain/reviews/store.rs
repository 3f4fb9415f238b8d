//! The reviews' store port: reviews, at most one per shopper and product, listed newest
//! or best first, and each product's [`Rating`] moved in the same write as the review.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Rating, Ratings, Review};
use crate::domain::ids::{ProductId, ReviewId, UserId};
use crate::domain::store::{Page, PageRequest, StoreError};

/// The order of a product's reviews.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewSort {
    /// Latest written first.
    #[default]
    Newest,
    /// Most stars first, the latest first among equals.
    Rating,
}

impl ReviewSort {
    /// The sort named `raw` as the API spells it (`newest`, `rating`).
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok()
    }

    /// How the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewSort::Newest => "newest",
            ReviewSort::Rating => "rating",
        }
    }
}

/// Reviews and the ratings they make.
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Stores a new review (version 1) and counts it in its product's rating, in one
    /// transaction; [`StoreError::AlreadyExists`] if its author has reviewed the product
    /// already (or the id is taken).
    async fn add(&self, review: &Review) -> Result<(), StoreError>;

    /// Replaces the review whose stored version is `review.version - 1` and moves its
    /// product's rating by the difference between what `previous` and `review` count,
    /// in one transaction; [`StoreError::Conflict`] if the stored version differs.
    async fn replace(&self, previous: &Review, review: &Review) -> Result<(), StoreError>;

    /// `user`'s review of `product`, shown or hidden.
    async fn review_by(
        &self,
        product: &ProductId,
        user: &UserId,
    ) -> Result<Option<Review>, StoreError>;

    /// The review `id`, shown or hidden.
    async fn review(&self, id: &ReviewId) -> Result<Option<Review>, StoreError>;

    /// One page of `product`'s shown reviews in `sort` order.
    async fn reviews(
        &self,
        product: &ProductId,
        sort: ReviewSort,
        page: &PageRequest,
    ) -> Result<Page<Review>, StoreError>;

    /// `product`'s rating; the default (no reviews) when it has none.
    async fn rating(&self, product: &ProductId) -> Result<Rating, StoreError>;

    /// The rating of every product that has reviews (or had: their counts may be 0).
    async fn all_ratings(&self) -> Result<Ratings, StoreError>;
}
